import type { LlmClient, LlmLoadedModel } from "@recall/ollama";
import { LlmError } from "@recall/ollama";
import { describe, expect, it, vi } from "vitest";
import { canonicalModelName, ModelCatalog } from "./model-catalog.ts";

function stubOllama(options: { contextLength?: number | null; loaded?: (signal?: AbortSignal) => Promise<LlmLoadedModel[]> } = {}) {
  const loadedModels = vi.fn(options.loaded ?? (async () => []));
  const llm = {
    showModel: vi.fn(async () => ({ contextLength: options.contextLength === undefined ? 131072 : options.contextLength, family: "llama", capabilities: ["completion"] })),
    loadedModels,
  } as unknown as LlmClient;
  return { llm, loadedModels };
}

function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return { clock: { now: () => new Date(now) }, advance: (ms: number) => (now += ms) };
}

const loaded = (name: string, contextLength: number | null): LlmLoadedModel => ({ name, contextLength, expiresAt: null });

describe("ModelCatalog.runnerOptions", () => {
  it("plans num_ctx as a reply does: the model's context capped by maxContextTokens", async () => {
    expect(await new ModelCatalog(stubOllama().llm, { maxContextTokens: 2000 }).runnerOptions("llama3.2")).toEqual({ numCtx: 2000 });
    expect(await new ModelCatalog(stubOllama({ contextLength: 1024 }).llm, { maxContextTokens: 2000 }).runnerOptions("llama3.2")).toEqual({ numCtx: 1024 });
    expect(await new ModelCatalog(stubOllama({ contextLength: null }).llm, { maxContextTokens: 4096 }).runnerOptions("llama3.2")).toEqual({ numCtx: 4096 });
  });

  it("keeps the context a loaded model already has when it is at least the planned one", async () => {
    const bigger = stubOllama({ loaded: async () => [loaded("llama3.2:latest", 8192), loaded("qwen3:latest", 32768)] });
    expect(await new ModelCatalog(bigger.llm, { maxContextTokens: 2000 }).runnerOptions("llama3.2")).toEqual({ numCtx: 8192 });
    const smaller = stubOllama({ loaded: async () => [loaded("llama3.2:latest", 1024)] });
    expect(await new ModelCatalog(smaller.llm, { maxContextTokens: 2000 }).runnerOptions("llama3.2")).toEqual({ numCtx: 2000 });
    const unknown = stubOllama({ loaded: async () => [loaded("llama3.2:latest", null)] });
    expect(await new ModelCatalog(unknown.llm, { maxContextTokens: 2000 }).runnerOptions("llama3.2")).toEqual({ numCtx: 2000 });
    const other = stubOllama({ loaded: async () => [loaded("qwen3:latest", 32768)] });
    expect(await new ModelCatalog(other.llm, { maxContextTokens: 2000 }).runnerOptions("llama3.2")).toEqual({ numCtx: 2000 });
  });

  it("with several hosts, keeps the context most of them hold (the pool routes to those), the smaller on a tie", async () => {
    const onHost = (host: string, contextLength: number | null): LlmLoadedModel => ({ ...loaded("llama3.2:latest", contextLength), host });
    const most = stubOllama({ loaded: async () => [onHost("a", 8192), onHost("b", 4096), onHost("c", 4096), onHost("d", 1024)] });
    expect(await new ModelCatalog(most.llm, { maxContextTokens: 2000 }).runnerOptions("llama3.2")).toEqual({ numCtx: 4096 });
    const tie = stubOllama({ loaded: async () => [onHost("a", 8192), onHost("b", 4096)] });
    expect(await new ModelCatalog(tie.llm, { maxContextTokens: 2000 }).runnerOptions("llama3.2")).toEqual({ numCtx: 4096 });
  });

  it("asks /api/ps at most once every few seconds", async () => {
    const { llm, loadedModels } = stubOllama({ loaded: async () => [loaded("llama3.2:latest", 8192)] });
    const { clock, advance } = manualClock();
    const catalog = new ModelCatalog(llm, { maxContextTokens: 2000, clock, loadedModelsTtlMs: 5_000 });
    await Promise.all([catalog.runnerOptions("llama3.2"), catalog.runnerOptions("llama3.2")]);
    advance(4_999);
    await catalog.runnerOptions("llama3.2");
    expect(loadedModels).toHaveBeenCalledTimes(1);
    advance(1);
    await catalog.runnerOptions("llama3.2");
    expect(loadedModels).toHaveBeenCalledTimes(2);
  });

  it("plans without /api/ps when it fails or is slow, and never fails the call", async () => {
    const failing = stubOllama({
      loaded: async () => {
        throw new LlmError("OLLAMA_UNREACHABLE", "down");
      },
    });
    expect(await new ModelCatalog(failing.llm, { maxContextTokens: 2000 }).runnerOptions("llama3.2")).toEqual({ numCtx: 2000 });
    const hanging = stubOllama({ loaded: (signal) => new Promise((_, reject) => signal?.addEventListener("abort", () => reject(new Error("aborted")))) });
    const started = performance.now();
    expect(await new ModelCatalog(hanging.llm, { maxContextTokens: 2000, loadedModelsTimeoutMs: 30 }).runnerOptions("llama3.2")).toEqual({ numCtx: 2000 });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("knows that llama3.2 and llama3.2:latest are one model", () => {
    expect(canonicalModelName("Llama3.2")).toBe("llama3.2:latest");
    expect(canonicalModelName("library/llama3.2:3b")).toBe("llama3.2:3b");
    expect(canonicalModelName("registry.ollama.ai/library/qwen3")).toBe("qwen3:latest");
  });
});
