import { describeWait } from "../error-message.ts";
import type { ChatDocument } from "../trpc.ts";

/**
 * `document.upload` by hand: tRPC's fetch link cannot report upload progress, so the file goes
 * as multipart form data over XMLHttpRequest to the same endpoint the client would call. It is
 * same-origin, so the auth cookies travel with it and the browser's Origin and Sec-Fetch-Site
 * headers satisfy the server's cross-site guard, exactly as for the tRPC client's own requests.
 */

export const uploadUrl = "/trpc/document.upload";

/** Why the server (or the way to it) refused a file: the sentence for the file's row. */
export interface UploadRefusal {
  message: string;
  /** The tRPC code (`PAYLOAD_TOO_LARGE`, `TOO_MANY_REQUESTS`, …), or null for a plain HTTP refusal or no answer. */
  code: string | null;
  retryAfterSeconds: number | null;
  /** Null when no response came back at all. */
  httpStatus: number | null;
}

export type UploadOutcome =
  | { kind: "uploaded"; document: ChatDocument }
  | { kind: "refused"; refusal: UploadRefusal }
  | { kind: "cancelled" };

/** Plain-HTTP refusals sent before tRPC reads the request, when their body says nothing usable. */
const plainRefusals: Record<number, string> = {
  403: "Recall refused the upload as coming from another site. Reload the page and try again.",
  408: "The upload took too long and the server closed it. Try again on a faster connection, or with a smaller file.",
  413: "That file is larger than Recall accepts.",
  415: "Recall could not take the upload in that form. Reload the page and try again.",
  429: "You're uploading too fast.",
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function unreachable(detail: string): UploadRefusal {
  return { message: `Could not reach the Recall server (${detail}). Check that it is running, then try again.`, code: null, retryAfterSeconds: null, httpStatus: null };
}

const cutOff: UploadRefusal = {
  message: "The upload was cut off before the server answered: the file may be larger than this server accepts, or the connection dropped. Try again, or try a smaller file.",
  code: null,
  retryAfterSeconds: null,
  httpStatus: null,
};

/** The first message of a flattened zod error (`{ formErrors, fieldErrors }`), if any. */
function firstZodIssue(zodError: unknown): string | null {
  if (!isRecord(zodError)) return null;
  const lists = [zodError.formErrors, ...(isRecord(zodError.fieldErrors) ? Object.values(zodError.fieldErrors) : [])];
  for (const list of lists) {
    const found: unknown = Array.isArray(list) ? list.find((item) => typeof item === "string" && item.length > 0) : undefined;
    if (typeof found === "string") return found;
  }
  return null;
}

function withWait(message: string, seconds: number | null): string {
  if (seconds === null || /try again/i.test(message)) return message;
  return `${message} Try again in ${describeWait(seconds)}.`;
}

function retryAfterHeader(value: string | null | undefined): number | null {
  const seconds = Number(value);
  return value && Number.isFinite(seconds) && seconds > 0 ? seconds : null;
}

/**
 * Reads the answer to the upload. tRPC 11 answers a non-batched call without a transformer
 * with `{ result: { data } }`, or `{ error: { message, code, data: { code, httpStatus,
 * zodError, retryAfterSeconds } } }` (a transformer would wrap the error in `json`, accepted
 * too). Refusals made before tRPC (the server's request guard and body limits, a proxy) are
 * plain HTTP: `{ error: "sentence" }`, or no JSON at all.
 */
export function parseUploadResponse(status: number, body: string, headers: { retryAfter?: string | null } = {}): UploadOutcome {
  let parsed: unknown = null;
  try {
    parsed = body ? JSON.parse(body) : null;
  } catch {
    parsed = null;
  }
  if (isRecord(parsed) && isRecord(parsed.result) && status >= 200 && status < 300) {
    const data = parsed.result.data;
    if (isRecord(data) && typeof data.id === "string") return { kind: "uploaded", document: data as ChatDocument };
  }
  const rawError = isRecord(parsed) ? parsed.error : undefined;
  const trpcError = isRecord(rawError) ? (isRecord(rawError.json) ? rawError.json : rawError) : null;
  if (trpcError && typeof trpcError.message === "string") {
    const data = isRecord(trpcError.data) ? trpcError.data : {};
    const code = typeof data.code === "string" ? data.code : null;
    const seconds = typeof data.retryAfterSeconds === "number" && data.retryAfterSeconds > 0 ? data.retryAfterSeconds : retryAfterHeader(headers.retryAfter);
    const message = firstZodIssue(data.zodError) ?? trpcError.message;
    return {
      kind: "refused",
      refusal: {
        message: code === "TOO_MANY_REQUESTS" ? withWait(message, seconds) : message,
        code,
        retryAfterSeconds: seconds,
        httpStatus: typeof data.httpStatus === "number" ? data.httpStatus : status,
      },
    };
  }
  if (status === 0) return { kind: "refused", refusal: unreachable("no answer") };
  const seconds = retryAfterHeader(headers.retryAfter);
  const plain = typeof rawError === "string" && rawError.length > 0 ? rawError : plainRefusals[status];
  if (plain) {
    return { kind: "refused", refusal: { message: status === 429 ? withWait(plain, seconds) : plain, code: null, retryAfterSeconds: seconds, httpStatus: status } };
  }
  if (status >= 200 && status < 300) return { kind: "refused", refusal: { message: "The server's answer to the upload made no sense. Reload the page and try again.", code: null, retryAfterSeconds: null, httpStatus: status } };
  return { kind: "refused", refusal: { ...unreachable(`HTTP ${status}`), httpStatus: status } };
}

export interface UploadRequest {
  file: File;
  /** The chat to attach it to; null uploads into the library only. */
  sessionId: string | null;
  onProgress?: (loaded: number, total: number) => void;
  signal?: AbortSignal;
  /** Tests pass a scripted request; the browser's XMLHttpRequest otherwise. */
  createRequest?: () => XMLHttpRequest;
  url?: string;
}

/** Uploads one file; resolves with what became of it (never rejects). */
export function sendUpload({ file, sessionId, onProgress, signal, createRequest = () => new XMLHttpRequest(), url = uploadUrl }: UploadRequest): Promise<UploadOutcome> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve({ kind: "cancelled" });
      return;
    }
    const request = createRequest();
    const form = new FormData();
    form.append("file", file, file.name);
    if (sessionId) form.append("sessionId", sessionId);
    const abort = () => request.abort();
    signal?.addEventListener("abort", abort, { once: true });
    const settle = (outcome: UploadOutcome) => {
      signal?.removeEventListener("abort", abort);
      resolve(outcome);
    };
    let sent = 0;
    request.upload.onprogress = (event) => {
      sent = event.loaded;
      onProgress?.(event.loaded, event.lengthComputable ? event.total : file.size);
    };
    request.onload = () => settle(parseUploadResponse(request.status, request.responseText, { retryAfter: request.getResponseHeader("retry-after") }));
    // A server that refuses a file from its headers (too large) answers and closes at once; a
    // browser still sending may then see only a cut connection, never the answer.
    request.onerror = () => settle({ kind: "refused", refusal: sent > 0 ? cutOff : unreachable("the connection failed") });
    request.ontimeout = () => settle({ kind: "refused", refusal: unreachable("it took too long to answer") });
    request.onabort = () => settle({ kind: "cancelled" });
    request.open("POST", url);
    request.withCredentials = true;
    request.setRequestHeader("accept", "application/json");
    request.send(form);
  });
}
