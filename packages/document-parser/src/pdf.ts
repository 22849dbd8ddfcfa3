import type { ExtractedPage } from "@recall/documents";
import { blocksFromLines, bodySize, headingLevels, linesFromRuns, type Line, type TextRun } from "./pdf-layout.ts";
import { refusals } from "./refusals.ts";
import type { ExtractOutcome, ProgressListener } from "./types.ts";

/** Pages with less text than this take the document's body size: a title page alone has no body text. */
const minCharsForOwnBodySize = 200;

const javaScriptWarning = "This PDF contains JavaScript. It was not run; only the text was read.";
const embeddedFileWarning = "This PDF contains embedded files. They were not opened or extracted; only the PDF's own text was read.";

/**
 * A PDF's text, page by page, through pdf.js (bundled by unpdf). Never runs the file's code:
 * this pdf.js build has no scripting and no eval path at all (its `isEvalSupported` option is
 * gone; the bundle contains no eval or new Function). Never loads fonts from the system or the
 * network: text extraction needs neither.
 */
export async function parsePdf(bytes: Uint8Array, maxPages: number, onProgress: ProgressListener): Promise<ExtractOutcome> {
  const { getDocumentProxy } = await import("unpdf");
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    pdf = await getDocumentProxy(bytes, {
      disableFontFace: true,
      useSystemFonts: false,
      enableXfa: false,
      isOffscreenCanvasSupported: false,
      stopAtErrors: false,
      // pdf.js prints warnings about damaged files to the console; a refusal says it instead.
      verbosity: 0,
    });
  } catch (error) {
    return { ok: false, refusal: isPasswordError(error) ? refusals.encrypted() : refusals.corruptPdf() };
  }
  try {
    if (pdf.numPages > maxPages) return { ok: false, refusal: refusals.tooManyPages(pdf.numPages, maxPages) };
    const warnings = new Set<string>();
    const [metadataTitle, docScripts, attachments] = await Promise.all([
      pdf.getMetadata().then(readTitle, () => null),
      pdf.getJSActions().catch(() => null),
      pdf.getAttachments().catch(() => null),
    ]);
    if (docScripts !== null && Object.keys(docScripts).length > 0) warnings.add(javaScriptWarning);
    if (attachments !== null && (attachments instanceof Map ? attachments.size > 0 : Object.keys(attachments).length > 0)) warnings.add(embeddedFileWarning);

    const pageLines: Line[][] = [];
    for (let number = 1; number <= pdf.numPages; number++) {
      const page = await pdf.getPage(number);
      const [content, annotations, pageScripts] = await Promise.all([
        page.getTextContent(),
        page.getAnnotations().catch(() => []),
        page.getJSActions().catch(() => null),
      ]);
      if (pageScripts !== null && Object.keys(pageScripts).length > 0) warnings.add(javaScriptWarning);
      for (const annotation of annotations as Array<{ annotationType?: number; actions?: object | null }>) {
        if (annotation.actions && Object.keys(annotation.actions).length > 0) warnings.add(javaScriptWarning);
        if (annotation.annotationType === fileAttachmentAnnotation) warnings.add(embeddedFileWarning);
      }
      pageLines.push(linesFromRuns(content.items.filter((item) => "str" in item) as TextRun[]));
      page.cleanup();
      onProgress(number, pdf.numPages);
    }

    if (pageLines.every((lines) => lines.length === 0)) return { ok: false, refusal: refusals.noText() };
    const allLines = pageLines.flat();
    // Too little text to tell body from headings by volume: then the smallest size is the body.
    const documentBody = characters(allLines) >= minCharsForOwnBodySize ? (bodySize(allLines) ?? 0) : Math.min(...allLines.map((line) => line.size));
    const measured = pageLines.map((lines) => ({ lines, body: characters(lines) >= minCharsForOwnBodySize ? (bodySize(lines) ?? documentBody) : documentBody }));
    const levels = headingLevels(measured);
    const pages: ExtractedPage[] = measured.map(({ lines, body }, index) => ({ number: index + 1, blocks: blocksFromLines(lines, body, levels) }));
    const firstHeading = pages.flatMap((page) => page.blocks).find((block) => block.kind === "heading");
    return {
      ok: true,
      document: { kind: "pdf", title: metadataTitle ?? firstHeading?.text ?? null, pageCount: pdf.numPages, pages },
      warnings: [...warnings],
    };
  } catch (error) {
    return { ok: false, refusal: isPasswordError(error) ? refusals.encrypted() : refusals.corruptPdf() };
  } finally {
    await pdf.loadingTask.destroy().catch(() => undefined);
  }
}

const characters = (lines: readonly Line[]): number => lines.reduce((sum, line) => sum + line.text.length, 0);

/** pdf.js's AnnotationType.FILEATTACHMENT. */
const fileAttachmentAnnotation = 17;

function isPasswordError(error: unknown): boolean {
  return error instanceof Error && error.name === "PasswordException";
}

/** The Info dictionary's or the XMP title, unless it is a placeholder some tools write. */
function readTitle(metadata: { info: unknown; metadata: { get(name: string): unknown } | null }): string | null {
  const info = metadata.info as { Title?: unknown } | null;
  const candidates = [info?.Title, metadata.metadata?.get("dc:title")];
  for (const candidate of candidates) {
    if (typeof candidate !== "string") continue;
    const title = candidate.replace(/\s+/g, " ").trim();
    if (title.length > 0 && !/^(untitled|unknown|title|document\d*)$/i.test(title) && !/\.(docx?|pdf|txt|rtf)$/i.test(title)) return title.slice(0, 500);
  }
  return null;
}
