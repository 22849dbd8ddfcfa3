export * from "./types.ts";
export * from "./chunk-document.ts";
export * from "./citations.ts";
export * from "./document-terms.ts";
export * from "./prompt-text.ts";
export * from "./weak-retrieval.ts";
export * from "./summary-prompt.ts";
