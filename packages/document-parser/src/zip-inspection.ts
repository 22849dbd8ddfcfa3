import yauzl from "yauzl";
import type { DocumentRefusal } from "@recall/documents";
import type { WorkerLimits } from "./limits.ts";
import { refusals } from "./refusals.ts";

/**
 * Looks inside a zip before anything else may: the central directory first (entry count,
 * declared sizes and ratios, names), then every entry inflated for real and counted, because
 * declared sizes are whatever the file says (yauzl also fails an entry that inflates to more
 * than it declared). Only then does mammoth, which trusts the zip, get to read it.
 */
export type ZipInspection =
  | { ok: true; kind: "docx"; coreProperties: string | null; hasMacros: boolean }
  | { ok: true; kind: "other"; what: string }
  | { ok: false; refusal: DocumentRefusal };

/** Entries smaller than this are not judged by their ratio: tiny XML parts compress very well. */
const minSizeForRatio = 64 * 1024;
const maxNameLength = 1024;
const maxCorePropertiesBytes = 256 * 1024;

class ZipBombError extends Error {}

export async function inspectZip(bytes: Uint8Array, limits: WorkerLimits): Promise<ZipInspection> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch {
    return { ok: false, refusal: refusals.corrupt() };
  }
  try {
    if (zip.entryCount > limits.maxZipEntries) return { ok: false, refusal: refusals.zipBomb() };
    const entries = await readDirectory(zip, limits);
    const names = new Set(entries.map((entry) => entry.fileName));
    if (!names.has("word/document.xml")) return { ok: true, kind: "other", what: describeZip(names) };
    const coreProperties = await inflateAll(zip, entries, limits.maxUncompressedBytes);
    return { ok: true, kind: "docx", coreProperties, hasMacros: names.has("word/vbaProject.bin") };
  } catch (error) {
    return { ok: false, refusal: error instanceof ZipBombError ? refusals.zipBomb() : refusals.corruptDocx() };
  } finally {
    zip.close();
  }
}

function openZip(buffer: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false, decodeStrings: true }, (error, zip) => {
      if (error || !zip) reject(error ?? new Error("no zip"));
      else resolve(zip);
    });
  });
}

/** Every central-directory entry, refusing as soon as the declared figures are beyond the limits. */
function readDirectory(zip: yauzl.ZipFile, limits: WorkerLimits): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    let declaredTotal = 0;
    let compressedTotal = 0;
    zip.on("entry", (entry: yauzl.Entry) => {
      const name = entry.fileName;
      if (name.length > maxNameLength || name.includes("\0") || name.includes("\\") || /(^|\/)\.\.(\/|$)/.test(name) || name.startsWith("/")) {
        reject(new Error("unusual entry name"));
        return;
      }
      declaredTotal += entry.uncompressedSize;
      compressedTotal += entry.compressedSize;
      const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
      if (
        entries.length + 1 > limits.maxZipEntries ||
        declaredTotal > limits.maxUncompressedBytes ||
        (entry.uncompressedSize >= minSizeForRatio && ratio > limits.maxCompressionRatio) ||
        (declaredTotal >= minSizeForRatio && declaredTotal / Math.max(1, compressedTotal) > limits.maxCompressionRatio)
      ) {
        reject(new ZipBombError());
        return;
      }
      entries.push(entry);
      zip.readEntry();
    });
    zip.on("end", () => resolve(entries));
    zip.on("error", reject);
    zip.readEntry();
  });
}

/** Inflates each entry and counts what comes out; keeps docProps/core.xml (the title) if small. */
async function inflateAll(zip: yauzl.ZipFile, entries: readonly yauzl.Entry[], maxTotal: number): Promise<string | null> {
  let total = 0;
  let coreProperties: string | null = null;
  for (const entry of entries) {
    if (entry.fileName.endsWith("/")) continue;
    const keep = entry.fileName === "docProps/core.xml" && entry.uncompressedSize <= maxCorePropertiesBytes;
    const chunks: Buffer[] = [];
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
      zip.openReadStream(entry, (error, readStream) => (error || !readStream ? reject(error ?? new Error("no stream")) : resolve(readStream)));
    });
    await new Promise<void>((resolve, reject) => {
      stream.on("data", (chunk: Buffer) => {
        total += chunk.length;
        if (total > maxTotal) {
          (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
          reject(new ZipBombError());
          return;
        }
        if (keep) chunks.push(chunk);
      });
      stream.on("end", resolve);
      stream.on("error", (error: Error) => reject(/too many bytes/.test(error.message) ? new ZipBombError() : error));
    });
    if (keep) coreProperties = Buffer.concat(chunks).toString("utf8");
  }
  return coreProperties;
}

function describeZip(names: ReadonlySet<string>): string {
  const has = (prefix: string): boolean => [...names].some((name) => name.startsWith(prefix));
  if (has("xl/")) return "an Excel spreadsheet (.xlsx)";
  if (has("ppt/")) return "a PowerPoint presentation (.pptx)";
  if (names.has("mimetype") && has("META-INF/") && names.has("content.xml")) return "an OpenDocument file (.odt, .ods or .odp)";
  if (names.has("mimetype") && has("META-INF/")) return "an EPUB e-book or another packaged format";
  return "a ZIP archive";
}
