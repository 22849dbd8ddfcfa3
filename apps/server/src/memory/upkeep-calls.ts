import type { PromptMessage } from "@recall/memory";
import type { CalibratedTokenCounter } from "@recall/memory/tokens";

/**
 * Teaches an upkeep call's counter what Ollama counted for its prompt, so the next summary or
 * episode is budgeted closer to the truth. Not when the prompt filled num_ctx: Ollama then
 * counted what it kept after truncating.
 */
export function observeUpkeepCall(counter: CalibratedTokenCounter, messages: readonly PromptMessage[], promptTokens: number | null, numCtx: number): void {
  if (promptTokens === null || promptTokens >= numCtx - 1) return;
  counter.observe(messages, promptTokens);
}
