import type { PromptEvalCountMode } from "@recall/fake-ollama";
import { describe, expect, it } from "vitest";
import { collectStream, startHarness } from "../testing/harness.ts";

/** A chat of `turns` exchanges against the fake in its cost mode (one slot, as Ollama's default). */
async function chat(turns: number, mode: PromptEvalCountMode = "whole") {
  const harness = await startHarness({ fake: { replyTokens: 40, cost: { numParallel: 1, timeScale: 0, promptEvalCountMode: mode } } });
  try {
    const user = await harness.newUser();
    const session = await user.client.session.create.mutate({});
    const results = [];
    for (let index = 0; index < turns; index += 1) {
      harness.fake.requests.length = 0;
      const { assistantMessage } = await user.client.message.send.mutate({ sessionId: session.id, content: `Question ${index}: how should I water the tomatoes in week ${index}?` });
      await collectStream(user.client, assistantMessage.id);
      const reply = harness.fake.requests.find((request) => request.path === "/api/chat");
      const context = await user.client.message.context.query({ messageId: assistantMessage.id });
      results.push({ cost: reply!.cost!, metadata: context.metadata! });
    }
    return { results, reloads: harness.fake.costs.reloads };
  } finally {
    await harness.close();
  }
}

describe("the prompt cache of a local model", () => {
  it("serves every turn after the first from the model's cache, but the new message", async () => {
    const { results, reloads } = await chat(8);
    for (const { cost, metadata } of results.slice(1)) {
      expect(metadata.promptCache?.decision).toBe("continued");
      // Only this turn's message (and its template) is read again.
      expect(cost.prefilledTokens).toBeLessThan(40);
    }
    const last = results.at(-1)!.cost;
    expect(last.cachedTokens / last.promptTokens).toBeGreaterThan(0.9);
    expect(reloads).toBe(0);
  });

  it.each(["prefilled", "omit-when-cached"] as const)("learns nothing wrong from Ollama releases that count only what they prefilled (%s)", async (mode) => {
    const { results } = await chat(8, mode);
    const last = results.at(-1)!;
    // The estimate still matches the whole prompt, though Ollama reported a fraction of it or nothing.
    expect(Math.abs(last.metadata.estimatedPromptTokens - last.cost.promptTokens) / last.cost.promptTokens).toBeLessThan(0.15);
    expect(last.cost.reportedPromptEvalCount ?? 0).toBeLessThan(last.cost.promptTokens / 2);
  });
});
