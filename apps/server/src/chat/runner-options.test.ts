import type { RecordedRequest } from "@recall/fake-ollama";
import { episodeInstructions, summaryInstructions } from "@recall/memory";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectStream, startHarness, type Harness } from "../testing/harness.ts";

/** The options that start an Ollama runner: a request whose values differ from the loaded ones reloads the model. */
const runnerOptionNames = ["num_ctx", "num_batch", "num_gpu", "main_gpu", "use_mmap", "num_thread"] as const;

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({
    fake: {
      reply: (request) => {
        if (request.messages[0]?.content === episodeInstructions) {
          return { text: JSON.stringify({ summary: "The user asked about trams in Lisbon.", facts: ["Likes trams"], profile: [] }) };
        }
        return request.messages[0]?.content === summaryInstructions ? { text: "The user is planning a trip to Lisbon." } : undefined;
      },
    },
    config: { bufferMessages: 4, summaryEveryMessages: 6, summaryFirstAfterMessages: 6, episodeMinimumMessages: 2, summaryDueShare: 0 },
  });
});
afterAll(async () => {
  await harness?.close();
});

interface ChatBody {
  messages: Array<{ role: string; content: string }>;
  options?: Record<string, unknown>;
}

function kindOf(request: RecordedRequest): "summary" | "episode" | "reply" {
  const first = (request.body as ChatBody).messages[0]?.content;
  return first === summaryInstructions ? "summary" : first === episodeInstructions ? "episode" : "reply";
}

function runnerOptionsOf(request: RecordedRequest): string {
  const options = (request.body as ChatBody).options ?? {};
  return JSON.stringify(runnerOptionNames.map((name) => [name, options[name] ?? null]));
}

describe("runner options", () => {
  it("are the same for every call to one model: replies, the running summary and episodes", async () => {
    const { client } = await harness.newUser();
    const first = await client.session.create.mutate({});
    for (let index = 1; index <= 5; index += 1) {
      // Long pastes: the summary and the episode must be fitted to the replies' num_ctx.
      const paste = index % 2 === 0 ? ` Here is the timetable: ${"tram 28 leaves Martim Moniz at ten past, ".repeat(120)}` : "";
      const { assistantMessage } = await client.message.send.mutate({ sessionId: first.id, content: `Question number ${index} about the trams in Lisbon.${paste}` });
      await collectStream(client, assistantMessage.id);
      await harness.recall.services.summaries.idle();
    }
    // A new chat ends the first one: its episode is written.
    const second = await client.session.create.mutate({});
    await harness.recall.services.episodes.idle();
    const { assistantMessage } = await client.message.send.mutate({ sessionId: second.id, content: "And what about the ferries?" });
    await collectStream(client, assistantMessage.id);

    const calls = harness.fake.requests.filter((request) => request.path === "/api/chat");
    const kinds = calls.map(kindOf);
    expect(kinds.filter((kind) => kind === "reply")).toHaveLength(6);
    expect(kinds).toContain("summary");
    expect(kinds).toContain("episode");
    expect(new Set(calls.map((request) => request.model))).toEqual(new Set(["llama3.2:latest"]));

    const byOptions = new Map<string, string[]>();
    calls.forEach((request, index) => byOptions.set(runnerOptionsOf(request), [...(byOptions.get(runnerOptionsOf(request)) ?? []), `${kinds[index]} #${index}`]));
    // Two different sets would make Ollama reload the model (seconds, and its prompt cache lost) between them.
    // On failure this lists each set of options with the calls that sent it.
    expect([...byOptions.entries()]).toHaveLength(1);
    const [numCtx] = JSON.parse([...byOptions.keys()][0]!) as Array<[string, unknown]>;
    expect(numCtx).toEqual(["num_ctx", harness.config.maxContextTokens]);

    // The upkeep prompts fit that context with room for their answer: Ollama truncated nothing.
    for (const request of calls.filter((call) => kindOf(call) !== "reply")) {
      const numPredict = Number((request.body as ChatBody).options?.["num_predict"]);
      expect(request.truncated).toBe(false);
      expect(request.promptEvalCount! + numPredict).toBeLessThanOrEqual(harness.config.maxContextTokens);
    }
  });
});
