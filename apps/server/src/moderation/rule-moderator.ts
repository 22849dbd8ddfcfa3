import { blockedMessage, type ModerationInput, type ModerationVerdict, type Moderator } from "./moderator.ts";
import type { ModerationRule } from "./rule-config.ts";

export interface RuleModeratorOptions {
  /**
   * A pattern rule reads at most this many characters at a time, so even an unlucky pattern's
   * quadratic worst case stays small on a long message. Word lists read the whole text.
   */
  regexWindowChars?: number;
  /** Consecutive windows share this many characters: a match up to this long is never split. */
  regexOverlapChars?: number;
}

export const DEFAULT_REGEX_WINDOW_CHARS = 1024;
export const DEFAULT_REGEX_OVERLAP_CHARS = 256;

/** Zero-width characters and soft hyphens hide a word from a list without changing how it reads. */
const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u2060-\u2064\uFEFF]/g;

export function normalizeForRules(text: string): string {
  return text.normalize("NFKC").replace(INVISIBLE, "");
}

/** The [start, end) ranges a pattern rule reads: the whole text when short, else overlapping windows. */
export function regexWindows(length: number, windowChars: number, overlapChars: number): [number, number][] {
  if (length <= windowChars) return [[0, length]];
  const step = windowChars - overlapChars;
  const windows: [number, number][] = [];
  for (let start = 0; ; start += step) {
    const end = Math.min(length, start + windowChars);
    windows.push([start, end]);
    if (end === length) return windows;
  }
}

/** A configurable list of word, phrase and pattern rules; the first rule that matches blocks. */
export function createRuleModerator(rules: readonly ModerationRule[], options: RuleModeratorOptions = {}): Moderator {
  const windowChars = options.regexWindowChars ?? DEFAULT_REGEX_WINDOW_CHARS;
  const overlapChars = Math.min(options.regexOverlapChars ?? DEFAULT_REGEX_OVERLAP_CHARS, windowChars - 1);

  function matches(rule: ModerationRule, text: string): boolean {
    if (rule.kind === "words") return rule.expression.test(text);
    return regexWindows(text.length, windowChars, overlapChars).some(([start, end]) => rule.expression.test(text.slice(start, end)));
  }

  return {
    async check(input: ModerationInput): Promise<ModerationVerdict> {
      const text = normalizeForRules(input.text);
      for (const rule of rules) {
        if (!rule.roles.has(input.role) || !matches(rule, text)) continue;
        return {
          action: "block",
          outcome: "blocked",
          source: "rules",
          category: rule.category,
          ruleId: rule.id,
          message: rule.message ?? blockedMessage(input.role, rule.label),
        };
      }
      return { action: "allow", outcome: "allowed", source: "rules" };
    },
  };
}
