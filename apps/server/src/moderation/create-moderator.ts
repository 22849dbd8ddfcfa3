import type { LlmClient } from "@recall/ollama";
import { createCompositeModerator, type FailurePolicy } from "./composite-moderator.ts";
import { createGuardModerator } from "./guard-moderator.ts";
import { createOffModerator, type Moderator } from "./moderator.ts";
import { loadModerationRules } from "./rule-config.ts";
import { createRuleModerator } from "./rule-moderator.ts";

/** What the server's env fills in (names in README.md); everything unset means moderation is off. */
export interface ModerationOptions {
  /** RECALL_MODERATION_RULES: a JSON rules file's path, or the JSON itself. */
  rules?: string | undefined;
  /** RECALL_MODERATION_MODEL: a Llama Guard 3 model in Ollama, e.g. `llama-guard3:1b`. */
  model?: string | undefined;
  /** RECALL_MODERATION_FAIL: when the guard model times out or fails. Default `closed`. */
  fail?: FailurePolicy | undefined;
  /** RECALL_MODERATION_TIMEOUT_MS: per guard call. Default 10000. */
  timeoutMs?: number | undefined;
  /** RECALL_MODERATION_NUM_CTX: the guard's context, sent on every call. Default 4096. */
  numCtx?: number | undefined;
  /** Told about guard failures (kind and policy; never the text). */
  onFailure?: Parameters<typeof createCompositeModerator>[0]["onFailure"];
}

export const DEFAULT_MODERATION_TIMEOUT_MS = 10_000;

export interface ConfiguredModerator extends Moderator {
  /** For the start-up log: e.g. "3 rules, then llama-guard3 (fail closed, 10000 ms)" or "off". */
  readonly summary: string;
}

/**
 * Builds the moderator the options describe: off, rules, the guard model, or rules then the
 * guard model. Reads and validates the rules file at once: throws ModerationConfigError at
 * start-up rather than on the first message.
 */
export function createModerator(options: ModerationOptions, llm: Pick<LlmClient, "completeChat">): ConfiguredModerator {
  const stages: Moderator[] = [];
  const parts: string[] = [];
  const rulesSetting = options.rules?.trim();
  if (rulesSetting) {
    const rules = loadModerationRules(rulesSetting);
    stages.push(createRuleModerator(rules));
    parts.push(`${rules.length} rule${rules.length === 1 ? "" : "s"}`);
  }
  const fail = options.fail ?? "closed";
  const timeoutMs = options.timeoutMs ?? DEFAULT_MODERATION_TIMEOUT_MS;
  const model = options.model?.trim();
  if (model) {
    stages.push(createGuardModerator({ llm, model, timeoutMs, numCtx: options.numCtx }));
    parts.push(`${model} (fail ${fail}, ${timeoutMs} ms)`);
  }
  if (stages.length === 0) return { ...createOffModerator(), summary: "off" };
  const composite = createCompositeModerator({ stages, fail, onFailure: options.onFailure });
  return { check: (input) => composite.check(input), summary: parts.join(", then ") };
}
