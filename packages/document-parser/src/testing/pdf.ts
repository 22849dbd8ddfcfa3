import { PDFDocument, PDFName, PDFString, StandardFonts, type PDFFont, type PDFPage } from "pdf-lib";
import { makeStripedPng } from "./png.ts";

export interface PdfSpec {
  title?: string;
  /** One PDF page each; text that does not fit continues on an extra page. */
  pages: Array<{ heading?: string; paragraphs: string[] }>;
}

/** Fixed, so the same spec gives the same bytes. */
const fixedDate = new Date("2024-01-01T00:00:00Z");
const pageSize: [number, number] = [612, 792];
const margin = 72;
export const pdfBodySize = 11;
export const pdfHeadingSize = 18;
const lineHeight = pdfBodySize * 1.35;
const paragraphGap = pdfBodySize;

/**
 * A text PDF from StandardFonts (WinAnsi text only): each page's heading in a larger bold font,
 * paragraphs wrapped to the page width with a gap between them.
 */
export async function makePdf(spec: PdfSpec): Promise<Uint8Array> {
  const pdf = await newPdf(spec.title);
  const body = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  for (const pageSpec of spec.pages) {
    let page = pdf.addPage(pageSize);
    let y = pageSize[1] - margin;
    if (pageSpec.heading !== undefined) {
      for (const line of wrap(pageSpec.heading, bold, pdfHeadingSize)) {
        y -= pdfHeadingSize;
        page.drawText(line, { x: margin, y, size: pdfHeadingSize, font: bold });
        y -= pdfHeadingSize * 0.3;
      }
      y -= pdfHeadingSize * 0.8;
    }
    for (const paragraph of pageSpec.paragraphs) {
      for (const line of wrap(paragraph, body, pdfBodySize)) {
        if (y - lineHeight < margin) {
          page = pdf.addPage(pageSize);
          y = pageSize[1] - margin;
        }
        y -= lineHeight;
        page.drawText(line, { x: margin, y, size: pdfBodySize, font: body });
      }
      y -= paragraphGap;
    }
  }
  return save(pdf);
}

/** A one-page text PDF whose catalog runs JavaScript on open and names a document-level script. */
export async function makePdfWithJavaScript(): Promise<Uint8Array> {
  const pdf = await onePager("Report with a script", "This PDF would run a script when opened.");
  const script = (code: string) => pdf.context.obj({ Type: "Action", S: "JavaScript", JS: PDFString.of(code) });
  pdf.catalog.set(PDFName.of("OpenAction"), script("app.alert('hello');"));
  const names = pdf.context.obj({ Names: [PDFString.of("init"), pdf.context.register(script("var x = 1;"))] });
  pdf.catalog.set(PDFName.of("Names"), pdf.context.obj({ JavaScript: names }));
  return save(pdf);
}

/** A one-page text PDF carrying an attached file. */
export async function makePdfWithEmbeddedFile(): Promise<Uint8Array> {
  const pdf = await onePager("Report with an attachment", "This PDF carries another file inside it.");
  await pdf.attach(new TextEncoder().encode("echo not for you\n"), "payload.sh", { mimeType: "text/x-shellscript", creationDate: fixedDate, modificationDate: fixedDate });
  return save(pdf);
}

/** A page that is only an image: what a scanner without OCR produces. */
export async function makeScannedPdf(pages = 2): Promise<Uint8Array> {
  const pdf = await newPdf(undefined);
  const image = await pdf.embedPng(makeStripedPng(400, 520));
  for (let index = 0; index < pages; index++) {
    const page = pdf.addPage(pageSize);
    page.drawImage(image, { x: margin, y: margin, width: pageSize[0] - 2 * margin, height: pageSize[1] - 2 * margin });
  }
  return save(pdf);
}

/** The first `fraction` of the bytes, as an interrupted download leaves a file. */
export function truncate(bytes: Uint8Array, fraction: number): Uint8Array {
  return bytes.slice(0, Math.floor(bytes.length * fraction));
}

async function newPdf(title: string | undefined): Promise<PDFDocument> {
  const pdf = await PDFDocument.create({ updateMetadata: false });
  pdf.setCreationDate(fixedDate);
  pdf.setModificationDate(fixedDate);
  if (title !== undefined) pdf.setTitle(title);
  return pdf;
}

async function onePager(heading: string, text: string): Promise<PDFDocument> {
  const pdf = await newPdf(undefined);
  const page: PDFPage = pdf.addPage(pageSize);
  page.drawText(heading, { x: margin, y: 700, size: pdfHeadingSize, font: await pdf.embedFont(StandardFonts.HelveticaBold) });
  page.drawText(text, { x: margin, y: 660, size: pdfBodySize, font: await pdf.embedFont(StandardFonts.Helvetica) });
  return pdf;
}

async function save(pdf: PDFDocument): Promise<Uint8Array> {
  return pdf.save({ updateFieldAppearances: false });
}

function wrap(text: string, font: PDFFont, size: number): string[] {
  const width = pageSize[0] - 2 * margin;
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((part) => part.length > 0)) {
    const candidate = line.length === 0 ? word : `${line} ${word}`;
    if (line.length > 0 && font.widthOfTextAtSize(candidate, size) > width) {
      lines.push(line);
      line = word;
    } else line = candidate;
  }
  if (line.length > 0) lines.push(line);
  return lines;
}
