/** The moderation port: one check of the user's message or of the model's reply. */

export type ModerationRole = "user" | "assistant";

export interface ModerationInput {
  role: ModerationRole;
  text: string;
  /** For a reply: the user's message it answers. A guard model judges a reply in that context. */
  userText?: string;
  signal?: AbortSignal;
}

/** Which stage decided, for metrics: never the text. */
export type ModerationSource = "off" | "rules" | "guard";

/** The guard model did not answer: it timed out or failed. */
export interface ModerationFailure {
  kind: "timeout" | "error";
  /** The setting that turned the failure into this verdict. */
  policy: "open" | "closed";
}

/**
 * `outcome` is what metrics count: a normal allow or block, or a failure of the guard model
 * that the fail-open setting let through (`failed-open`) or the fail-closed setting blocked.
 */
export type ModerationVerdict =
  | { action: "allow"; outcome: "allowed"; source: ModerationSource }
  | { action: "allow"; outcome: "failed-open"; source: "guard"; failure: ModerationFailure }
  | {
      action: "block";
      outcome: "blocked";
      source: "rules" | "guard";
      /** A stable id such as `violent-crimes` or a rule's category. */
      category: string;
      /** The rule that matched (rules only). */
      ruleId?: string;
      /** Said to the person, without quoting the text. */
      message: string;
    }
  | { action: "block"; outcome: "failed-closed"; source: "guard"; category: "moderation-unavailable"; failure: ModerationFailure; message: string };

export interface Moderator {
  check(input: ModerationInput): Promise<ModerationVerdict>;
}

export const ALLOWED_BY_NOBODY: ModerationVerdict = Object.freeze({ action: "allow", outcome: "allowed", source: "off" });

/** The default: every message and reply passes. */
export function createOffModerator(): Moderator {
  return { check: async () => ALLOWED_BY_NOBODY };
}

/** The sentence a person reads when something was blocked, naming the category (never the text). */
export function blockedMessage(role: ModerationRole, categoryLabel: string): string {
  return role === "user"
    ? `Your message was not sent: it looks like ${categoryLabel.toLowerCase()} content, which this server does not allow. Rephrase it and try again.`
    : `The reply was withheld: it contained ${categoryLabel.toLowerCase()} content, which this server does not allow. Try asking in a different way.`;
}

export function unavailableMessage(role: ModerationRole): string {
  return role === "user"
    ? "Your message was not sent: the safety check is not answering right now and this server does not send unchecked messages. Try again in a minute."
    : "The reply was withheld: the safety check is not answering right now and this server does not show unchecked replies. Try again in a minute.";
}
