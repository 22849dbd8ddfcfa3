export * from "./errors.ts";
export * from "./ollama-client.ts";
