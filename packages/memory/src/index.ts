export * from "./assemble-context.ts";
export * from "./budget.ts";
export * from "./build-context.ts";
export * from "./context-sections.ts";
export * from "./episode-prompt.ts";
export * from "./fit-to-budget.ts";
export * from "./ports.ts";
export * from "./profile-merge.ts";
export * from "./profile-patterns.ts";
export * from "./prompt-layout.ts";
export * from "./rank-fusion.ts";
export * from "./recall-context.ts";
export * from "./recall-index.ts";
export * from "./running-summary.ts";
export * from "./sentences.ts";
export * from "./temporal-cues.ts";
export * from "./text-terms.ts";
export * from "./upkeep-transcript.ts";
export * from "./working-buffer.ts";
// Tokenizers load their vocabularies on import (about half a second): they live at
// "@recall/memory/tokens" so only code that counts tokens pays for them.
