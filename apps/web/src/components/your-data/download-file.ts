import type { ExportedFile } from "@recall/schema";

/** Long enough for every browser to have started reading the blob; short enough not to hold it for the session. */
const revokeAfterMs = 30_000;

/** Saves a file the server produced (an export) through a temporary `<a download>`. */
export function downloadFile({ filename, mimeType, content }: ExportedFile): void {
  const url = URL.createObjectURL(new Blob([content], { type: mimeType }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), revokeAfterMs);
}
