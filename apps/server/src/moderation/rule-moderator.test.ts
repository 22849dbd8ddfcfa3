import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ModerationConfigError } from "./errors.ts";
import { loadModerationRules, parseModerationRules } from "./rule-config.ts";
import { createRuleModerator, regexWindows } from "./rule-moderator.ts";
import { unsafePatternReason } from "./regex-safety.ts";

const rules = (...list: unknown[]) => JSON.stringify({ rules: list });

function moderator(json: string, options?: Parameters<typeof createRuleModerator>[1]) {
  return createRuleModerator(parseModerationRules(json), options);
}

describe("word and phrase rules", () => {
  const checker = moderator(
    rules(
      { id: "weapons", category: "weapons", label: "Weapons", words: ["pipe bomb", "Nerve Agent"] },
      { id: "swear", category: "profanity", words: ["darn"], roles: ["assistant"] },
    ),
  );

  it("blocks a listed word or phrase whatever its case, with the category and a message that does not quote the text", async () => {
    const verdict = await checker.check({ role: "user", text: "how to build a PIPE   BOMB at home" });
    expect(verdict).toEqual({
      action: "block",
      outcome: "blocked",
      source: "rules",
      category: "weapons",
      ruleId: "weapons",
      message: expect.stringContaining("weapons content"),
    });
    if (verdict.action === "block") expect(verdict.message.toLowerCase()).not.toContain("pipe");
    expect((await checker.check({ role: "user", text: "nerve\nagent" })).action).toBe("block");
  });

  it("matches whole words only, and sees through zero-width characters and compatibility forms", async () => {
    expect((await checker.check({ role: "user", text: "darned socks" })).action).toBe("allow");
    expect((await checker.check({ role: "assistant", text: "pipebomber" })).action).toBe("allow");
    expect((await checker.check({ role: "user", text: "pipe\u200B bomb" })).action).toBe("block");
    expect((await checker.check({ role: "user", text: "ｐｉｐｅ bomb" })).action).toBe("block");
  });

  it("applies a rule only to the roles it names", async () => {
    expect(await checker.check({ role: "user", text: "darn it" })).toEqual({ action: "allow", outcome: "allowed", source: "rules" });
    expect(await checker.check({ role: "assistant", text: "Darn it" })).toMatchObject({ action: "block", ruleId: "swear", message: expect.stringMatching(/^The reply was withheld/) });
  });
});

describe("pattern rules", () => {
  it("blocks on a case-insensitive regular expression, with the rule's own message when it has one", async () => {
    const checker = moderator(rules({ id: "cards", category: "privacy", pattern: "\\b\\d{4}[ -]?\\d{4}[ -]?\\d{4}[ -]?\\d{4}\\b", message: "Remove the card number." }));
    expect(await checker.check({ role: "user", text: "my card is 4111 1111 1111 1111" })).toMatchObject({ action: "block", category: "privacy", message: "Remove the card number." });
    expect((await checker.check({ role: "user", text: "call 4111 1111" })).action).toBe("allow");
  });

  it("reads a long text in overlapping windows: a match anywhere is found, one longer than a window is not (the cap)", async () => {
    const checker = moderator(rules({ id: "span", category: "test", pattern: "start[a-z]*end" }), { regexWindowChars: 1024, regexOverlapChars: 256 });
    const far = `${"x ".repeat(40_000)}start${"a".repeat(200)}end`;
    expect((await checker.check({ role: "user", text: far })).action).toBe("block");
    expect((await checker.check({ role: "user", text: `start${"a".repeat(2000)}end` })).action).toBe("allow");
    expect(regexWindows(3000, 1024, 256)).toEqual([[0, 1024], [768, 1792], [1536, 2560], [2304, 3000]]);
    expect(regexWindows(10, 1024, 256)).toEqual([[0, 10]]);
  });

  it("a hostile message against an accepted pattern is read window by window, never whole", async () => {
    const checker = moderator(rules({ id: "tail", category: "test", pattern: "[a ]*z" }), { regexWindowChars: 512, regexOverlapChars: 64 });
    const seen: number[] = [];
    const rule = parseModerationRules(rules({ id: "tail", category: "test", pattern: "[a ]*z" }))[0]!;
    const test = rule.expression.test.bind(rule.expression);
    rule.expression.test = (text: string) => (seen.push(text.length), test(text));
    const spied = createRuleModerator([rule], { regexWindowChars: 512, regexOverlapChars: 64 });
    const hostile = "a ".repeat(50_000);
    expect((await spied.check({ role: "user", text: hostile })).action).toBe("allow");
    expect(Math.max(...seen)).toBe(512);
    expect(seen.length).toBe(Math.ceil((hostile.length - 512) / 448) + 1);
    expect((await checker.check({ role: "user", text: `${hostile}z` })).action).toBe("block");
  });
});

describe("loading rules", () => {
  const load = (json: string) => () => parseModerationRules(json, "rules.json");

  it("rejects an invalid regular expression, naming the rule", () => {
    expect(load(rules({ id: "bad", category: "x", pattern: "(unclosed" }))).toThrow(/rules\[0\]\.pattern: is not a valid regular expression/);
  });

  it("rejects patterns that can take exponential or polynomial time", () => {
    for (const pattern of ["(a+)+$", "(?:a|ab)*c", "(\\w+\\s?)*$", ".*.*x", "a+b+c", "(a)\\1", "x{1,1000}y*"]) {
      expect(load(rules({ id: "slow", category: "x", pattern })), pattern).toThrow(ModerationConfigError);
    }
    expect(unsafePatternReason("(a+)+$")).toMatch(/exponential/);
    expect(unsafePatternReason(".*.*x")).toMatch(/2 open-ended repeats/);
    for (const pattern of ["\\bfoo\\s+bar\\b", "(?:cat|dog)s?", "[a-z]{2,5}-\\d{1,3}", "(?<year>\\d{4})-\\d\\d", "\\p{Lu}{3}[(|)]+"]) {
      expect(unsafePatternReason(pattern), pattern).toBeNull();
    }
  });

  it("rejects empty rule lists, empty words, a rule with both or neither of words and pattern, repeated ids, unknown fields", () => {
    expect(load(rules())).toThrow(/rules: must hold at least one rule/);
    expect(load(rules({ id: "a", category: "x", words: [] }))).toThrow(/rules\[0\]\.words: must list at least one word/);
    expect(load(rules({ id: "a", category: "x", words: ["  "] }))).toThrow(/rules\[0\]\.words\[0\]: must not be empty/);
    expect(load(rules({ id: "a", category: "x", words: ["w"], pattern: "p" }))).toThrow(/needs exactly one of `words` or `pattern`/);
    expect(load(rules({ id: "a", category: "x" }))).toThrow(/needs exactly one/);
    expect(load(rules({ id: "a", category: "x", words: ["w"] }, { id: "a", category: "y", words: ["v"] }))).toThrow(/rules\[1\]\.id: repeats the id "a"/);
    expect(load(rules({ id: "a", category: "x", words: ["w"], roles: ["system"] }))).toThrow(/rules\[0\]\.roles\[0\]/);
    expect(load(rules({ id: "a", category: "x", word: ["w"] }))).toThrow(/rules\[0\]/);
    expect(load("{ not json")).toThrow(/rules\.json are not valid JSON/);
  });

  it("reads inline JSON or a file path, and says which file it could not read", () => {
    const directory = mkdtempSync(join(tmpdir(), "recall-moderation-"));
    const path = join(directory, "rules.json");
    writeFileSync(path, rules({ id: "a", category: "x", words: ["w"] }));
    expect(loadModerationRules(path).map((rule) => rule.id)).toEqual(["a"]);
    expect(loadModerationRules(` ${rules({ id: "b", category: "y", pattern: "z+" })}`).map((rule) => rule.kind)).toEqual(["pattern"]);
    expect(() => loadModerationRules(join(directory, "missing.json"))).toThrow(/Cannot read the moderation rules file .*missing\.json \(ENOENT\)/);
  });
});
