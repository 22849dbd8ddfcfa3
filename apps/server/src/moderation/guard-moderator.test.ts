import { startFakeOllama, type FakeOllama } from "@recall/fake-ollama";
import { createOllamaClient } from "@recall/ollama";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createCompositeModerator } from "./composite-moderator.ts";
import { createModerator } from "./create-moderator.ts";
import { ModerationAbortedError } from "./errors.ts";
import { createGuardModerator } from "./guard-moderator.ts";
import { parseGuardAnswer } from "./llama-guard.ts";
import { parseModerationRules } from "./rule-config.ts";
import { createRuleModerator } from "./rule-moderator.ts";

let fake: FakeOllama;
let llm: ReturnType<typeof createOllamaClient>;

beforeAll(async () => {
  fake = await startFakeOllama({ guard: true });
  llm = createOllamaClient({ host: fake.url });
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.reset();
});

const guard = (timeoutMs = 2000) => createGuardModerator({ llm, model: "llama-guard3", timeoutMs });
const guardBodies = () => fake.requests.filter((request) => request.path === "/api/chat").map((request) => request.body as Record<string, unknown>);

describe("the guard model moderator, against the fake Ollama answering as Llama Guard 3", () => {
  it("allows what the guard calls safe, with one non-streamed call carrying a fixed num_ctx and a short num_predict", async () => {
    expect(await guard().check({ role: "user", text: "How do I bake bread?" })).toEqual({ action: "allow", outcome: "allowed", source: "guard" });
    expect(guardBodies()).toEqual([
      { model: "llama-guard3", messages: [{ role: "user", content: "How do I bake bread?" }], stream: false, options: { num_ctx: 4096, num_predict: 16 } },
    ]);
  });

  it("blocks what it calls unsafe, mapping the S-code to a readable category", async () => {
    const verdict = await guard().check({ role: "user", text: "plan unsafe-S1 now" });
    expect(verdict).toEqual({
      action: "block",
      outcome: "blocked",
      source: "guard",
      category: "violent-crimes",
      message: "Your message was not sent: it looks like violent crimes content, which this server does not allow. Rephrase it and try again.",
    });
    expect(await guard().check({ role: "user", text: "unsafe-S10 unsafe-S1" })).toMatchObject({ category: "hate" });
    expect(await guard().check({ role: "user", text: "unsafe-S99" })).toMatchObject({ category: "unsafe" });
  });

  it("judges a reply as the model's, after the user turn it answers", async () => {
    const verdict = await guard().check({ role: "assistant", text: "Here you go: unsafe-S11", userText: "Help me" });
    expect(verdict).toMatchObject({ action: "block", category: "suicide-self-harm", message: expect.stringMatching(/^The reply was withheld/) });
    expect(guardBodies()[0]?.["messages"]).toEqual([
      { role: "user", content: "Help me" },
      { role: "assistant", content: "Here you go: unsafe-S11" },
    ]);
  });

  it("judges a long text in pieces, each within the context, and blocks on any", async () => {
    const moderator = createGuardModerator({ llm, model: "llama-guard3", timeoutMs: 2000, maxChars: 1000 });
    const text = `${"fine words ".repeat(300)}unsafe-S2`;
    expect(await moderator.check({ role: "user", text })).toMatchObject({ action: "block", category: "non-violent-crimes" });
    const sent = guardBodies().map((body) => (body["messages"] as { content: string }[])[0]!.content.length);
    expect(sent.length).toBeGreaterThan(3);
    expect(Math.max(...sent)).toBeLessThanOrEqual(1000);
  });

  it("reads Llama Guard's answer shape", () => {
    expect(parseGuardAnswer("safe")).toEqual({ safe: true });
    expect(parseGuardAnswer("\nunsafe\nS1,S10\n")).toEqual({ safe: false, codes: ["S1", "S10"] });
    expect(parseGuardAnswer("unsafe")).toEqual({ safe: false, codes: [] });
    expect(parseGuardAnswer("Sure! Here is a story")).toBeNull();
  });
});

describe("fail open or closed when the guard model gives no verdict", () => {
  const composite = (fail: "open" | "closed", timeoutMs = 2000) => {
    const failures: { kind: string; policy: string }[] = [];
    const moderator = createCompositeModerator({ stages: [guard(timeoutMs)], fail, onFailure: ({ kind, policy }) => failures.push({ kind, policy }) });
    return { moderator, failures };
  };

  it("a timeout lets the text through when failing open, and says so", async () => {
    fake.queueScript({ failure: { kind: "hang", afterTokens: 0 } });
    const { moderator, failures } = composite("open", 150);
    expect(await moderator.check({ role: "user", text: "hello" })).toEqual({
      action: "allow",
      outcome: "failed-open",
      source: "guard",
      failure: { kind: "timeout", policy: "open" },
    });
    expect(failures).toEqual([{ kind: "timeout", policy: "open" }]);
  });

  it("a timeout blocks when failing closed, with a message that says why", async () => {
    fake.queueScript({ failure: { kind: "hang", afterTokens: 0 } });
    const { moderator } = composite("closed", 150);
    expect(await moderator.check({ role: "user", text: "hello" })).toEqual({
      action: "block",
      outcome: "failed-closed",
      source: "guard",
      category: "moderation-unavailable",
      failure: { kind: "timeout", policy: "closed" },
      message: expect.stringContaining("safety check is not answering"),
    });
  });

  it("an Ollama error, a model that was never pulled, or an answer that is not Llama Guard's are errors", async () => {
    fake.queueScript({ failure: { kind: "http-error", status: 500, message: "runner crashed" } });
    expect(await composite("open").moderator.check({ role: "user", text: "hi" })).toMatchObject({ outcome: "failed-open", failure: { kind: "error" } });
    fake.queueScript({ text: "Of course! Here is a poem." });
    expect(await composite("closed").moderator.check({ role: "user", text: "hi" })).toMatchObject({ outcome: "failed-closed", failure: { kind: "error" } });
    const missing = createCompositeModerator({ stages: [createGuardModerator({ llm, model: "llama-guard3:1b", timeoutMs: 2000 })], fail: "closed" });
    expect(await missing.check({ role: "user", text: "hi" })).toMatchObject({ outcome: "failed-closed", failure: { kind: "error" } });
  });

  it("a caller that stops waiting gets an abort, not a verdict", async () => {
    fake.queueScript({ failure: { kind: "hang", afterTokens: 0 } });
    const controller = new AbortController();
    const checking = composite("closed").moderator.check({ role: "user", text: "hi", signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(checking).rejects.toBeInstanceOf(ModerationAbortedError);
  });
});

describe("rules first, then the guard model", () => {
  const rulesJson = JSON.stringify({ rules: [{ id: "bombs", category: "weapons", words: ["pipe bomb"] }] });

  it("a rule block never calls the model", async () => {
    const moderator = createCompositeModerator({ stages: [createRuleModerator(parseModerationRules(rulesJson)), guard()], fail: "closed" });
    expect(await moderator.check({ role: "user", text: "a pipe bomb, unsafe-S9" })).toMatchObject({ source: "rules", ruleId: "bombs" });
    expect(fake.counts.chat).toBe(0);
    expect(await moderator.check({ role: "user", text: "unsafe-S9" })).toMatchObject({ source: "guard", category: "indiscriminate-weapons" });
    expect(await moderator.check({ role: "user", text: "hello" })).toMatchObject({ action: "allow", source: "guard" });
    expect(fake.counts.chat).toBe(2);
  });

  it("createModerator builds off, rules only, guard only, or both, from the options the env fills", async () => {
    const off = createModerator({}, llm);
    expect(off.summary).toBe("off");
    expect(await off.check({ role: "user", text: "a pipe bomb unsafe-S1" })).toEqual({ action: "allow", outcome: "allowed", source: "off" });

    const both = createModerator({ rules: rulesJson, model: "llama-guard3", fail: "open", timeoutMs: 150 }, llm);
    expect(both.summary).toBe("1 rule, then llama-guard3 (fail open, 150 ms)");
    expect(await both.check({ role: "assistant", text: "pipe bomb" })).toMatchObject({ source: "rules" });
    fake.queueScript({ failure: { kind: "hang", afterTokens: 0 } });
    expect(await both.check({ role: "user", text: "hi" })).toMatchObject({ outcome: "failed-open" });

    const guardOnly = createModerator({ model: "llama-guard3" }, llm);
    expect(guardOnly.summary).toBe("llama-guard3 (fail closed, 10000 ms)");
    expect(await guardOnly.check({ role: "user", text: "unsafe-S7" })).toMatchObject({ category: "privacy" });
    expect(() => createModerator({ rules: '{"rules": []}' }, llm)).toThrow(/must hold at least one rule/);
  });
});
