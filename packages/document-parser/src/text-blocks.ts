import type { ExtractedBlock, ExtractedDocument } from "@recall/documents";

/**
 * Plain text and Markdown: one logical page. Markdown structure (ATX headings, lists, pipe
 * tables) becomes blocks; fenced code stays one paragraph, fences and all, so it reads as code.
 */
export function parseText(text: string, fileName: string): ExtractedDocument {
  const normalised = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const kind = looksLikeMarkdown(normalised, fileName) ? "markdown" : "text";
  const blocks = kind === "markdown" ? markdownBlocks(normalised) : paragraphs(normalised);
  const firstHeading = blocks.find((block) => block.kind === "heading");
  return { kind, title: firstHeading?.text ?? null, pageCount: 1, pages: [{ number: 1, blocks }] };
}

const atxHeading = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const listItem = /^ {0,12}(?:[-*+]|\d{1,9}[.)])[ \t]+(\S.*)$/;
const fence = /^ {0,3}(`{3,}|~{3,})/;
const tableRow = /^ {0,3}\|.*\|[ \t]*$/;
const tableSeparator = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;

/** Markdown when the name says so or the text has its structure; a single "- " line is not enough. */
export function looksLikeMarkdown(text: string, fileName: string): boolean {
  if (/\.(md|markdown)$/i.test(fileName)) return true;
  const lines = text.split("\n", 5_000);
  let listLines = 0;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (atxHeading.test(line) || fence.test(line)) return true;
    if (tableRow.test(line) && tableSeparator.test(lines[index + 1] ?? "")) return true;
    if (listItem.test(line) && ++listLines >= 2) return true;
  }
  return false;
}

function paragraphs(text: string): ExtractedBlock[] {
  return text
    .split(/\n[ \t]*\n/)
    .map((part) => collapse(part))
    .filter((part) => part.length > 0)
    .map((part) => ({ kind: "paragraph", text: part }));
}

function markdownBlocks(text: string): ExtractedBlock[] {
  const lines = text.split("\n");
  const blocks: ExtractedBlock[] = [];
  let paragraph: string[] = [];
  const flushParagraph = (): void => {
    const joined = collapse(paragraph.join(" "));
    if (joined.length > 0) blocks.push({ kind: "paragraph", text: joined });
    paragraph = [];
  };
  let index = 0;
  while (index < lines.length) {
    const line = lines[index]!;
    const opening = fence.exec(line);
    if (opening) {
      flushParagraph();
      const marker = opening[1]!;
      const code = [line];
      index++;
      while (index < lines.length) {
        const inner = lines[index]!;
        code.push(inner);
        index++;
        if (inner.trim().startsWith(marker[0]!.repeat(marker.length))) break;
      }
      blocks.push({ kind: "paragraph", text: code.join("\n").trim() });
      continue;
    }
    const heading = atxHeading.exec(line);
    if (heading) {
      flushParagraph();
      const headingText = collapse(heading[2]!);
      if (headingText.length > 0) blocks.push({ kind: "heading", text: headingText, level: heading[1]!.length });
      index++;
      continue;
    }
    if (tableRow.test(line) && tableSeparator.test(lines[index + 1] ?? "")) {
      flushParagraph();
      const rows = [splitRow(line)];
      index += 2;
      while (index < lines.length && tableRow.test(lines[index]!)) rows.push(splitRow(lines[index++]!));
      blocks.push({ kind: "table", text: rows.map((cells) => cells.join(" | ")).join("\n") });
      continue;
    }
    const item = listItem.exec(line);
    if (item) {
      flushParagraph();
      // Continuation lines (indented, not a new item or block) belong to the item.
      const parts = [item[1]!];
      index++;
      while (index < lines.length && /^[ \t]+\S/.test(lines[index]!) && !listItem.test(lines[index]!) && !fence.test(lines[index]!)) {
        parts.push(lines[index++]!);
      }
      blocks.push({ kind: "list", text: collapse(parts.join(" ")) });
      continue;
    }
    if (line.trim() === "") flushParagraph();
    else paragraph.push(line);
    index++;
  }
  flushParagraph();
  return blocks;
}

function splitRow(line: string): string[] {
  const inner = line.trim().replace(/^\|/, "").replace(/\|$/, "");
  return inner.split(/(?<!\\)\|/).map((cell) => collapse(cell.replace(/\\\|/g, "|")));
}

function collapse(text: string): string {
  return text.replace(/[ \t\f\v]+/g, " ").replace(/ ?\n ?/g, "\n").trim();
}
