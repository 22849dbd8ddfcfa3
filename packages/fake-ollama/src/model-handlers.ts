import { runCostedEmbedding } from "./costed-requests.ts";
import { embedText, shortenEmbedding } from "./embeddings.ts";
import { checkFieldTypes, type Exchange } from "./exchange.ts";
import { effectiveNumCtx } from "./generation-request.ts";
import { describeForShow, describeForTags, findModel, modelNotFoundMessage } from "./models.ts";
import { describeLoaded, describeRunners, keepAliveMillis, markLoaded, requestKeepAlive } from "./state.ts";

export function handleTags(exchange: Exchange): void {
  exchange.json(200, { models: exchange.state.models.map(describeForTags) });
}

export function handlePs(exchange: Exchange): void {
  const { cost } = exchange.state;
  exchange.json(200, { models: cost ? describeRunners(cost) : describeLoaded(exchange.state) });
}

export function handleVersion(exchange: Exchange): void {
  exchange.json(200, { version: exchange.state.settings.version });
}

export function handleShow(exchange: Exchange): void {
  const { body } = exchange;
  const typeError = checkFieldTypes(body, "ShowRequest", { model: "string", name: "string" });
  if (typeError) return exchange.error(400, typeError);
  const requested = (body["model"] || body["name"] || "") as string;
  if (requested === "") return exchange.error(400, "model is required");
  const model = findModel(exchange.state.models, requested);
  if (!model) return exchange.error(404, modelNotFoundMessage(requested));
  exchange.record.model = model.name;
  exchange.json(200, describeForShow(model));
}

const NANOS_PER_MILLI = 1e6;
/** Tokens a BERT or Llama tokenizer adds around each input (CLS/SEP, BOS/EOS). */
const SPECIAL_TOKENS = 2;

/** POST /api/embed: `input` is a string or an array of strings. */
export async function handleEmbed(exchange: Exchange): Promise<void> {
  const { body, state } = exchange;
  const typeError = checkFieldTypes(body, "EmbedRequest", { model: "string", truncate: "bool", options: "object", dimensions: "number" });
  if (typeError) return exchange.error(400, typeError);
  const requested = typeof body["model"] === "string" ? body["model"] : "";
  if (requested === "") return exchange.error(400, "model is required");

  const input = body["input"];
  let inputs: string[];
  if (typeof input === "string") inputs = input === "" ? [] : [input];
  else if (Array.isArray(input) && input.every((entry) => typeof entry === "string")) inputs = input as string[];
  else if (input === undefined || input === null) inputs = [];
  else return exchange.error(400, "invalid input type");

  const model = findModel(state.models, requested);
  if (!model) return exchange.error(404, modelNotFoundMessage(requested));
  exchange.record.model = model.name;
  const options = (body["options"] ?? {}) as Record<string, unknown>;
  const numCtx = effectiveNumCtx(options, model, state.settings.defaultNumCtx);
  const countTokens = state.cost ? (text: string) => state.cost!.tokenize(text).length : state.settings.countTokens;
  const inputTokens: number[] = [];
  let truncated = false;
  for (const text of inputs) {
    const tokens = countTokens(text) + SPECIAL_TOKENS;
    if (tokens > numCtx) truncated = true;
    inputTokens.push(Math.min(tokens, numCtx));
  }
  let loadDuration: number | undefined;
  let totalDuration: number | undefined;
  if (state.cost) {
    // Ollama schedules the runner before it looks at the inputs.
    const timings = await runCostedEmbedding(exchange, state.cost, {
      endpoint: "embed",
      model,
      options,
      numCtx,
      keepAliveMs: requestKeepAlive(body["keep_alive"]),
      inputTokens: truncated && body["truncate"] === false ? [] : inputTokens,
    });
    if (!timings) return;
    ({ loadDuration, totalDuration } = timings);
  } else {
    markLoaded(state, model, numCtx, keepAliveMillis(body["keep_alive"]));
  }
  const loadedAt = performance.now();
  if (inputs.length === 0) return exchange.json(200, { model: requested, embeddings: [] });
  if (truncated && body["truncate"] === false) return exchange.error(400, "the input length exceeds the context length");
  const promptEvalCount = inputTokens.reduce((sum, count) => sum + count, 0);
  const dimensions = typeof body["dimensions"] === "number" && body["dimensions"] > 0 ? body["dimensions"] : undefined;
  const embeddings = inputs.map((text) => {
    const vector = embedText(text, model.embeddingLength);
    return dimensions !== undefined && dimensions < vector.length ? shortenEmbedding(vector, dimensions) : vector;
  });
  Object.assign(exchange.record, { promptEvalCount, numCtx, truncated });

  const now = performance.now();
  exchange.json(200, {
    model: requested,
    embeddings,
    total_duration: totalDuration ?? Math.max(2, Math.round((now - exchange.arrivedAt) * NANOS_PER_MILLI)),
    load_duration: loadDuration ?? Math.max(1, Math.round((loadedAt - exchange.arrivedAt) * NANOS_PER_MILLI)),
    prompt_eval_count: promptEvalCount,
  });
}

/** POST /api/embeddings, the superseded single-prompt form. */
export async function handleEmbeddings(exchange: Exchange): Promise<void> {
  const { body, state } = exchange;
  const typeError = checkFieldTypes(body, "EmbeddingRequest", { model: "string", prompt: "string", options: "object" });
  if (typeError) return exchange.error(400, typeError);
  const requested = typeof body["model"] === "string" ? body["model"] : "";
  if (requested === "") return exchange.error(400, "model is required");
  const model = findModel(state.models, requested);
  if (!model) return exchange.error(404, modelNotFoundMessage(requested));
  exchange.record.model = model.name;
  const options = (body["options"] ?? {}) as Record<string, unknown>;
  const numCtx = effectiveNumCtx(options, model, state.settings.defaultNumCtx);
  const prompt = typeof body["prompt"] === "string" ? body["prompt"] : "";
  if (state.cost) {
    const tokens = prompt === "" ? 0 : Math.min(state.cost.tokenize(prompt).length + SPECIAL_TOKENS, numCtx);
    const keepAliveMs = requestKeepAlive(body["keep_alive"]);
    if (!(await runCostedEmbedding(exchange, state.cost, { endpoint: "embeddings", model, options, numCtx, keepAliveMs, inputTokens: [tokens] }))) return;
  } else {
    markLoaded(state, model, numCtx, keepAliveMillis(body["keep_alive"]));
  }
  exchange.json(200, { embedding: prompt === "" ? [] : embedText(prompt, model.embeddingLength) });
}
