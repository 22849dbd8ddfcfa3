import { embedText, shortenEmbedding } from "./embeddings.ts";
import { checkFieldTypes, type Exchange } from "./exchange.ts";
import { effectiveNumCtx } from "./generation-request.ts";
import { describeForShow, describeForTags, findModel, modelNotFoundMessage } from "./models.ts";
import { describeLoaded, keepAliveMillis, markLoaded } from "./state.ts";

export function handleTags(exchange: Exchange): void {
  exchange.json(200, { models: exchange.state.models.map(describeForTags) });
}

export function handlePs(exchange: Exchange): void {
  exchange.json(200, { models: describeLoaded(exchange.state) });
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
export function handleEmbed(exchange: Exchange): void {
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
  markLoaded(state, model, numCtx, keepAliveMillis(body["keep_alive"]));
  const loadedAt = performance.now();
  if (inputs.length === 0) return exchange.json(200, { model: requested, embeddings: [] });

  let promptEvalCount = 0;
  let truncated = false;
  for (const text of inputs) {
    const tokens = state.settings.countTokens(text) + SPECIAL_TOKENS;
    if (tokens > numCtx) {
      if (body["truncate"] === false) return exchange.error(400, "the input length exceeds the context length");
      truncated = true;
    }
    promptEvalCount += Math.min(tokens, numCtx);
  }
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
    total_duration: Math.max(2, Math.round((now - exchange.arrivedAt) * NANOS_PER_MILLI)),
    load_duration: Math.max(1, Math.round((loadedAt - exchange.arrivedAt) * NANOS_PER_MILLI)),
    prompt_eval_count: promptEvalCount,
  });
}

/** POST /api/embeddings, the superseded single-prompt form. */
export function handleEmbeddings(exchange: Exchange): void {
  const { body, state } = exchange;
  const typeError = checkFieldTypes(body, "EmbeddingRequest", { model: "string", prompt: "string", options: "object" });
  if (typeError) return exchange.error(400, typeError);
  const requested = typeof body["model"] === "string" ? body["model"] : "";
  if (requested === "") return exchange.error(400, "model is required");
  const model = findModel(state.models, requested);
  if (!model) return exchange.error(404, modelNotFoundMessage(requested));
  exchange.record.model = model.name;
  const options = (body["options"] ?? {}) as Record<string, unknown>;
  markLoaded(state, model, effectiveNumCtx(options, model, state.settings.defaultNumCtx), keepAliveMillis(body["keep_alive"]));
  const prompt = typeof body["prompt"] === "string" ? body["prompt"] : "";
  exchange.json(200, { embedding: prompt === "" ? [] : embedText(prompt, model.embeddingLength) });
}
