import type { DocumentRefusal } from "@recall/documents";

/**
 * Every refusal the parser gives, in words a person can act on: what was wrong, then what to do.
 * One place, so the wording stays consistent and tests can check each code has a message.
 */
function size(bytes: number): string {
  if (bytes < 1024) return `${bytes.toLocaleString("en-US")} bytes`;
  if (bytes < 1024 * 1024) return `${(Math.round((bytes / 1024) * 10) / 10).toLocaleString("en-US")} KB`;
  return `${(Math.round((bytes / (1024 * 1024)) * 10) / 10).toLocaleString("en-US")} MB`;
}

export const refusals = {
  empty: (): DocumentRefusal => ({ code: "empty", message: "This file is empty. Choose the file again, or check that it was saved completely." }),
  tooLarge: (fileBytes: number, maxBytes: number): DocumentRefusal => ({
    code: "too_large",
    message: `This file is ${size(fileBytes)}; the limit is ${size(maxBytes)}. Split it into smaller files, or remove images to make it smaller, and upload it again.`,
  }),
  unsupportedType: (what: string | null): DocumentRefusal => ({
    code: "unsupported_type",
    message: `${what === null ? "This file is not a document Recall can read" : `This is ${what}, not a document Recall can read`}. Upload a PDF, a Word document (.docx), a Markdown or a plain-text file.`,
  }),
  encrypted: (): DocumentRefusal => ({
    code: "encrypted",
    message: "This PDF is password-protected. Remove the password (for example by printing it to a new PDF) and upload it again.",
  }),
  encryptedOffice: (): DocumentRefusal => ({
    code: "encrypted",
    message: "This Office document is password-protected. Remove the password (in Word: File > Info > Protect Document), save it as .docx and upload it again.",
  }),
  corruptPdf: (): DocumentRefusal => ({
    code: "corrupt",
    message: "This PDF is damaged or incomplete, so its text cannot be read. Open it in a PDF reader, save or export it again, and upload the new file.",
  }),
  corruptDocx: (): DocumentRefusal => ({
    code: "corrupt",
    message: "This Word document is damaged or incomplete, so its text cannot be read. Open it in Word or LibreOffice, save it again as .docx, and upload the new file.",
  }),
  corrupt: (): DocumentRefusal => ({
    code: "corrupt",
    message: "This file could not be read; it may be damaged. Save or export it again and upload the new file.",
  }),
  noText: (): DocumentRefusal => ({
    code: "no_text",
    message: "No text was found in this PDF: it looks like a scanned document without a text layer. Run OCR on it first (most PDF tools and scanners can), then upload the result.",
  }),
  noTextInDocument: (): DocumentRefusal => ({
    code: "no_text",
    message: "No text was found in this document. Check that it is the right file; if its text is in images, convert it to text first.",
  }),
  tooManyPages: (pages: number, maxPages: number): DocumentRefusal => ({
    code: "too_many_pages",
    message: `This PDF has ${pages.toLocaleString("en-US")} pages; the limit is ${maxPages.toLocaleString("en-US")}. Split it into smaller parts and upload them separately.`,
  }),
  zipBomb: (): DocumentRefusal => ({
    code: "zip_bomb",
    message:
      "This Word document unpacks to far more data than a document should (it has too many parts, or parts that expand too much). Open it in Word or LibreOffice, save it again as .docx, and upload the new file.",
  }),
  tooSlow: (seconds: number): DocumentRefusal => ({
    code: "too_slow",
    message: `Reading this file took longer than ${seconds.toLocaleString("en-US")} seconds, so it was stopped. Split it into smaller files, or save it again in a simpler form, and upload those.`,
  }),
  tooMuchMemory: (): DocumentRefusal => ({
    code: "too_much_memory",
    message: "Reading this file needed more memory than a document may use, so it was stopped. Split it into smaller files, or save it again without large images, and upload those.",
  }),
} as const;
