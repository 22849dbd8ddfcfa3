/**
 * Many users building context at once through the real server in its own process: each
 * user has one chat with a few finished exchanges, then every user calls
 * `memory.buildContext` at the same moment, round after round.
 */
import { anonymousToken, recallClient, type RecallClient } from "../shared.ts";
import { cpuSeconds, watchResidentMemory } from "../processes.ts";

export type Client = RecallClient;
export { recallClient };

export interface BenchUser {
  token: string;
  sessionId: string;
  city: string;
}

export interface LoadResult {
  users: number;
  rounds: number;
  contexts: number;
  seconds: number;
  /** Milliseconds per buildContext call, as the client saw it. */
  latencies: number[];
  errors: string[];
  cachedContexts: number;
  meanEstimatedTokens: number;
  serverCpuSeconds: number;
  idleRssBytes: number;
  peakRssBytes: number;
  /** From the server's own cache counters (memory.stats) over the row. */
  cacheErrors: number;
  cacheDegraded: boolean;
}

const names = ["Ines", "Tomas", "Aiko", "Samuel", "Priya", "Lena", "Omar", "Chloe", "Mateo", "Yara"];
const roles = ["nurse", "teacher", "backend engineer", "architect", "translator", "pharmacist", "carpenter", "data analyst"];
const cities = ["Lisbon", "Kyoto", "Montreal", "Oaxaca", "Tallinn", "Cape Town", "Hanoi", "Bergen", "Valparaiso"];
const months = ["March", "May", "June", "September", "October"];

function pick<T>(list: readonly T[], index: number): T {
  return list[index % list.length]!;
}

/** What user `index` says: a name and a job (the profile patterns pick them up), then a trip. */
function exchangesFor(index: number, count: number): { city: string; messages: string[] } {
  const city = pick(cities, index * 7 + 3);
  const messages = [
    `Hi, my name is ${pick(names, index)} and I work as a ${pick(roles, index * 3 + 1)}.`,
    `I'm planning a trip to ${city} in ${pick(months, index)} with my partner; what should we pack for the weather?`,
    `We'd like one day outside ${city} too. Is a day trip by train realistic, or should we rent a car?`,
    `Can you suggest a budget for food, about three meals a day, for a week in ${city}?`,
    `Last question: which neighbourhood should we stay in if we want quiet evenings?`,
  ];
  return { city, messages: messages.slice(0, count) };
}


function waitForReply(client: Client, messageId: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const subscription = client.message.stream.subscribe(
      { messageId },
      {
        onData({ data: event }) {
          if (event.type === "queued" || event.type === "delta" || (event.type === "snapshot" && event.status === "streaming")) return;
          subscription.unsubscribe();
          if (event.type === "done" || (event.type === "snapshot" && event.status === "complete")) resolve();
          else reject(new Error(`reply ${messageId} ended with ${JSON.stringify(event)}`));
        },
        onError: reject,
      },
    );
  });
}

/** Runs `task` for 0..count-1 with at most `concurrency` running at once. */
async function inPool<T>(count: number, concurrency: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next;
        next += 1;
        results[index] = await task(index);
      }
    }),
  );
  return results;
}

/** Users with one chat each, holding `exchanges` finished exchanges sent through `message.send`. */
export async function createUsers(url: string, count: number, exchanges: number, concurrency: number): Promise<BenchUser[]> {
  return inPool(count, concurrency, async (index) => {
    const token = await anonymousToken(url);
    const client = recallClient(url, token);
    const { id: sessionId } = await client.session.create.mutate({});
    const { city, messages } = exchangesFor(index, exchanges);
    for (const content of messages) {
      const { assistantMessage } = await client.message.send.mutate({ sessionId, content });
      await waitForReply(client, assistantMessage.id);
    }
    return { token, sessionId, city };
  });
}

export function questionFor(user: BenchUser): string {
  return `What did I tell you about my trip to ${user.city}, and what was my job again?`;
}

type CacheCounters = Awaited<ReturnType<Client["memory"]["stats"]["query"]>>["cache"];

/**
 * `rounds` rounds in which every one of `users` calls memory.buildContext at the same
 * moment; the next round starts when the last call of this one has returned.
 */
export async function runLoad(pid: number, observer: Client, clients: readonly Client[], users: readonly BenchUser[], rounds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const errors: string[] = [];
  let cachedContexts = 0;
  let estimatedTokens = 0;
  const cacheBefore: CacheCounters = (await observer.memory.stats.query()).cache;
  const memory = watchResidentMemory(pid);
  const cpuBefore = cpuSeconds(pid);
  const started = performance.now();
  for (let round = 0; round < rounds; round += 1) {
    await Promise.all(
      users.map(async (user, index) => {
        const callStarted = performance.now();
        try {
          const { metadata } = await clients[index]!.memory.buildContext.query({ sessionId: user.sessionId, message: questionFor(user) });
          latencies.push(performance.now() - callStarted);
          if (metadata.cached) cachedContexts += 1;
          estimatedTokens += metadata.estimatedTokens;
        } catch (error) {
          errors.push(`round ${round + 1}, user ${index}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }),
    );
  }
  const seconds = (performance.now() - started) / 1000;
  const serverCpuSeconds = cpuSeconds(pid) - cpuBefore;
  const { idleRssBytes, peakRssBytes } = memory.stop();
  const cacheAfter: CacheCounters = (await observer.memory.stats.query()).cache;
  return {
    users: users.length,
    rounds,
    contexts: latencies.length,
    seconds,
    latencies,
    errors,
    cachedContexts,
    meanEstimatedTokens: latencies.length > 0 ? estimatedTokens / latencies.length : Number.NaN,
    serverCpuSeconds,
    idleRssBytes,
    peakRssBytes,
    cacheErrors: cacheAfter.errors - cacheBefore.errors,
    cacheDegraded: cacheAfter.degraded,
  };
}

/** Until the server's cache has served a real hit: a fresh RedisCache answers from memory until connected. */
export async function warmUp(observer: Client, user: BenchUser): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    await observer.memory.buildContext.query({ sessionId: user.sessionId, message: questionFor(user) });
    const { cache } = await observer.memory.stats.query();
    if (!cache.degraded && cache.hits > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the server's cache served no hit within 15 s of warm-up");
}
