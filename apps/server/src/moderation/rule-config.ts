import { readFileSync } from "node:fs";
import { z } from "zod";
import { ModerationConfigError } from "./errors.ts";
import type { ModerationRole } from "./moderator.ts";
import { MAX_PATTERN_LENGTH, unsafePatternReason } from "./regex-safety.ts";

/** Every regular expression is case-insensitive and Unicode-aware. */
export const RULE_FLAGS = "iu";

const roleSchema = z.enum(["user", "assistant"]);

export const moderationRuleSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9][\w.-]{0,63}$/, "must be 1-64 letters, digits, '-', '_' or '.'"),
    /** A stable id for metrics and the UI, e.g. `hate` or `privacy`. */
    category: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be 1-64 lowercase letters, digits or '-'"),
    /** How the category reads in a message to the person, e.g. "Personal data". Default: the category. */
    label: z.string().trim().min(1).max(80).optional(),
    /** Replaces the default sentence shown when this rule blocks. */
    message: z.string().trim().min(1).max(300).optional(),
    roles: z.array(roleSchema).min(1, "must name at least one of user, assistant").default(["user", "assistant"]),
    /** Words or phrases, matched whole, ignoring case; spaces in a phrase match any run of whitespace. */
    words: z.array(z.string().trim().min(1, "must not be empty").max(200)).min(1, "must list at least one word").max(10_000).optional(),
    /** A regular expression (flags `iu`). */
    pattern: z.string().min(1).max(MAX_PATTERN_LENGTH).optional(),
  })
  .strict()
  .superRefine((rule, context) => {
    if ((rule.words === undefined) === (rule.pattern === undefined)) {
      context.addIssue({ code: "custom", message: "needs exactly one of `words` or `pattern`" });
    }
    if (rule.pattern === undefined) return;
    try {
      new RegExp(rule.pattern, RULE_FLAGS);
    } catch (error) {
      context.addIssue({ code: "custom", path: ["pattern"], message: `is not a valid regular expression (${(error as Error).message})` });
      return;
    }
    const unsafe = unsafePatternReason(rule.pattern);
    if (unsafe) context.addIssue({ code: "custom", path: ["pattern"], message: unsafe });
  });

export const moderationRulesSchema = z
  .object({ rules: z.array(moderationRuleSchema).min(1, "must hold at least one rule (leave RECALL_MODERATION_RULES unset for none)") })
  .strict()
  .superRefine((file, context) => {
    const seen = new Set<string>();
    file.rules.forEach((rule, index) => {
      if (seen.has(rule.id)) context.addIssue({ code: "custom", path: ["rules", index, "id"], message: `repeats the id "${rule.id}"` });
      seen.add(rule.id);
    });
  });

export type ModerationRuleConfig = z.infer<typeof moderationRuleSchema>;
export type ModerationRulesConfig = z.infer<typeof moderationRulesSchema>;

/** A rule ready to run; `expression` has the `iu` flags, and no `g`/`y` state to reset. */
export interface ModerationRule {
  id: string;
  category: string;
  label: string;
  message: string | undefined;
  roles: ReadonlySet<ModerationRole>;
  kind: "words" | "pattern";
  expression: RegExp;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

/** One alternation of whole words and phrases: literal text only, so it runs in linear time on any input. */
export function wordsExpression(words: readonly string[]): RegExp {
  const alternatives = [...new Set(words.map((word) => word.normalize("NFKC").toLowerCase()))]
    .sort((left, right) => right.length - left.length)
    .map((word) => word.split(/\s+/).map(escapeRegExp).join("\\s+"));
  return new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives.join("|")})(?![\\p{L}\\p{N}_])`, RULE_FLAGS);
}

export function compileRules(config: ModerationRulesConfig): ModerationRule[] {
  return config.rules.map((rule) => ({
    id: rule.id,
    category: rule.category,
    label: rule.label ?? rule.category.replace(/-/g, " "),
    message: rule.message,
    roles: new Set(rule.roles),
    kind: rule.words ? "words" : "pattern",
    expression: rule.words ? wordsExpression(rule.words) : new RegExp(rule.pattern ?? "", RULE_FLAGS),
  }));
}

function describeIssues(error: z.ZodError, source: string): string {
  const lines = error.issues.map((issue) => {
    const path = issue.path.map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("").replace(/^\./, "");
    return `  ${path || "(top level)"}: ${issue.message}`;
  });
  return `The moderation rules in ${source} are not valid:\n${lines.join("\n")}`;
}

/** Parses and validates rules given as JSON text; throws ModerationConfigError naming each problem. */
export function parseModerationRules(json: string, source = "RECALL_MODERATION_RULES"): ModerationRule[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new ModerationConfigError(`The moderation rules in ${source} are not valid JSON: ${(error as Error).message}`);
  }
  const parsed = moderationRulesSchema.safeParse(value);
  if (!parsed.success) throw new ModerationConfigError(describeIssues(parsed.error, source));
  return compileRules(parsed.data);
}

/** `RECALL_MODERATION_RULES`: the JSON itself (starting with `{`), or the path of a JSON file. */
export function loadModerationRules(setting: string): ModerationRule[] {
  const trimmed = setting.trim();
  if (trimmed.startsWith("{")) return parseModerationRules(trimmed);
  let json: string;
  try {
    json = readFileSync(trimmed, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModerationConfigError(`Cannot read the moderation rules file ${trimmed} (${code ?? (error as Error).message}). Check RECALL_MODERATION_RULES.`);
  }
  return parseModerationRules(json, trimmed);
}
