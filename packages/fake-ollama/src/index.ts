export { startFakeOllama } from "./server.ts";
export { DEFAULT_MODELS, normalizeModelName } from "./models.ts";
export { countTokens, splitTokens } from "./tokenizer.ts";
export { templatedPromptTokens, TEMPLATE_TOKENS_PER_MESSAGE, TEMPLATE_TOKENS_PER_PROMPT } from "./prompt-budget.ts";
export { embedText } from "./embeddings.ts";
export { tokenIds } from "./token-ids.ts";
export { SERVER_BUSY_MESSAGE } from "./scheduler.ts";
export { DEFAULT_GUARD_MODEL, markedCategories } from "./guard-model.ts";
export type {
  ChatMessage,
  ChatRequestInfo,
  ChatScript,
  EndpointCounts,
  FakeCostOptions,
  FakeGuardOptions,
  FakeCosts,
  FakeModel,
  FakeOllama,
  FakeOllamaOptions,
  Failure,
  GenerationOutcome,
  ModelCost,
  PromptEvalCountMode,
  RecordedRequest,
  RequestCost,
  RunnerSnapshot,
  ScriptedToolCall,
  SlotSnapshot,
} from "./types.ts";
