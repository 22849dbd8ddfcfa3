import type { ExtractedDocument } from "@recall/documents";
import { blocksFromHtml, decodeEntities } from "./html-blocks.ts";
import { refusals } from "./refusals.ts";
import type { ExtractOutcome } from "./types.ts";

/**
 * A DOCX that zip-inspection.ts has let through, read by mammoth. Images are never read (their
 * bytes would only become data URIs we throw away) and linked external files are never opened.
 */
export async function parseDocx(bytes: Uint8Array, coreProperties: string | null, hasMacros: boolean): Promise<ExtractOutcome> {
  const { default: mammoth } = await import("mammoth");
  let html: string;
  try {
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      { convertImage: mammoth.images.imgElement(async () => ({ src: "" })), externalFileAccess: false, ignoreEmptyParagraphs: true },
    );
    html = result.value;
  } catch {
    return { ok: false, refusal: refusals.corruptDocx() };
  }
  const blocks = blocksFromHtml(html);
  if (blocks.length === 0) return { ok: false, refusal: refusals.noTextInDocument() };
  const firstHeading = blocks.find((block) => block.kind === "heading");
  const document: ExtractedDocument = {
    kind: "docx",
    title: coreTitle(coreProperties) ?? firstHeading?.text ?? null,
    pageCount: 1,
    pages: [{ number: 1, blocks }],
  };
  return { ok: true, document, warnings: hasMacros ? [macroWarning] : [] };
}

const macroWarning = "This document contains macros. They were not run; only the text was read.";

/** dc:title from docProps/core.xml, when the author set one. */
function coreTitle(xml: string | null): string | null {
  const match = xml === null ? null : /<dc:title>([\s\S]*?)<\/dc:title>/.exec(xml);
  const title = match ? decodeEntities(match[1]!).replace(/\s+/g, " ").trim() : "";
  return title.length > 0 ? title.slice(0, 500) : null;
}
