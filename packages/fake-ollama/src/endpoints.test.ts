import { Ollama } from "ollama";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeOllama } from "./server.ts";
import type { FakeOllama } from "./types.ts";

let fake: FakeOllama;
let ollama: Ollama;

beforeAll(async () => {
  fake = await startFakeOllama({ version: "0.12.6" });
  ollama = new Ollama({ host: fake.url });
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.reset();
  fake.setModels([
    { name: "llama3.2", family: "llama", contextLength: 131072, parameterSize: "3.2B", quantization: "Q4_K_M", capabilities: ["completion", "tools"], defaultNumCtx: 8192 },
    { name: "nomic-embed-text", family: "nomic-bert", contextLength: 2048, parameterSize: "137M", quantization: "F16", capabilities: ["embedding"], embeddingLength: 768 },
  ]);
});

function cosine(left: number[], right: number[]): number {
  return left.reduce((sum, value, index) => sum + value * (right[index] ?? 0), 0);
}

describe("model listing", () => {
  it("lists models in /api/tags with name:tag, digest, size and details", async () => {
    const { models } = await ollama.list();
    expect(models.map((model) => model.name)).toEqual(["llama3.2:latest", "nomic-embed-text:latest"]);
    expect(models[0]).toMatchObject({
      model: "llama3.2:latest",
      size: expect.any(Number),
      digest: expect.stringMatching(/^[0-9a-f]{64}$/),
      details: { format: "gguf", family: "llama", families: ["llama"], parameter_size: "3.2B", quantization_level: "Q4_K_M" },
    });
    expect(String(models[0]?.modified_at)).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(fake.counts.tags).toBe(1);
  });

  it("describes a model in /api/show with its trained context and Modelfile num_ctx", async () => {
    const shown = await ollama.show({ model: "llama3.2" });
    const info = shown.model_info as unknown as Record<string, unknown>;
    expect(info["general.architecture"]).toBe("llama");
    expect(info["llama.context_length"]).toBe(131072);
    expect(shown.capabilities).toEqual(["completion", "tools"]);
    expect(shown.parameters).toContain(`${"num_ctx".padEnd(30)} 8192`);
    expect(shown.modelfile).toContain("PARAMETER num_ctx 8192");
    expect(shown.template).toContain("<|start_header_id|>");
    expect(shown.details.family).toBe("llama");
    expect(shown.modified_at).toBeDefined();
  });

  it("answers /api/show for an unknown model with 404", async () => {
    await expect(ollama.show({ model: "phi3" })).rejects.toMatchObject({ status_code: 404 });
  });

  it("reports the version and the models loaded by earlier calls", async () => {
    expect(await ollama.version()).toEqual({ version: "0.12.6" });
    expect((await ollama.ps()).models).toEqual([]);
    await ollama.chat({ model: "llama3.2", messages: [{ role: "user", content: "hi" }], keep_alive: "10m" });
    const { models } = await ollama.ps();
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ name: "llama3.2:latest", size_vram: expect.any(Number) });
    const minutesLeft = (new Date(models[0]!.expires_at).getTime() - Date.now()) / 60_000;
    expect(minutesLeft).toBeGreaterThan(9);
    expect(minutesLeft).toBeLessThanOrEqual(10);
  });

  it("answers GET / like Ollama", async () => {
    const response = await fetch(fake.url);
    expect(await response.text()).toBe("Ollama is running");
  });
});

describe("embeddings", () => {
  it("returns one L2-normalised vector per input with prompt_eval_count and durations", async () => {
    const response = await ollama.embed({ model: "nomic-embed-text", input: ["the cat sat on the mat", "a cat sat on a mat"] });
    expect(response.model).toBe("nomic-embed-text");
    expect(response.embeddings).toHaveLength(2);
    for (const vector of response.embeddings) {
      expect(vector).toHaveLength(768);
      expect(Math.sqrt(cosine(vector, vector))).toBeCloseTo(1, 5);
    }
    expect(response.prompt_eval_count).toBeGreaterThan(10);
    expect(response.total_duration).toBeGreaterThan(0);
    expect(response.load_duration).toBeGreaterThan(0);
  });

  it("places similar texts closer together than unrelated ones, deterministically", async () => {
    const input = ["My cat likes warm milk", "The cat likes milk that is warm", "Quarterly tax filing deadlines"];
    const { embeddings } = await ollama.embed({ model: "nomic-embed-text", input });
    const [cat, similar, tax] = embeddings as [number[], number[], number[]];
    expect(cosine(cat, similar)).toBeGreaterThan(0.5);
    expect(Math.abs(cosine(cat, tax))).toBeLessThan(0.3);
    const again = await ollama.embed({ model: "nomic-embed-text", input: input[0]! });
    expect(again.embeddings[0]).toEqual(cat);
  });

  it("supports the superseded /api/embeddings form", async () => {
    const { embedding } = await ollama.embeddings({ model: "nomic-embed-text", prompt: "My cat likes warm milk" });
    const { embeddings } = await ollama.embed({ model: "nomic-embed-text", input: "My cat likes warm milk" });
    expect(embedding).toEqual(embeddings[0]);
    expect(fake.counts).toMatchObject({ embed: 1, embeddings: 1 });
  });

  it("rejects a non-string input and an unknown model", async () => {
    const response = await fetch(`${fake.url}/api/embed`, { method: "POST", body: JSON.stringify({ model: "nomic-embed-text", input: [1] }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "invalid input type" });
    await expect(ollama.embed({ model: "mxbai", input: "x" })).rejects.toMatchObject({ status_code: 404 });
  });
});

describe("generate", () => {
  it("streams response pieces and ends with context and stats", async () => {
    const stream = await ollama.generate({ model: "llama3.2", prompt: "Write a line", stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const final = chunks.at(-1)!;
    expect(chunks).toHaveLength(25);
    expect(chunks[0]).toMatchObject({ model: "llama3.2", done: false, response: expect.any(String) });
    expect(final).toMatchObject({ done: true, done_reason: "stop", response: "", eval_count: 24 });
    expect(final.context).toHaveLength(final.prompt_eval_count + final.eval_count);
    expect(final.total_duration).toBeGreaterThan(0);
  });

  it("answers stream:false with the whole response and honours num_predict", async () => {
    const reply = await ollama.generate({ model: "llama3.2", prompt: "Write a line", options: { num_predict: 4 } });
    expect(reply).toMatchObject({ done: true, done_reason: "length", eval_count: 4 });
    expect(reply.response.split(" ")).toHaveLength(4);
    expect(fake.counts.generate).toBe(1);
  });

  it("loads the model for an empty prompt", async () => {
    const reply = await ollama.generate({ model: "llama3.2", prompt: "" });
    expect(reply).toMatchObject({ done: true, done_reason: "load", response: "" });
  });
});
