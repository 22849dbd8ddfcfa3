import type { StreamErrorCode } from "@recall/schema";

/** Why a model call failed, in terms a person can act on. `code` is stable for clients (the stream's error codes). */
export type LlmErrorCode = StreamErrorCode;

export class LlmError extends Error {
  override readonly name = "LlmError";
  constructor(
    readonly code: LlmErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown when the caller's signal stopped the call; not a failure of the model. */
export class LlmAbortedError extends Error {
  override readonly name = "LlmAbortedError";
  constructor() {
    super("The model call was stopped.");
  }
}
