import type { StreamEndReason } from "@recall/schema";

/**
 * The port GenerationManager uses for what concerns replies on other instances: a lease per reply
 * it generates (so "is a reply being written?" has an answer anywhere), stop requests for replies
 * generated elsewhere, and hearing such requests for its own. One process: nothing is elsewhere.
 */
export interface ReplyCoordinator {
  /** This instance generates the reply: hold its lease until `release`. */
  claim(messageId: string): void;
  release(messageId: string): void;
  /** Whether another instance holds the reply's lease (false when that cannot be known: Redis away). */
  isActiveElsewhere(messageId: string): Promise<boolean>;
  /** Asks the instance generating the reply to stop it; resolves once it ended (true) or when nobody held it (false). */
  requestStop(messageId: string, reason: StreamEndReason): Promise<boolean>;
  /** Stop requests from other instances for replies generated here. */
  onStopRequest(handler: (messageId: string, reason: StreamEndReason) => void): void;
}

export const singleInstanceReplies: ReplyCoordinator = {
  claim: () => undefined,
  release: () => undefined,
  isActiveElsewhere: () => Promise.resolve(false),
  requestStop: () => Promise.resolve(false),
  onStopRequest: () => undefined,
};
