import { fileTypeFromBuffer } from "file-type";

/**
 * What the bytes are, from the bytes alone: the name and the declared type are whatever the
 * uploader says, so they only break the tie between plain text and Markdown.
 */
export type Sniffed =
  | { type: "pdf" }
  | { type: "zip" }
  | { type: "text"; text: string }
  /** A password-protected Office file: OOXML encrypted into an OLE container. */
  | { type: "encrypted_office" }
  | { type: "unsupported"; what: string | null };

/** Readers accept "%PDF-" anywhere in the first kilobyte (some generators write junk first). */
const pdfSearchBytes = 1024;
/** A text file may hold a few stray control characters (form feeds, escape sequences); not many. */
const maxControlShare = 0.001;

export async function sniff(bytes: Uint8Array): Promise<Sniffed> {
  if (startsWithPdfMagic(bytes)) return { type: "pdf" };
  // Zips are inspected by our own bounded reader (zip-inspection.ts), never inflated here.
  if (hasZipMagic(bytes)) return { type: "zip" };
  const text = decodeText(bytes);
  if (text !== null) return { type: "text", text };
  // After the text check: a note that mentions "%PDF-" near its start is still a note.
  if (hasPdfMagic(bytes)) return { type: "pdf" };
  const detected = await fileTypeFromBuffer(bytes).catch(() => undefined);
  if (detected?.ext === "cfb" && containsUtf16(bytes, "EncryptedPackage")) return { type: "encrypted_office" };
  return { type: "unsupported", what: detected ? describeFileType(detected.ext, detected.mime) : null };
}

function startsWithPdfMagic(bytes: Uint8Array): boolean {
  return bytes[0] === 0x25 && bytes[1] === 0x50 && bytes[2] === 0x44 && bytes[3] === 0x46 && bytes[4] === 0x2d;
}

function hasPdfMagic(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, pdfSearchBytes);
  for (let index = head.indexOf(0x25); index !== -1 && index + 5 <= head.length; index = head.indexOf(0x25, index + 1)) {
    if (head[index + 1] === 0x50 && head[index + 2] === 0x44 && head[index + 3] === 0x46 && head[index + 4] === 0x2d) return true;
  }
  return false;
}

/** A local file header (PK\3\4) or an empty archive's end record (PK\5\6). */
function hasZipMagic(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

function containsUtf16(bytes: Uint8Array, text: string): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(Buffer.from(text, "utf16le"));
}

/** UTF-8 (BOM or not) or UTF-16 with a BOM, no NUL, few control characters; otherwise null. */
export function decodeText(bytes: Uint8Array): string | null {
  let text: string;
  try {
    const encoding = bytes[0] === 0xff && bytes[1] === 0xfe ? "utf-16le" : bytes[0] === 0xfe && bytes[1] === 0xff ? "utf-16be" : "utf-8";
    text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  let controls = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 0) return null;
    // Tab, line feed, form feed and carriage return are ordinary in text.
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0c && code !== 0x0d) || code === 0x7f) controls++;
  }
  if (controls > Math.max(2, text.length * maxControlShare)) return null;
  return text;
}

const knownTypes: Record<string, string> = {
  png: "a PNG image",
  jpg: "a JPEG image",
  gif: "a GIF image",
  webp: "a WebP image",
  bmp: "a BMP image",
  tif: "a TIFF image",
  heic: "a HEIC image",
  avif: "an AVIF image",
  ico: "an icon",
  psd: "a Photoshop image",
  exe: "a Windows program",
  elf: "a Linux program",
  macho: "a macOS program",
  wasm: "a WebAssembly program",
  cfb: "an old-style Office file (.doc, .xls or .ppt)",
  rtf: "an RTF file",
  gz: "a gzip archive",
  "7z": "a 7-Zip archive",
  rar: "a RAR archive",
  tar: "a tar archive",
  bz2: "a bzip2 archive",
  xz: "an xz archive",
  zst: "a Zstandard archive",
  mp3: "an MP3 audio file",
  mp4: "an MP4 video",
  mov: "a QuickTime video",
  webm: "a WebM video",
  wav: "a WAV audio file",
  ogg: "an Ogg audio file",
  flac: "a FLAC audio file",
  sqlite: "an SQLite database",
  ps: "a PostScript file",
};

/** "a PNG image", "an MP4 video"… or a general phrase from the MIME type. */
export function describeFileType(ext: string, mime: string): string {
  const known = knownTypes[ext];
  if (known !== undefined) return known;
  if (mime.startsWith("image/")) return `an image (${ext.toUpperCase()})`;
  if (mime.startsWith("video/")) return `a video (${ext.toUpperCase()})`;
  if (mime.startsWith("audio/")) return `an audio file (${ext.toUpperCase()})`;
  return `a .${ext} file`;
}
