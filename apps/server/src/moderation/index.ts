export * from "./moderator.ts";
export * from "./errors.ts";
export { createModerator, DEFAULT_MODERATION_TIMEOUT_MS, type ConfiguredModerator, type ModerationOptions } from "./create-moderator.ts";
export { createCompositeModerator, type CompositeModeratorOptions, type FailurePolicy } from "./composite-moderator.ts";
export { createGuardModerator, type GuardModeratorOptions } from "./guard-moderator.ts";
export { LLAMA_GUARD_CATEGORIES, guardCategory, parseGuardAnswer, type GuardAnswer, type GuardCategory } from "./llama-guard.ts";
export { createRuleModerator, type RuleModeratorOptions } from "./rule-moderator.ts";
export {
  loadModerationRules,
  moderationRuleSchema,
  moderationRulesSchema,
  parseModerationRules,
  type ModerationRule,
  type ModerationRuleConfig,
  type ModerationRulesConfig,
} from "./rule-config.ts";
