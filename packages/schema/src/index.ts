export * from "./account.ts";
export * from "./chat.ts";
export * from "./ids.ts";
export * from "./limits.ts";
export * from "./models.ts";
export * from "./stream.ts";
export * from "./context.ts";
export * from "./documents.ts";
