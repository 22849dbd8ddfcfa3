import { createHash } from "node:crypto";
import type { FakeModel } from "./types.ts";

export const DEFAULT_MODELS: readonly FakeModel[] = [
  {
    name: "llama3.2",
    family: "llama",
    contextLength: 131072,
    parameterSize: "3.2B",
    quantization: "Q4_K_M",
    capabilities: ["completion", "tools"],
    embeddingLength: 3072,
  },
  {
    name: "nomic-embed-text",
    family: "nomic-bert",
    contextLength: 2048,
    parameterSize: "137M",
    quantization: "F16",
    capabilities: ["embedding"],
    defaultNumCtx: 8192,
    embeddingLength: 768,
  },
];

/** Fixed so `/api/tags` and `/api/show` answers are byte-for-byte repeatable. */
const MODIFIED_AT = "2025-01-01T00:00:00Z";

export interface CatalogModel {
  /** Canonical `name:tag`, as `/api/tags` lists it. */
  name: string;
  family: string;
  contextLength: number;
  parameterSize: string;
  quantization: string;
  capabilities: string[];
  defaultNumCtx: number | undefined;
  embeddingLength: number;
  digest: string;
  size: number;
}

/** `Llama3.2`, `library/llama3.2` and `registry.ollama.ai/library/llama3.2:latest` all mean `llama3.2:latest`. */
export function normalizeModelName(name: string): string {
  let normalized = name.trim().toLowerCase();
  if (normalized.startsWith("registry.ollama.ai/")) normalized = normalized.slice("registry.ollama.ai/".length);
  if (normalized.startsWith("library/")) normalized = normalized.slice("library/".length);
  const lastSegment = normalized.slice(normalized.lastIndexOf("/") + 1);
  return lastSegment.includes(":") ? normalized : `${normalized}:latest`;
}

const bitsPerWeight: Record<string, number> = { Q4_0: 4.5, Q4_K_M: 5, Q5_K_M: 5.7, Q6_K: 6.6, Q8_0: 8.5, F16: 16, BF16: 16, F32: 32 };
const fileTypes: Record<string, number> = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 7, Q4_K_M: 15, Q5_K_M: 17, Q6_K: 18, BF16: 32 };

function parameterCount(parameterSize: string): number {
  const match = /^([\d.]+)\s*([KMBT]?)/i.exec(parameterSize);
  if (!match) return 0;
  const scale: Record<string, number> = { "": 1, K: 1e3, M: 1e6, B: 1e9, T: 1e12 };
  return Math.round(Number(match[1]) * (scale[(match[2] ?? "").toUpperCase()] ?? 1));
}

export function catalogModel(model: FakeModel): CatalogModel {
  const name = normalizeModelName(model.name);
  const quantization = model.quantization ?? "Q4_K_M";
  const parameterSize = model.parameterSize ?? "7B";
  return {
    name,
    family: model.family ?? "llama",
    contextLength: model.contextLength ?? 8192,
    parameterSize,
    quantization,
    capabilities: model.capabilities ?? ["completion"],
    defaultNumCtx: model.defaultNumCtx,
    embeddingLength: model.embeddingLength ?? 768,
    digest: createHash("sha256").update(`fake-ollama/${name}`).digest("hex"),
    size: Math.round((parameterCount(parameterSize) * (bitsPerWeight[quantization.toUpperCase()] ?? 5)) / 8),
  };
}

export function findModel(models: readonly CatalogModel[], requested: string): CatalogModel | undefined {
  const wanted = normalizeModelName(requested);
  return models.find((model) => model.name === wanted);
}

/** Ollama's 404 for a model that was never pulled (the wording our contract pins). */
export function modelNotFoundMessage(requested: string): string {
  return `model ${JSON.stringify(requested)} not found, try pulling it first`;
}

function details(model: CatalogModel) {
  return {
    parent_model: "",
    format: "gguf",
    family: model.family,
    families: [model.family],
    parameter_size: model.parameterSize,
    quantization_level: model.quantization,
  };
}

export function describeForTags(model: CatalogModel) {
  return { name: model.name, model: model.name, modified_at: MODIFIED_AT, size: model.size, digest: model.digest, details: details(model) };
}

export function describeForPs(model: CatalogModel, expiresAt: string, numCtx: number) {
  return {
    name: model.name,
    model: model.name,
    size: model.size,
    digest: model.digest,
    details: details(model),
    expires_at: expiresAt,
    size_vram: model.size,
    context_length: numCtx,
  };
}

const llamaTemplate = `{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 }}<|start_header_id|>{{ .Role }}<|end_header_id|>

{{ .Content }}{{ if not $last }}<|eot_id|>{{ end }}
{{- if and $last (ne .Role "assistant") }}<|eot_id|><|start_header_id|>assistant<|end_header_id|>

{{ end }}
{{- end }}`;

const chatmlTemplate = `{{- range .Messages }}<|im_start|>{{ .Role }}
{{ .Content }}<|im_end|>
{{ end }}<|im_start|>assistant
`;

function isEmbeddingOnly(model: CatalogModel): boolean {
  return model.capabilities.includes("embedding") && !model.capabilities.includes("completion");
}

function templateOf(model: CatalogModel): { template: string; stops: string[] } {
  if (isEmbeddingOnly(model)) return { template: "{{ .Prompt }}", stops: [] };
  if (model.family === "llama") return { template: llamaTemplate, stops: ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"] };
  return { template: chatmlTemplate, stops: ["<|im_start|>", "<|im_end|>"] };
}

export function describeForShow(model: CatalogModel) {
  const { template, stops } = templateOf(model);
  const parameters: [string, number | string][] = [];
  if (model.defaultNumCtx !== undefined) parameters.push(["num_ctx", model.defaultNumCtx]);
  for (const stop of stops) parameters.push(["stop", stop]);

  const modelfileLines = [
    `# Modelfile generated by "ollama show"`,
    `# To build a new Modelfile based on this, replace FROM with:`,
    `# FROM ${model.name}`,
    ``,
    `FROM /usr/share/ollama/.ollama/models/blobs/sha256-${model.digest}`,
    `TEMPLATE """${template}"""`,
    ...parameters.map(([key, value]) => `PARAMETER ${key} ${value}`),
  ];
  return {
    modelfile: `${modelfileLines.join("\n")}\n`,
    // Go's `%-30s %#v`: padded key, quoted strings, bare numbers.
    parameters: parameters.map(([key, value]) => `${key.padEnd(30)} ${JSON.stringify(value)}`).join("\n"),
    template,
    details: details(model),
    model_info: {
      "general.architecture": model.family,
      "general.basename": model.name.slice(0, model.name.lastIndexOf(":")),
      "general.file_type": fileTypes[model.quantization.toUpperCase()] ?? 15,
      "general.parameter_count": parameterCount(model.parameterSize),
      "general.quantization_version": 2,
      [`${model.family}.context_length`]: model.contextLength,
      [`${model.family}.embedding_length`]: model.embeddingLength,
    },
    capabilities: model.capabilities,
    modified_at: MODIFIED_AT,
  };
}
