import { TRPCClientError } from "@trpc/client";

/** Codes that mean "the request itself is wrong": asking again cannot help. */
const finalCodes = new Set(["BAD_REQUEST", "UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "PAYLOAD_TOO_LARGE", "UNPROCESSABLE_CONTENT"]);

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
    // No error shape means the request never reached Recall (server down, proxy error, offline).
    if (!data) return `Could not reach the Recall server (${error.message}). Check that it is running, then try again.`;
    return firstZodIssue(data.zodError) ?? error.message;
  }
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}

/** TanStack Query retry policy: retry flaky failures twice, never a request the server refused. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  const code = errorCode(error);
  return failureCount < 2 && (code === null || !finalCodes.has(code));
}
