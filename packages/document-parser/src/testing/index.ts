/**
 * Fixtures for tests and benchmarks (server e2e, browser e2e, bench/ingest): real files built
 * in memory, the same bytes on every run.
 */
export { makePdf, makePdfWithEmbeddedFile, makePdfWithJavaScript, makeScannedPdf, truncate, pdfBodySize, pdfHeadingSize, type PdfSpec } from "./pdf.ts";
export { makeEncryptedPdf, encryptedPdfPassword, encryptedPdfText } from "./encrypted-pdf.ts";
export { makeDocx, makeZipBomb, type DocxSpec, type ZipBombSpec } from "./docx.ts";
export { makeMarkdown, type MarkdownSpec } from "./markdown.ts";
export { makeStripedPng } from "./png.ts";
export { sampleParagraph } from "./sample-text.ts";
