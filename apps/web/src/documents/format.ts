import type { ChatDocument } from "../trpc.ts";

type Stage = NonNullable<ChatDocument["stage"]>;
type RefusalCode = NonNullable<ChatDocument["error"]>["code"];

/** What the server is doing with a document, in the words the progress bar shows. */
export const stageLabels: Record<Stage, string> = {
  queued: "Queued",
  parsing: "Reading",
  indexing: "Indexing",
  embedding: "Embedding",
  summarizing: "Summarizing",
};

/** A short name for why a file was refused; the server's message says what to do about it. */
export const refusalLabels: Record<RefusalCode, string> = {
  too_large: "Too large",
  unsupported_type: "Not a supported file type",
  encrypted: "Password-protected",
  corrupt: "Damaged file",
  no_text: "No text layer",
  too_many_pages: "Too many pages",
  zip_bomb: "Refused as unsafe",
  too_slow: "Took too long to read",
  too_much_memory: "Too complex to read",
  empty: "Empty",
  quota: "Over your storage quota",
  too_many_documents: "Too many documents",
};

const units = ["KB", "MB", "GB"];

/** "812 B", "14 KB", "3.2 MB": sizes as a file manager shows them (1 KB = 1,024 bytes). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = value < 10 ? value.toFixed(1).replace(/\.0$/, "") : Math.round(value).toString();
  return `${shown} ${units[unit]}`;
}

/** "1 page", "12 pages", or null while nobody has counted them. */
export function formatPageCount(pageCount: number | null): string | null {
  if (pageCount === null) return null;
  return pageCount === 1 ? "1 page" : `${pageCount.toLocaleString("en")} pages`;
}

/** "p. 3" or "pp. 3–4", as a citation names where its passage is. */
export function formatPages(pageStart: number, pageEnd: number): string {
  return pageEnd > pageStart ? `pp. ${pageStart}–${pageEnd}` : `p. ${pageStart}`;
}

/** The document's state in a word or two: "Ready", "Embedding 60%", "Failed: Password-protected". */
export function describeState(document: Pick<ChatDocument, "state" | "stage" | "progress" | "error">): string {
  if (document.state === "ready") return "Ready";
  if (document.state === "failed") return document.error ? `Failed: ${refusalLabels[document.error.code] ?? document.error.code}` : "Failed";
  const stage = document.stage ? stageLabels[document.stage] : "Processing";
  return `${stage} ${percent(document.progress)}%`;
}

/** 0..1 to a whole percentage, clamped (a progress value is the server's estimate). */
export function percent(fraction: number): number {
  if (!Number.isFinite(fraction)) return 0;
  return Math.round(Math.min(1, Math.max(0, fraction)) * 100);
}

/** Name, pages and size, in the order a list row shows them. */
export function describeDocument(document: Pick<ChatDocument, "pageCount" | "sizeBytes">): string {
  return [formatPageCount(document.pageCount), formatBytes(document.sizeBytes)].filter(Boolean).join(" · ");
}
