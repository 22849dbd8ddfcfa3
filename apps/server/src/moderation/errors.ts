/** The moderation rules could not be used; the message says what to fix (file, rule, field). */
export class ModerationConfigError extends Error {
  override readonly name = "ModerationConfigError";
}

/** The guard model did not give a verdict: it timed out, failed, or answered something that is not Llama Guard's format. */
export class ModerationUnavailableError extends Error {
  override readonly name = "ModerationUnavailableError";
  constructor(
    readonly kind: "timeout" | "error",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The caller's signal stopped the check: nothing to judge any more, not a failure. */
export class ModerationAbortedError extends Error {
  override readonly name = "ModerationAbortedError";
  constructor() {
    super("The moderation check was stopped.");
  }
}
