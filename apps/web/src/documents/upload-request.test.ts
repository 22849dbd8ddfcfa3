import { describe, expect, it } from "vitest";
import { documentView } from "./testing/document-fixtures.ts";
import { parseUploadResponse, sendUpload } from "./upload-request.ts";

/** tRPC 11's error body for a non-batched call, with Recall's errorFormatter fields. */
function trpcError(code: string, httpStatus: number, message: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    error: { message, code: -32600, data: { code, httpStatus, path: "document.upload", zodError: null, retryAfterSeconds: null, ...extra } },
  });
}

describe("parseUploadResponse", () => {
  it("reads the document from tRPC's result envelope", () => {
    const document = documentView({ id: "doc-1", name: "report.pdf" });
    expect(parseUploadResponse(200, JSON.stringify({ result: { data: document } }))).toEqual({ kind: "uploaded", document });
  });

  it.each([
    ["PAYLOAD_TOO_LARGE", 413, "Files are at most 25 MB; this one is 40 MB."],
    ["BAD_REQUEST", 400, "Recall reads PDF, Word (.docx), text and Markdown files; this one is a ZIP archive."],
    ["TOO_MANY_REQUESTS", 429, "Your documents use 500 MB of your 500 MB; delete some from the library first. Then try again."],
  ])("shows the server's own sentence for %s", (code, status, message) => {
    expect(parseUploadResponse(status, trpcError(code, status, message))).toEqual({
      kind: "refused",
      refusal: { message, code, retryAfterSeconds: null, httpStatus: status },
    });
  });

  it("says when to try again after a rate limit, from data.retryAfterSeconds", () => {
    const outcome = parseUploadResponse(429, trpcError("TOO_MANY_REQUESTS", 429, "You are uploading too fast.", { retryAfterSeconds: 42 }));
    expect(outcome).toEqual({
      kind: "refused",
      refusal: { message: "You are uploading too fast. Try again in 42 s.", code: "TOO_MANY_REQUESTS", retryAfterSeconds: 42, httpStatus: 429 },
    });
  });

  it("does not repeat the wait when the server's message already says it", () => {
    const outcome = parseUploadResponse(429, trpcError("TOO_MANY_REQUESTS", 429, "Too many uploads: try again in 2 minutes.", { retryAfterSeconds: 120 }));
    expect(outcome.kind === "refused" && outcome.refusal.message).toBe("Too many uploads: try again in 2 minutes.");
  });

  it("shows the first problem of invalid input, not zod's dump", () => {
    const body = trpcError("BAD_REQUEST", 400, "[{...}]", { zodError: { formErrors: [], fieldErrors: { sessionId: ["That is not a valid id."] } } });
    expect(parseUploadResponse(400, body)).toMatchObject({ kind: "refused", refusal: { message: "That is not a valid id.", code: "BAD_REQUEST" } });
  });

  it("accepts an error wrapped by a transformer ({ error: { json } })", () => {
    const body = JSON.stringify({ error: { json: { message: "That chat does not exist or is not yours.", code: -32004, data: { code: "NOT_FOUND", httpStatus: 404 } } } });
    expect(parseUploadResponse(404, body)).toEqual({
      kind: "refused",
      refusal: { message: "That chat does not exist or is not yours.", code: "NOT_FOUND", retryAfterSeconds: null, httpStatus: 404 },
    });
  });

  it("reads the server's refusal from the headers alone, sent in tRPC's shape (413, 415, 411)", () => {
    const body = JSON.stringify({ error: { message: "Files are at most 25 MB.", code: -32413, data: { code: "PAYLOAD_TOO_LARGE", httpStatus: 413, path: "document.upload", retryAfterSeconds: null } } });
    expect(parseUploadResponse(413, body)).toEqual({
      kind: "refused",
      refusal: { message: "Files are at most 25 MB.", code: "PAYLOAD_TOO_LARGE", retryAfterSeconds: null, httpStatus: 413 },
    });
  });

  it("shows the sentence of a plain-HTTP refusal made before tRPC read the request", () => {
    expect(parseUploadResponse(413, JSON.stringify({ error: "Request bodies are at most 26,214,400 bytes." }))).toEqual({
      kind: "refused",
      refusal: { message: "Request bodies are at most 26,214,400 bytes.", code: null, retryAfterSeconds: null, httpStatus: 413 },
    });
  });

  it("explains a plain 413 or 429 with no usable body, with Retry-After when sent", () => {
    expect(parseUploadResponse(413, "<html>Request Entity Too Large</html>")).toMatchObject({ refusal: { message: "That file is larger than Recall accepts.", httpStatus: 413 } });
    expect(parseUploadResponse(429, "", { retryAfter: "30" })).toMatchObject({ refusal: { message: "You're uploading too fast. Try again in 30 s.", retryAfterSeconds: 30 } });
  });

  it("says the server could not be reached for a proxy error page or no answer", () => {
    expect(parseUploadResponse(502, "<html>Bad Gateway</html>")).toMatchObject({
      refusal: { message: "Could not reach the Recall server (HTTP 502). Check that it is running, then try again.", httpStatus: 502 },
    });
    expect(parseUploadResponse(0, "")).toMatchObject({ refusal: { httpStatus: null, code: null } });
  });

  it("refuses a 200 whose body is not a document rather than showing garbage", () => {
    expect(parseUploadResponse(200, JSON.stringify({ result: { data: null } }))).toMatchObject({ kind: "refused" });
  });
});

/** Just enough of XMLHttpRequest to watch what sendUpload does with it. */
class ScriptedRequest {
  method = "";
  url = "";
  withCredentials = false;
  body: FormData | null = null;
  headers: Record<string, string> = {};
  status = 0;
  responseText = "";
  upload: { onprogress: ((event: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  ontimeout: (() => void) | null = null;
  onabort: (() => void) | null = null;
  aborted = false;
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  getResponseHeader() {
    return null;
  }
  send(body: FormData) {
    this.body = body;
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
  respond(status: number, body: string) {
    this.status = status;
    this.responseText = body;
    this.onload?.();
  }
}

describe("sendUpload", () => {
  it("posts the file and the chat as multipart form data with cookies, reports progress, and resolves with the document", async () => {
    const request = new ScriptedRequest();
    const progress: Array<[number, number]> = [];
    const file = new File(["hello world"], "notes.txt", { type: "text/plain" });
    const pending = sendUpload({ file, sessionId: "chat-1", onProgress: (loaded, total) => progress.push([loaded, total]), createRequest: () => request as unknown as XMLHttpRequest });
    expect([request.method, request.url, request.withCredentials]).toEqual(["POST", "/trpc/document.upload", true]);
    expect((request.body?.get("file") as File).name).toBe("notes.txt");
    expect(request.body?.get("sessionId")).toBe("chat-1");
    request.upload.onprogress?.({ loaded: 5, total: 11, lengthComputable: true } as ProgressEvent);
    request.upload.onprogress?.({ loaded: 11, total: 0, lengthComputable: false } as ProgressEvent);
    const document = documentView({ name: "notes.txt" });
    request.respond(200, JSON.stringify({ result: { data: document } }));
    expect(await pending).toEqual({ kind: "uploaded", document });
    expect(progress).toEqual([
      [5, 11],
      [11, 11],
    ]);
  });

  it("sends no sessionId for a library upload, and resolves cancelled when aborted", async () => {
    const request = new ScriptedRequest();
    const controller = new AbortController();
    const pending = sendUpload({ file: new File(["x"], "a.md"), sessionId: null, signal: controller.signal, createRequest: () => request as unknown as XMLHttpRequest });
    expect(request.body?.has("sessionId")).toBe(false);
    controller.abort();
    expect(await pending).toEqual({ kind: "cancelled" });
    expect(request.aborted).toBe(true);
  });

  it("turns a network failure into a refusal that says the server could not be reached", async () => {
    const request = new ScriptedRequest();
    const pending = sendUpload({ file: new File(["x"], "a.md"), sessionId: "chat-1", createRequest: () => request as unknown as XMLHttpRequest });
    request.onerror?.();
    expect(await pending).toMatchObject({ kind: "refused", refusal: { message: expect.stringContaining("Could not reach the Recall server") } });
  });

  it("says an upload cut off midway may have been too large, since a refusing server closes the connection", async () => {
    const request = new ScriptedRequest();
    const pending = sendUpload({ file: new File(["x".repeat(100)], "big.pdf"), sessionId: "chat-1", createRequest: () => request as unknown as XMLHttpRequest });
    request.upload.onprogress?.({ loaded: 40, total: 100, lengthComputable: true } as ProgressEvent);
    request.onerror?.();
    expect(await pending).toMatchObject({ kind: "refused", refusal: { message: expect.stringContaining("the file may be larger than this server accepts") } });
  });
});
