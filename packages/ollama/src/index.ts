export * from "./errors.ts";
export * from "./model-name.ts";
export * from "./ollama-client.ts";
export * from "./pool/index.ts";
