export * from "./ports.ts";
export * from "./working-buffer.ts";
