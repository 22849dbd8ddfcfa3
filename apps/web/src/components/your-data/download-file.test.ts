import { afterEach, describe, expect, it, vi } from "vitest";
import { downloadFile } from "./download-file.ts";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** jsdom's Blob has no text(); FileReader reads it. */
function readText(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(blob);
  });
}

describe("downloadFile", () => {
  it("clicks a temporary download link to a blob of the content, then frees the blob", async () => {
    vi.useFakeTimers();
    const blobs: Blob[] = [];
    // jsdom has no object URLs.
    URL.createObjectURL = vi.fn((blob: Blob) => {
      blobs.push(blob);
      return "blob:recall/1";
    });
    URL.revokeObjectURL = vi.fn();
    const clicked: HTMLAnchorElement[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this);
    });

    downloadFile({ filename: "recall-export-2025-03-01.json", mimeType: "application/json", content: '{"app":"Recall"}' });

    expect(clicked).toHaveLength(1);
    expect(clicked[0]?.download).toBe("recall-export-2025-03-01.json");
    expect(clicked[0]?.href).toBe("blob:recall/1");
    expect(clicked[0]?.isConnected).toBe(false);
    expect(blobs[0]?.type).toBe("application/json");
    expect(URL.revokeObjectURL).not.toHaveBeenCalled();
    vi.runAllTimers();
    expect(URL.revokeObjectURL).toHaveBeenCalledWith("blob:recall/1");
    // FileReader works on real timers.
    vi.useRealTimers();
    expect(await readText(blobs[0]!)).toBe('{"app":"Recall"}');
  });
});
