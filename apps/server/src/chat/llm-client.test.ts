import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../env.ts";
import { createLlmClient } from "./llm-client.ts";

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as never;

describe("Ollama hosts from the settings", () => {
  it("reads one URL, a comma list in OLLAMA_URL, or OLLAMA_URLS (which wins)", () => {
    expect(loadConfig({})).toMatchObject({ ollamaUrl: "http://127.0.0.1:11434", ollamaHosts: null, ollamaNumParallel: null });
    expect(loadConfig({ OLLAMA_URL: "http://a:11434, http://b:11434" })).toMatchObject({ ollamaUrl: "http://a:11434", ollamaHosts: ["http://a:11434", "http://b:11434"] });
    expect(loadConfig({ OLLAMA_URL: "http://x:1", OLLAMA_URLS: "http://a:1,http://b:1,http://c:1", OLLAMA_NUM_PARALLEL: "2" })).toMatchObject({
      ollamaUrl: "http://a:1",
      ollamaHosts: ["http://a:1", "http://b:1", "http://c:1"],
      ollamaNumParallel: 2,
    });
    expect(() => loadConfig({ OLLAMA_URLS: "http://a:1,b:2" })).toThrow(ConfigError);
    expect(() => loadConfig({ OLLAMA_URL: "nonsense" })).toThrow(/OLLAMA_URL must be a URL/);
    expect(() => loadConfig({ OLLAMA_NUM_PARALLEL: "0" })).toThrow(ConfigError);
  });

  it("keeps the plain client for one host, and pools several (or one whose slots are known)", () => {
    const single = createLlmClient(loadConfig({}), "http://127.0.0.1:11434", silent);
    expect(single.pool).toBeNull();
    expect(single.llm.host).toBe("http://127.0.0.1:11434");
    const several = createLlmClient(loadConfig({ OLLAMA_URLS: "http://127.0.0.1:1,http://127.0.0.1:2", OLLAMA_NUM_PARALLEL: "3" }), "http://127.0.0.1:1", silent);
    expect(several.pool?.hosts).toEqual(["http://127.0.0.1:1", "http://127.0.0.1:2"]);
    expect(several.pool?.capacity()).toBe(6);
    several.pool?.close();
    const slotsKnown = createLlmClient(loadConfig({ OLLAMA_NUM_PARALLEL: "4" }), "http://127.0.0.1:11434", silent);
    expect(slotsKnown.pool?.capacity()).toBe(4);
    slotsKnown.pool?.close();
  });
});
