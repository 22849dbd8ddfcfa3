import type { WorkerLimits } from "./limits.ts";
import { parseDocx } from "./docx.ts";
import { parsePdf } from "./pdf.ts";
import { refusals } from "./refusals.ts";
import { sniff } from "./sniff.ts";
import { parseText } from "./text-blocks.ts";
import type { ExtractOutcome, ProgressListener } from "./types.ts";
import { inspectZip } from "./zip-inspection.ts";

/** Everything a worker does with one file: decide what it is from its bytes, then read it. */
export async function extract(bytes: Uint8Array, fileName: string, limits: WorkerLimits, onProgress: ProgressListener): Promise<ExtractOutcome> {
  const sniffed = await sniff(bytes);
  switch (sniffed.type) {
    case "pdf":
      return parsePdf(bytes, limits.maxPages, onProgress);
    case "zip": {
      const inspection = await inspectZip(bytes, limits);
      if (!inspection.ok) return inspection;
      if (inspection.kind === "other") return { ok: false, refusal: refusals.unsupportedType(inspection.what) };
      const outcome = await parseDocx(bytes, inspection.coreProperties, inspection.hasMacros);
      onProgress(1, 1);
      return outcome;
    }
    case "text": {
      const document = parseText(sniffed.text, fileName);
      onProgress(1, 1);
      if (document.pages[0]!.blocks.length === 0) return { ok: false, refusal: refusals.empty() };
      return { ok: true, document, warnings: [] };
    }
    case "encrypted_office":
      return { ok: false, refusal: refusals.encryptedOffice() };
    case "unsupported":
      return { ok: false, refusal: refusals.unsupportedType(sniffed.what) };
  }
}
