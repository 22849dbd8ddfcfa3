import { canonicalModelName } from "../model-name.ts";
import type { LlmClient, LlmLoadedModel } from "../ollama-client.ts";

/** One call running on a host: stoppable by the pool when the host stops answering. */
export interface HostCall {
  readonly signal: AbortSignal;
  /** Called on every chunk: a call that keeps receiving is alive whatever a probe says. */
  touch(): void;
  release(): void;
}

interface RunningCall {
  controller: AbortController;
  lastChunkAt: number;
}

/** What the pool knows of one Ollama: health, the models it holds and the calls this instance runs on it. */
export class PoolHost {
  healthy = true;
  /** Failures since it last answered; the backoff before the next probe doubles with each. */
  failures = 0;
  /** When a host that is out is probed next (ms, the pool's clock). */
  retryAt = 0;
  /** When `/api/ps` last answered (ms), null before the first answer. */
  loadedAt: number | null = null;
  private loaded = new Map<string, LlmLoadedModel>();
  private readonly runningByModel = new Map<string, number>();
  private readonly calls = new Set<RunningCall>();

  constructor(
    readonly url: string,
    readonly client: LlmClient,
    private readonly now: () => number,
  ) {}

  get runningCount(): number {
    return this.calls.size;
  }

  running(model: string): number {
    return this.runningByModel.get(canonicalModelName(model)) ?? 0;
  }

  /** Whether Ollama holds `model` with these runner options, so the call neither loads nor reloads it. */
  holds(model: string, numCtx: number | undefined): boolean {
    const entry = this.loaded.get(canonicalModelName(model));
    if (!entry) return false;
    return numCtx === undefined || entry.contextLength === null || entry.contextLength === numCtx;
  }

  loadedModels(): LlmLoadedModel[] {
    return [...this.loaded.values()].map((entry) => ({ ...entry, host: this.url }));
  }

  setLoaded(models: LlmLoadedModel[]): void {
    this.loaded = new Map(models.map((entry) => [canonicalModelName(entry.name), entry]));
    this.loadedAt = this.now();
  }

  /** After a call succeeded: Ollama now holds the model with the options it sent (until the next `/api/ps`). */
  noteLoaded(model: string, numCtx: number | undefined): void {
    const name = canonicalModelName(model);
    const previous = this.loaded.get(name);
    this.loaded.set(name, { name: previous?.name ?? name, contextLength: numCtx ?? previous?.contextLength ?? null, expiresAt: previous?.expiresAt ?? null });
  }

  begin(model: string): HostCall {
    const name = canonicalModelName(model);
    const call: RunningCall = { controller: new AbortController(), lastChunkAt: this.now() };
    this.calls.add(call);
    this.runningByModel.set(name, (this.runningByModel.get(name) ?? 0) + 1);
    let released = false;
    return {
      signal: call.controller.signal,
      touch: () => {
        call.lastChunkAt = this.now();
      },
      release: () => {
        if (released) return;
        released = true;
        this.calls.delete(call);
        const count = (this.runningByModel.get(name) ?? 1) - 1;
        if (count > 0) this.runningByModel.set(name, count);
        else this.runningByModel.delete(name);
      },
    };
  }

  /** Stops the calls that received nothing for `silentForMs`: the host stopped answering under them. */
  abortSilentCalls(silentForMs: number): number {
    const now = this.now();
    let aborted = 0;
    for (const call of this.calls) {
      if (now - call.lastChunkAt < silentForMs) continue;
      call.controller.abort();
      aborted += 1;
    }
    return aborted;
  }
}
