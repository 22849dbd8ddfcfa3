export { startFakeOllama } from "./server.ts";
export { DEFAULT_MODELS, normalizeModelName } from "./models.ts";
export { countTokens, splitTokens } from "./tokenizer.ts";
export { templatedPromptTokens, TEMPLATE_TOKENS_PER_MESSAGE, TEMPLATE_TOKENS_PER_PROMPT } from "./prompt-budget.ts";
export { embedText } from "./embeddings.ts";
export type {
  ChatMessage,
  ChatRequestInfo,
  ChatScript,
  EndpointCounts,
  FakeModel,
  FakeOllama,
  FakeOllamaOptions,
  Failure,
  GenerationOutcome,
  RecordedRequest,
  ScriptedToolCall,
} from "./types.ts";
