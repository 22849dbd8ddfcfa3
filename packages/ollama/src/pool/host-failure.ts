import { LlmAbortedError, LlmError } from "../errors.ts";

/** What a failed call says about its host, and whether the call may go to another one. */
export interface FailureVerdict {
  /** The host is taken out of rotation until it answers a probe. */
  hostDown: boolean;
  /** Nothing reached the caller and another host may succeed: try the next one. */
  tryAnotherHost: boolean;
}

/**
 * Unreachable, reset or answering 5xx: the host is the problem. A model missing on this host may
 * be on another (hosts need not hold the same models). A timeout takes the host out but is not
 * retried: the caller already waited the whole idle timeout once. Anything else (a 4xx, an error
 * line, the caller's stop) is the request's own and would fail anywhere.
 */
export function judgeFailure(error: unknown): FailureVerdict {
  if (error instanceof LlmAbortedError || !(error instanceof LlmError)) return { hostDown: false, tryAnotherHost: false };
  switch (error.code) {
    case "OLLAMA_UNREACHABLE":
    case "STREAM_BROKEN":
      return { hostDown: true, tryAnotherHost: true };
    case "MODEL_TIMEOUT":
      return { hostDown: true, tryAnotherHost: false };
    case "MODEL_NOT_FOUND":
      return { hostDown: false, tryAnotherHost: true };
    case "MODEL_ERROR": {
      const status = statusOf(error.cause);
      const serverSide = status !== null && status >= 500;
      return { hostDown: serverSide, tryAnotherHost: serverSide };
    }
    default:
      return { hostDown: false, tryAnotherHost: false };
  }
}

function statusOf(cause: unknown): number | null {
  if (typeof cause !== "object" || cause === null || !("status_code" in cause)) return null;
  const status = Number(cause.status_code);
  return Number.isFinite(status) ? status : null;
}
