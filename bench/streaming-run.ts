/**
 * What the streaming benchmarks share: N concurrent streams paced like a model, a reply sent
 * and read through the real client, and what each stream saw (time to first token, per-token
 * receipts). The fake replies with numbered tokens (" t0", " t1", …) so a coalesced frame can
 * be split back into tokens.
 */
import { Ollama } from "ollama";
import type { RecallClient } from "./shared.ts";
import { epochNow } from "./processes.ts";

export interface StreamResult {
  key: string;
  startedAt: number;
  receipts: number[];
  text: string;
  ok: boolean;
  error?: string;
}

export interface LevelResult {
  ttft: number[];
  tokenLatency: number[];
  streams: number;
  complete: number;
  errors: string[];
  tokens: number;
  cpuSecondsUsed?: number;
  peakRssBytes?: number;
  idleRssBytes?: number;
}

export interface StreamingPace {
  tokensPerStream: number;
  tokensPerSecond: number;
  /** Replies per stream at a level. */
  roundsFor: (level: number) => number;
}

const streamTimeoutMs = 120_000;
export const tokenPattern = / t\d+/g;

export function withTimeout<T>(promise: Promise<T>, label: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${label} timed out`)), streamTimeoutMs).unref())]);
}

export function streamingRun(pace: StreamingPace) {
  /** How long one reply takes at the model's pace; slots start spread over it. */
  const streamDurationMs = (pace.tokensPerStream / pace.tokensPerSecond) * 1000;
  const expectedText = Array.from({ length: pace.tokensPerStream }, (_, index) => ` t${index}`).join("");

  function summarize(results: StreamResult[], emitted: Record<string, number[]>): LevelResult {
    const summary: LevelResult = { ttft: [], tokenLatency: [], streams: results.length, complete: 0, errors: [], tokens: 0 };
    for (const result of results) {
      if (!result.ok || result.text !== expectedText) {
        summary.errors.push(result.error ?? `stream ${result.key}: got ${result.text.length} of ${expectedText.length} characters`);
        continue;
      }
      summary.complete += 1;
      summary.tokens += result.receipts.length;
      const first = result.receipts[0];
      if (first !== undefined) summary.ttft.push(first - result.startedAt);
      const times = emitted[result.key] ?? [];
      result.receipts.forEach((receivedAt, index) => {
        const emittedAt = times[index];
        if (emittedAt !== undefined) summary.tokenLatency.push(receivedAt - emittedAt);
      });
    }
    return summary;
  }

  /**
   * N concurrent streams, steadily: slot i starts at i/N of a reply's duration and then
   * runs `rounds` replies back to back, so about N are live at any moment after the
   * ramp (a burst of N simultaneous sends would measure the burst instead).
   */
  async function runSlots(level: number, runOne: (slot: number, round: number) => Promise<StreamResult>): Promise<StreamResult[]> {
    const results: StreamResult[] = [];
    await Promise.all(
      Array.from({ length: level }, async (_, slot) => {
        await new Promise((resolve) => setTimeout(resolve, (slot / level) * streamDurationMs));
        for (let round = 0; round < pace.roundsFor(level); round += 1) results.push(await runOne(slot, round));
      }),
    );
    return results;
  }

  /** Sends `key` as a message and reads its reply's stream to the end. */
  function streamOnce(client: RecallClient, sessionId: string, key: string): Promise<StreamResult> {
    const result: StreamResult = { key, startedAt: epochNow(), receipts: [], text: "", ok: false };
    return withTimeout(
      (async () => {
        const { assistantMessage } = await client.message.send.mutate({ sessionId, content: key });
        await new Promise<void>((resolve, reject) => {
          const subscription = client.message.stream.subscribe(
            { messageId: assistantMessage.id },
            {
              onData({ data: event }) {
                // A reply waiting for a model slot says so (and its place) before its text.
                if (event.type === "queued") return;
                if (event.type === "delta") {
                  const now = epochNow();
                  for (const _token of event.text.matchAll(tokenPattern)) result.receipts.push(now);
                  result.text += event.text;
                  return;
                }
                subscription.unsubscribe();
                if (event.type === "done") resolve();
                else reject(new Error(`${key}: ended with ${event.type}${event.type === "error" ? ` ${event.code}: ${event.message}` : ""}`));
              },
              onError: reject,
            },
          );
        });
        result.ok = true;
        return result;
      })(),
      key,
    ).catch((error: unknown) => ({ ...result, error: `${key}: ${error instanceof Error ? error.message : String(error)}` }));
  }

  return { summarize, runSlots, streamOnce };
}

/** N streams straight to the fake, as the baseline every "added" figure is measured against. */
export async function runDirect({ summarize, runSlots }: ReturnType<typeof streamingRun>, fakeUrl: string, level: number, collect: () => Promise<Record<string, number[]>>): Promise<LevelResult> {
  // Warm-up, as on the Recall side: connections open, code paths compiled.
  for await (const _part of await new Ollama({ host: fakeUrl }).chat({ model: "llama3.2", messages: [{ role: "user", content: "warm-up" }], stream: true })) {
    // Drain.
  }
  await collect();
  const results = await runSlots(level, async (slot, round): Promise<StreamResult> => {
      const key = `direct ${level} ${slot} ${round}`;
      const result: StreamResult = { key, startedAt: epochNow(), receipts: [], text: "", ok: false };
      try {
        // One client per stream: Ollama#abort() would stop every stream of a shared one.
        const stream = await new Ollama({ host: fakeUrl }).chat({ model: "llama3.2", messages: [{ role: "user", content: key }], stream: true });
        await withTimeout(
          (async () => {
            for await (const part of stream) {
              const text = part.message.content;
              if (text) {
                const now = epochNow();
                for (const _token of text.matchAll(tokenPattern)) result.receipts.push(now);
                result.text += text;
              }
            }
          })(),
          key,
        );
        result.ok = true;
      } catch (error) {
        result.error = `${key}: ${error instanceof Error ? error.message : String(error)}`;
      }
      return result;
    });
  return summarize(results, await collect());
}
