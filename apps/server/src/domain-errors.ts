/**
 * Expected failures, thrown by stores and services. They know nothing of HTTP or tRPC:
 * `trpc/init.ts` maps each to its tRPC code in one middleware, and the message is what
 * the person reads, so it must say what to do and never quote stored text.
 */
export abstract class DomainError extends Error {}

/** Missing, or someone else's: the same answer for both, so ids reveal nothing. */
export class NotFoundError extends DomainError {
  override readonly name = "NotFoundError";
}

/** The request clashes with the current state (a reply still streaming). */
export class ConflictError extends DomainError {
  override readonly name = "ConflictError";
}

/** Well-formed, but asks for something that cannot be done. */
export class InvalidRequestError extends DomainError {
  override readonly name = "InvalidRequestError";
}

/** Over a limit; `retryAfterSeconds` (when known) reaches the client as `data.retryAfterSeconds`. */
export class LimitExceededError extends DomainError {
  override readonly name = "LimitExceededError";
  constructor(
    message: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
  }
}

/** A body or a value larger than Recall accepts. */
export class PayloadTooLargeError extends DomainError {
  override readonly name = "PayloadTooLargeError";
}

/** No usable identity (none, or one whose user is gone). */
export class UnauthorizedError extends DomainError {
  override readonly name = "UnauthorizedError";
}

/** The moderation policy refused the text; `category` is a stable id for metrics, never the text. */
export class ContentBlockedError extends DomainError {
  override readonly name = "ContentBlockedError";
  constructor(
    message: string,
    readonly category: string,
  ) {
    super(message);
  }
}

export function notFound(what: "chat" | "message" | "remembered fact" | "episode"): NotFoundError {
  return new NotFoundError(`That ${what} does not exist or is not yours.`);
}
