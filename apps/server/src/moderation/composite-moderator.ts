import { ModerationAbortedError, ModerationUnavailableError } from "./errors.ts";
import { unavailableMessage, type ModerationInput, type ModerationVerdict, type Moderator } from "./moderator.ts";

export type FailurePolicy = "open" | "closed";

export interface CompositeModeratorOptions {
  /** Run in order, cheapest first (rules, then the guard model); the first block wins. */
  stages: readonly Moderator[];
  /** When a stage gives no verdict (the guard model timed out or failed): let the text through, or block it. */
  fail: FailurePolicy;
  /** Told about each failure (kind and policy only), e.g. to log or count it; never the text. */
  onFailure?: (failure: { kind: "timeout" | "error"; policy: FailurePolicy; error: Error }) => void;
}

export function createCompositeModerator(options: CompositeModeratorOptions): Moderator {
  return {
    async check(input: ModerationInput): Promise<ModerationVerdict> {
      let verdict: ModerationVerdict = { action: "allow", outcome: "allowed", source: "off" };
      for (const stage of options.stages) {
        try {
          verdict = await stage.check(input);
        } catch (error) {
          if (error instanceof ModerationAbortedError) throw error;
          if (input.signal?.aborted) throw new ModerationAbortedError();
          const kind = error instanceof ModerationUnavailableError ? error.kind : "error";
          const failure = { kind, policy: options.fail };
          options.onFailure?.({ ...failure, error: error instanceof Error ? error : new Error(String(error)) });
          if (options.fail === "closed") {
            return { action: "block", outcome: "failed-closed", source: "guard", category: "moderation-unavailable", failure, message: unavailableMessage(input.role) };
          }
          return { action: "allow", outcome: "failed-open", source: "guard", failure };
        }
        if (verdict.action === "block") return verdict;
      }
      return verdict;
    },
  };
}
