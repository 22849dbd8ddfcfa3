import type { ExtractedBlock } from "@recall/documents";

/**
 * Turns mammoth's HTML (a small, regular subset: h1-h6, p, ul/ol/li, table/tr/td/th, a, strong,
 * em, br, img) into blocks, with a tag walker rather than a DOM: nothing else of HTML is needed.
 */
export function blocksFromHtml(html: string): ExtractedBlock[] {
  const blocks: ExtractedBlock[] = [];
  let open: { kind: ExtractedBlock["kind"]; level?: number; text: string } | null = null;
  /** Tables nest in mammoth's output only inside cells: an inner table's text joins the outer cell. */
  let tableDepth = 0;
  let rows: string[][] = [];
  let row: string[] | null = null;
  let cell: string | null = null;

  const flush = (): void => {
    if (open === null) return;
    const text = collapse(open.text);
    if (text.length > 0) blocks.push(open.kind === "heading" ? { kind: "heading", text, level: open.level } : { kind: open.kind, text });
    open = null;
  };
  const append = (text: string): void => {
    if (tableDepth > 0) {
      if (cell !== null) cell += text;
      return;
    }
    if (open === null) open = { kind: "paragraph", text: "" };
    open.text += text;
  };

  const tokens = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>|([^<]+)|</g;
  for (let match = tokens.exec(html); match !== null; match = tokens.exec(html)) {
    const [, closing, rawTag, text] = match;
    if (rawTag === undefined) {
      append(decodeEntities(text ?? "<"));
      continue;
    }
    const tag = rawTag.toLowerCase();
    const heading = /^h([1-6])$/.exec(tag);
    if (tag === "table") {
      if (closing) {
        tableDepth = Math.max(0, tableDepth - 1);
        if (tableDepth === 0) {
          const text = rows.map((cells) => cells.join(" | ")).join("\n").trim();
          if (text.length > 0) blocks.push({ kind: "table", text });
          rows = [];
        }
      } else {
        if (tableDepth === 0) flush();
        else append(" ");
        tableDepth++;
      }
    } else if (tableDepth > 0) {
      if (tableDepth > 1) {
        if (closing && (tag === "td" || tag === "th" || tag === "p")) append(" ");
      } else if (tag === "tr") {
        if (!closing) row = [];
        else if (row !== null) {
          if (row.some((value) => value.length > 0)) rows.push(row);
          row = null;
        }
      } else if (tag === "td" || tag === "th") {
        if (!closing) cell = "";
        else if (cell !== null) {
          (row ??= []).push(collapse(cell).replace(/\n/g, " "));
          cell = null;
        }
      } else if (closing && (tag === "p" || tag === "li") ) append(" ");
      else if (tag === "br") append(" ");
    } else if (heading) {
      flush();
      if (!closing) open = { kind: "heading", level: Number(heading[1]), text: "" };
    } else if (tag === "li") {
      flush();
      if (!closing) open = { kind: "list", text: "" };
    } else if (tag === "ul" || tag === "ol") {
      // A nested list ends the item it sits in: its items are blocks of their own.
      flush();
    } else if (tag === "p") {
      if (open?.kind === "list") {
        if (closing) append(" ");
      } else {
        flush();
        if (!closing) open = { kind: "paragraph", text: "" };
      }
    } else if (tag === "br") {
      append("\n");
    }
  }
  flush();
  return blocks;
}

const namedEntities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, body: string) => {
    if (body.startsWith("#")) {
      const code = body[1] === "x" || body[1] === "X" ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
    }
    return namedEntities[body.toLowerCase()] ?? entity;
  });
}

function collapse(text: string): string {
  return text.replace(/[ \t\r\f\v\u00a0]+/g, " ").replace(/ ?\n ?/g, "\n").trim();
}
