import { TRPCClientError } from "@trpc/client";

/**
 * Codes that mean "the request itself is wrong" (asking again cannot help) or "over a limit"
 * (asking again at once makes it worse: the person is told when to try again).
 */
const finalCodes = new Set(["BAD_REQUEST", "UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "PAYLOAD_TOO_LARGE", "UNPROCESSABLE_CONTENT", "TOO_MANY_REQUESTS"]);

/** Refusals Recall sends as plain HTTP, before tRPC reads the request (so with no error shape). */
const plainHttpRefusals: Record<number, string> = {
  413: "That is too large to send to Recall. Shorten it, or split it into several messages.",
  415: "Recall could not take that request (it only accepts JSON). Reload the page and try again.",
  429: "You're sending too fast. Wait a few seconds, then try again.",
};

/** The HTTP status of a response that came back without tRPC's error shape (null when none came back). */
function plainHttpStatus(error: TRPCClientError<never>): number | null {
  const status = (error.meta as { response?: { status?: unknown } } | undefined)?.response?.status;
  return typeof status === "number" ? status : null;
}

/** When a refused call can be tried again, in seconds (`data.retryAfterSeconds`), or null. */
export function retryAfterSeconds(error: unknown): number | null {
  if (!(error instanceof TRPCClientError)) return null;
  const seconds = errorData(error)?.retryAfterSeconds;
  return typeof seconds === "number" && seconds > 0 ? seconds : null;
}

/** "3 s", "2 min": how long to wait, in words. */
export function describeWait(seconds: number): string {
  return seconds < 90 ? `${Math.ceil(seconds)} s` : `${Math.ceil(seconds / 60)} min`;
}

interface FlattenedZodError {
  formErrors?: unknown;
  fieldErrors?: unknown;
}

function errorData(error: { readonly data?: unknown }): Record<string, unknown> | null {
  const data = error.data;
  return typeof data === "object" && data !== null ? (data as Record<string, unknown>) : null;
}

function firstString(value: unknown): string | null {
  if (!Array.isArray(value)) return null;
  const found: unknown = value.find((item) => typeof item === "string" && item.length > 0);
  return typeof found === "string" ? found : null;
}

/** The first issue of a flattened zod error: zod's own message is a JSON dump nobody should read. */
function firstZodIssue(zodError: unknown): string | null {
  if (typeof zodError !== "object" || zodError === null) return null;
  const { formErrors, fieldErrors } = zodError as FlattenedZodError;
  const formMessage = firstString(formErrors);
  if (formMessage) return formMessage;
  if (typeof fieldErrors !== "object" || fieldErrors === null) return null;
  for (const messages of Object.values(fieldErrors)) {
    const fieldMessage = firstString(messages);
    if (fieldMessage) return fieldMessage;
  }
  return null;
}

/** The tRPC error code (`NOT_FOUND`, …) or null when the server never answered. */
export function errorCode(error: unknown): string | null {
  if (!(error instanceof TRPCClientError)) return null;
  const code = errorData(error)?.code;
  return typeof code === "string" ? code : null;
}

/** A sentence a person can act on, for any error a tRPC call can throw. */
export function describeError(error: unknown): string {
  if (error instanceof TRPCClientError) {
    const data = errorData(error);
    // No error shape: a refusal sent as plain HTTP, or the request never reached Recall (server down, proxy error, offline).
    if (!data) {
      const refusal = plainHttpRefusals[plainHttpStatus(error) ?? 0];
      return refusal ?? `Could not reach the Recall server (${error.message}). Check that it is running, then try again.`;
    }
    const message = firstZodIssue(data.zodError) ?? error.message;
    // Over a limit: the server's message says when to try again; a message that does not gets it added.
    const wait = retryAfterSeconds(error);
    if (data.code === "TOO_MANY_REQUESTS" && wait !== null && !/try again/i.test(message)) return `${message} Try again in ${describeWait(wait)}.`;
    return message;
  }
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}

/** TanStack Query retry policy: retry flaky failures twice, never a request the server refused. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  const code = errorCode(error);
  return failureCount < 2 && (code === null || !finalCodes.has(code));
}
