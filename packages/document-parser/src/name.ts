/** Bidirectional overrides and invisible marks: they make "gpj.exe" read as "exe.jpg". */
const invisible = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
const controls = /\p{Cc}/gu;
const maxNameLength = 200;

/**
 * A file name as we store and show it: no directories (either slash), no control or bidi
 * characters, no leading or trailing dots and spaces, at most 200 characters with the
 * extension kept, and "document" when nothing is left.
 */
export function cleanDocumentName(name: string): string {
  const base = name.split(/[\\/]/).at(-1) ?? "";
  let cleaned = trimEnds(base.normalize("NFC").replace(controls, "").replace(invisible, "").replace(/\s+/g, " "));
  const characters = Array.from(cleaned);
  if (characters.length > maxNameLength) {
    const extension = /\.[\p{L}\p{N}]{1,10}$/u.exec(cleaned)?.[0] ?? "";
    const stem = characters.slice(0, maxNameLength - extension.length).join("");
    cleaned = `${trimEnds(stem)}${extension}`;
  }
  return cleaned.length === 0 ? "document" : cleaned;
}

function trimEnds(text: string): string {
  return text.replace(/^[\s.]+|[\s.]+$/g, "");
}

