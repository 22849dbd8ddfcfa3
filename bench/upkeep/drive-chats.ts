/**
 * Drives planned chats through the real server (HTTP, tRPC client, SQLite) against the
 * in-process fake Ollama, one turn at a time, and keeps what each reply cost: the model calls
 * the fake counted and, per reply, the planned budget against Ollama's own prompt count.
 */
import type { RecordedRequest } from "@recall/fake-ollama";
import type { RecallConfig } from "@recall/server";
import { collectStream, startHarness, type Harness, type RecallClient } from "@recall/server/testing";
import { fakeSummary, replyTable, type PlannedUser } from "./conversation-plan.ts";

const summaryInstructions = "You keep a running summary";

export interface ReplySample {
  /** Position of the reply in the whole run: calibration is per model, shared by every user. */
  order: number;
  seed: number;
  chat: number;
  turn: number;
  numCtx: number;
  /** num_ctx minus the answer reserve: what the assembled prompt may use. */
  budget: number;
  promptEvalCount: number;
  estimatedPromptTokens: number;
  truncated: boolean;
  assemblerOverBudget: boolean;
  trimmedParts: number;
  layerTokens: Record<string, number>;
}

export interface UpkeepCall {
  path: string;
  /** The first words of the call's system prompt, or the endpoint for embeddings. */
  kind: string;
  promptEvalCount: number | null;
  numCtx: number | null;
  truncated: boolean;
}

export interface ScenarioResult {
  turns: number;
  chats: number;
  users: number;
  replyCalls: number;
  summaryCalls: UpkeepCall[];
  /** Model calls that are neither replies nor running summaries (episodes, profile extraction, embeddings). */
  otherModelCalls: UpkeepCall[];
  /** /api/show, /api/tags and the like: no model runs for them. */
  metadataCalls: number;
  summaryFailures: number;
  samples: ReplySample[];
  seconds: number;
}

/** Something with background work to wait for (the running summary, episodes, whatever comes next). */
interface Settles {
  idle(): Promise<void>;
}

function backgroundWorkers(services: object): Settles[] {
  return Object.values(services).filter((service): service is Settles => typeof (service as Partial<Settles> | null)?.idle === "function");
}

function firstSystemText(record: RecordedRequest): string {
  const body = record.body as { messages?: Array<{ role?: string; content?: string }>; system?: string } | undefined;
  return body?.messages?.[0]?.content ?? body?.system ?? "";
}

type CallClass = "reply" | "summary" | "other-model" | "metadata";

function classify(record: RecordedRequest, systemPrompt: string): CallClass {
  if (record.path === "/api/embed" || record.path === "/api/embeddings") return "other-model";
  if (record.path !== "/api/chat" && record.path !== "/api/generate") return "metadata";
  const system = firstSystemText(record);
  if (system.startsWith(summaryInstructions)) return "summary";
  return system.startsWith(systemPrompt) ? "reply" : "other-model";
}

function describeCall(record: RecordedRequest): UpkeepCall {
  const system = firstSystemText(record);
  return {
    path: record.path,
    kind: system ? system.split(/\s+/).slice(0, 5).join(" ") : record.path,
    promptEvalCount: record.promptEvalCount ?? null,
    numCtx: record.numCtx ?? null,
    truncated: record.truncated === true,
  };
}

export async function runScenario(users: readonly PlannedUser[], options: { countTokens: (text: string) => number; config?: Partial<RecallConfig> }): Promise<ScenarioResult> {
  const replies = replyTable(users);
  const harness = await startHarness({
    fake: {
      countTokens: options.countTokens,
      tokensPerSecond: 0,
      reply(request) {
        const first = request.messages[0]?.content ?? "";
        if (first.startsWith(summaryInstructions)) return { text: fakeSummary(request.lastUserMessage) };
        const planned = replies.get(request.lastUserMessage);
        return planned === undefined ? undefined : { text: planned };
      },
    },
    ...(options.config ? { config: options.config } : {}),
  });
  const started = performance.now();
  try {
    const samples = await driveUsers(harness, users);
    const calls = harness.fake.requests.map((record) => ({ record, kind: classify(record, harness.config.systemPrompt) }));
    return {
      turns: samples.length,
      chats: users.reduce((total, user) => total + user.chats.length, 0),
      users: users.length,
      replyCalls: calls.filter((call) => call.kind === "reply").length,
      summaryCalls: calls.filter((call) => call.kind === "summary").map((call) => describeCall(call.record)),
      otherModelCalls: calls.filter((call) => call.kind === "other-model").map((call) => describeCall(call.record)),
      metadataCalls: calls.filter((call) => call.kind === "metadata").length,
      summaryFailures: harness.recall.services.summaries.stats.failures,
      samples,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await harness.close();
  }
}

interface UserState {
  plan: PlannedUser;
  client: RecallClient;
  chat: number;
  turn: number;
  sessionId: string | null;
}

/** Users take turns, one message at a time, so the order (and so the calibration) is repeatable. */
async function driveUsers(harness: Harness, users: readonly PlannedUser[]): Promise<ReplySample[]> {
  const workers = backgroundWorkers(harness.recall.services);
  const settle = async (): Promise<void> => {
    for (const worker of workers) await worker.idle();
  };
  const states: UserState[] = [];
  for (const plan of users) states.push({ plan, client: (await harness.newUser()).client, chat: 0, turn: 0, sessionId: null });
  const samples: ReplySample[] = [];
  const reserve = Math.min(harness.config.answerReserveTokens, Math.floor(harness.config.maxContextTokens / 2));

  for (let active = states; active.length > 0; active = active.filter((state) => state.chat < state.plan.chats.length)) {
    for (const state of active) {
      const turns = state.plan.chats[state.chat]!;
      const turn = turns[state.turn]!;
      if (state.sessionId === null) {
        state.sessionId = (await state.client.session.create.mutate({})).id;
        // Starting a chat may end the previous one (its episode): counted, and finished before we go on.
        await settle();
      }
      const recordsBefore = harness.fake.requests.length;
      const { assistantMessage } = await state.client.message.send.mutate({ sessionId: state.sessionId, content: turn.userText });
      const stream = await collectStream(state.client, assistantMessage.id, { timeoutMs: 30_000 });
      if (stream.final?.type !== "done") throw new Error(`reply ${samples.length + 1} ended with ${JSON.stringify(stream.final)}`);
      // A reply never waits for upkeep; the benchmark does, so every run counts the same calls.
      await settle();
      const context = await state.client.message.context.query({ messageId: assistantMessage.id });
      const metadata = context.metadata;
      const record = harness.fake.requests.slice(recordsBefore).find((candidate) => classify(candidate, harness.config.systemPrompt) === "reply");
      if (!metadata || context.promptEvalCount === null || !record) throw new Error(`reply ${samples.length + 1} has no context metadata or prompt count`);
      samples.push({
        order: samples.length,
        seed: state.plan.seed,
        chat: state.chat,
        turn: state.turn,
        numCtx: metadata.numCtx,
        budget: metadata.numCtx - reserve,
        promptEvalCount: context.promptEvalCount,
        estimatedPromptTokens: metadata.estimatedPromptTokens,
        truncated: record.truncated === true,
        assemblerOverBudget: metadata.overBudget,
        trimmedParts: metadata.trimmed.length,
        layerTokens: Object.fromEntries(metadata.layers.map((layer) => [layer.layer, layer.tokens])),
      });
      state.turn += 1;
      if (state.turn >= turns.length) {
        state.chat += 1;
        state.turn = 0;
        state.sessionId = null;
      }
    }
  }
  return samples;
}
