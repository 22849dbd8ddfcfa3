import { LlmAbortedError, LlmError } from "../errors.ts";
import {
  createOllamaClient,
  withoutCredentials,
  type CompleteChatResult,
  type LlmChunk,
  type LlmClient,
  type LlmLoadedModel,
  type LlmModel,
  type StreamChatRequest,
} from "../ollama-client.ts";
import { judgeFailure } from "./host-failure.ts";
import { PoolHost, type HostCall } from "./pool-host.ts";
import { rendezvousOrder } from "./rendezvous.ts";

export interface OllamaPoolOptions {
  /** Base URLs of the Ollama servers, e.g. `http://a:11434`. */
  hosts: readonly string[];
  /** Per stream: no chunk for this long fails the call (`MODEL_TIMEOUT`), as with one host. */
  idleTimeoutMs?: number;
  requestTimeoutMs?: number;
  /**
   * Slots per host (Ollama's `OLLAMA_NUM_PARALLEL`): calls this instance runs on a host at once
   * before it counts as full. Null: unknown, nothing is capped and a host with a call running
   * counts as busy when choosing.
   */
  numParallel?: number | null;
  /** How often a healthy host's `/api/ps` is read (it doubles as its health probe). Default 5 s. */
  healthIntervalMs?: number;
  /** How long a probe waits; a stream silent this long on a host that fails its probe is stopped. Default 2 s. */
  probeTimeoutMs?: number;
  /** Backoff between probes of a host that is out: doubles from `initialMs` up to `maxMs`. */
  backoff?: { initialMs: number; maxMs: number };
  /** Tests and the composition root may log transitions; never given prompt text. */
  onHostChange?: (change: { host: string; healthy: boolean; reason: string }) => void;
  now?: () => number;
}

export interface PoolHostState {
  url: string;
  healthy: boolean;
  running: number;
  loaded: LlmLoadedModel[];
}

/** An `LlmClient` over several Ollama hosts, plus what the fair queue needs to size itself. */
export interface OllamaPool extends LlmClient {
  readonly hosts: readonly string[];
  /** Replies the pool can run at once: healthy hosts × `numParallel` (all hosts when none is healthy); null when `numParallel` is unknown. */
  capacity(): number | null;
  /** Called whenever `capacity()` may have changed (a host taken out or put back). */
  onCapacityChange(listener: () => void): () => void;
  hostStates(): PoolHostState[];
  /**
   * The healthy hosts (all hosts when none is) for a call, best first by the pool's routing with
   * its own slot test left out: a caller that counts slots elsewhere (across instances) takes the
   * first with a free one, which is the pool's choice with that count in place of its own, then
   * names it in `StreamChatRequest.host`.
   */
  candidateHosts(call: { model: string; numCtx?: number | undefined; affinityKey?: string | undefined }): string[];
  /** One round of health checks now: probes the hosts that are out and due, refreshes stale `/api/ps`. */
  checkHosts(): Promise<void>;
  close(): void;
}

interface RouteRequest {
  model: string;
  numCtx: number | undefined;
  affinityKey: string | undefined;
}

/**
 * Routes each call to a host: healthy first; then one with a free slot; then one that holds the
 * model with the same `num_ctx` (no load, no reload); then the chat's own host by rendezvous
 * hashing on its id (its prefix cache is there, and every instance agrees without sharing
 * state); then the least busy. A call that fails before anything reached the caller moves to the
 * next host; one that fails mid-stream ends with its error (the caller keeps the partial text).
 */
export function createOllamaPool(options: OllamaPoolOptions): OllamaPool {
  if (options.hosts.length === 0) throw new Error("An Ollama pool needs at least one host.");
  const now = options.now ?? Date.now;
  const numParallel = options.numParallel ?? null;
  const healthIntervalMs = options.healthIntervalMs ?? 5_000;
  const probeTimeoutMs = options.probeTimeoutMs ?? 2_000;
  const backoff = options.backoff ?? { initialMs: 1_000, maxMs: 30_000 };
  const hosts = options.hosts.map((url) => {
    const host = url.replace(/\/+$/, "");
    const client = createOllamaClient({ host, ...(options.idleTimeoutMs ? { idleTimeoutMs: options.idleTimeoutMs } : {}), ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}) });
    return new PoolHost(host, client, now);
  });
  const urls = hosts.map((host) => host.url);
  const capacityListeners = new Set<() => void>();

  function markDown(host: PoolHost, reason: string): void {
    host.failures += 1;
    host.retryAt = now() + Math.min(backoff.maxMs, backoff.initialMs * 2 ** (host.failures - 1));
    if (!host.healthy) return;
    host.healthy = false;
    options.onHostChange?.({ host: host.url, healthy: false, reason });
    for (const listener of capacityListeners) listener();
  }

  function markUp(host: PoolHost): void {
    host.failures = 0;
    if (host.healthy) return;
    host.healthy = true;
    options.onHostChange?.({ host: host.url, healthy: true, reason: "answered a probe" });
    for (const listener of capacityListeners) listener();
  }

  /** Every host once, best first; hosts that are out come last (soonest retry first), tried only when the others failed. */
  function route(request: RouteRequest): PoolHost[] {
    const slots = numParallel ?? 1;
    const ranked = rank(request, (host) => host.running(request.model) < slots);
    const out = hosts.filter((host) => !host.healthy).sort((left, right) => left.retryAt - right.retryAt);
    return [...ranked, ...out];
  }

  /** Healthy hosts best first: a free slot (by `hasFreeSlot`), the model loaded alike, the chat's own host, the least busy. */
  function rank(request: RouteRequest, hasFreeSlot: (host: PoolHost) => boolean): PoolHost[] {
    const affinity = request.affinityKey ? rendezvousOrder(request.affinityKey, urls) : urls;
    return hosts
      .filter((host) => host.healthy)
      .map((host) => ({
        host,
        key: [
          hasFreeSlot(host) ? 0 : 1,
          host.holds(request.model, request.numCtx) ? 0 : 1,
          affinity.indexOf(host.url),
          host.runningCount,
        ],
      }))
      .sort((left, right) => compareKeys(left.key, right.key))
      .map((entry) => entry.host);
  }

  /** The route, with the host the caller holds a slot on first (unless it went out meanwhile). */
  function routeFrom(request: RouteRequest, pinned: string | undefined): PoolHost[] {
    const order = route(request);
    const first = pinned === undefined ? undefined : order.find((host) => host.url === pinned && host.healthy);
    return first ? [first, ...order.filter((host) => host !== first)] : order;
  }

  /** Runs a call that returns one answer on the best host, moving on while the failure says another may do. */
  async function onSomeHost<T>(request: RouteRequest, run: (client: LlmClient, call: HostCall) => Promise<T>): Promise<T> {
    let lastError: unknown = null;
    for (const host of route(request)) {
      const call = host.begin(request.model);
      try {
        const result = await run(host.client, call);
        markUp(host);
        return result;
      } catch (error) {
        const verdict = judgeFailure(error);
        if (verdict.hostDown) markDown(host, describe(error));
        if (!verdict.tryAnotherHost) throw error;
        lastError = error;
      } finally {
        call.release();
      }
    }
    throw lastError;
  }

  async function* streamChat(request: StreamChatRequest): AsyncGenerator<LlmChunk> {
    let lastError: unknown = null;
    for (const host of routeFrom({ model: request.model, numCtx: request.numCtx, affinityKey: request.affinityKey }, request.host)) {
      const call = host.begin(request.model);
      let received = false;
      try {
        const signal = AbortSignal.any([request.signal, call.signal]);
        for await (const chunk of host.client.streamChat({ ...request, signal })) {
          received = true;
          call.touch();
          yield chunk;
        }
        markUp(host);
        host.noteLoaded(request.model, request.numCtx);
        return;
      } catch (caught) {
        const error =
          caught instanceof LlmAbortedError && call.signal.aborted && !request.signal.aborted
            ? new LlmError("STREAM_BROKEN", `Ollama at ${withoutCredentials(host.url)} stopped answering, so Recall stopped waiting. The partial reply was kept; try again.`, { cause: caught })
            : caught;
        const verdict = judgeFailure(error);
        if (verdict.hostDown) markDown(host, describe(error));
        if (received || !verdict.tryAnotherHost) throw error;
        lastError = error;
      } finally {
        call.release();
      }
    }
    throw lastError;
  }

  async function refreshLoaded(host: PoolHost, signal?: AbortSignal): Promise<void> {
    const timeout = AbortSignal.timeout(probeTimeoutMs);
    try {
      host.setLoaded(await host.client.loadedModels(signal ? AbortSignal.any([signal, timeout]) : timeout));
      markUp(host);
    } catch (error) {
      if (signal?.aborted) return;
      markDown(host, describe(error));
      // A stream that has heard nothing while its host fails probes would otherwise wait the whole idle timeout.
      host.abortSilentCalls(probeTimeoutMs);
    }
  }

  async function probe(host: PoolHost): Promise<void> {
    try {
      const response = await fetch(`${host.url}/api/version`, { signal: AbortSignal.timeout(probeTimeoutMs) });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`Ollama answered ${response.status}`);
    } catch (error) {
      markDown(host, describe(error));
      return;
    }
    markUp(host);
    await refreshLoaded(host);
  }

  let checking: Promise<void> | null = null;
  function checkHosts(): Promise<void> {
    checking ??= (async () => {
      const at = now();
      await Promise.all(
        hosts.map((host) => {
          if (!host.healthy) return at >= host.retryAt ? probe(host) : undefined;
          return host.loadedAt === null || at - host.loadedAt >= healthIntervalMs ? refreshLoaded(host) : undefined;
        }),
      );
    })().finally(() => {
      checking = null;
    });
    return checking;
  }

  const ticker = setInterval(() => void checkHosts(), Math.min(1_000, healthIntervalMs));
  ticker.unref();
  void checkHosts();

  const healthyOrAll = (): PoolHost[] => {
    const healthy = hosts.filter((host) => host.healthy);
    return healthy.length > 0 ? healthy : hosts;
  };

  return {
    host: urls.join(","),
    hosts: urls,
    streamChat,
    completeChat(request): Promise<CompleteChatResult> {
      return onSomeHost({ model: request.model, numCtx: request.numCtx, affinityKey: undefined }, async (client, call) => {
        const result = await client.completeChat({ ...request, signal: request.signal ? AbortSignal.any([request.signal, call.signal]) : call.signal });
        return result;
      });
    },
    embed(model, inputs, signal) {
      return onSomeHost({ model, numCtx: undefined, affinityKey: undefined }, (client, call) => client.embed(model, inputs, signal ? AbortSignal.any([signal, call.signal]) : call.signal));
    },
    showModel(model) {
      return onSomeHost({ model, numCtx: undefined, affinityKey: undefined }, (client) => client.showModel(model));
    },
    async listModels(): Promise<LlmModel[]> {
      // Hosts need not hold the same models: the picker offers every model some healthy host has.
      const asked = healthyOrAll();
      const answers = await Promise.allSettled(asked.map((host) => host.client.listModels()));
      const byName = new Map<string, LlmModel>();
      answers.forEach((answer, index) => {
        const host = asked[index]!;
        if (answer.status === "fulfilled") {
          markUp(host);
          for (const model of answer.value) if (!byName.has(model.name)) byName.set(model.name, model);
        } else if (judgeFailure(answer.reason).hostDown) {
          markDown(host, describe(answer.reason));
        }
      });
      const failed = answers.find((answer) => answer.status === "rejected");
      if (byName.size === 0 && failed) throw failed.reason;
      return [...byName.values()];
    },
    async loadedModels(signal): Promise<LlmLoadedModel[]> {
      const at = now();
      await Promise.all(hosts.filter((host) => host.healthy && (host.loadedAt === null || at - host.loadedAt >= healthIntervalMs)).map((host) => refreshLoaded(host, signal)));
      return hosts.filter((host) => host.healthy).flatMap((host) => host.loadedModels());
    },
    capacity() {
      return numParallel === null ? null : healthyOrAll().length * numParallel;
    },
    onCapacityChange(listener) {
      capacityListeners.add(listener);
      return () => capacityListeners.delete(listener);
    },
    candidateHosts(call) {
      const ranked = rank({ model: call.model, numCtx: call.numCtx, affinityKey: call.affinityKey }, () => true);
      return (ranked.length > 0 ? ranked : hosts).map((host) => host.url);
    },
    hostStates() {
      return hosts.map((host) => ({ url: host.url, healthy: host.healthy, running: host.runningCount, loaded: host.loadedModels() }));
    },
    checkHosts,
    close() {
      clearInterval(ticker);
      capacityListeners.clear();
    },
  };
}

function compareKeys(left: number[], right: number[]): number {
  for (let index = 0; index < left.length; index += 1) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** A failure's kind for logs: the code or message of Recall's own errors, never a request's text. */
function describe(error: unknown): string {
  if (error instanceof LlmError) return error.code;
  return error instanceof Error ? error.message : String(error);
}
