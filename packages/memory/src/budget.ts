/** The reference design's context size; a small model on a laptop stays fast at it. */
export const defaultMaxContextTokens = 2000;

export interface BudgetInput {
  /** The model's real context length (Ollama `/api/show`), or null when it did not say. */
  modelContextLength: number | null;
  /** The configured cap: long contexts are slow on local hardware even when the model allows them. */
  maxContextTokens: number;
  /** Tokens kept free for the model's answer. */
  answerReserve: number;
}

export interface BudgetPlan {
  /** Sent to Ollama as `num_ctx` so it never truncates the prompt silently. */
  numCtx: number;
  /** What the assembled prompt may use: `numCtx` minus the answer reserve. */
  promptBudget: number;
}

export function planBudget(input: BudgetInput): BudgetPlan {
  requireWholeNumber("maxContextTokens", input.maxContextTokens, 1);
  requireWholeNumber("answerReserve", input.answerReserve, 0);
  if (input.modelContextLength !== null) requireWholeNumber("modelContextLength", input.modelContextLength, 1);

  const numCtx = input.modelContextLength === null ? input.maxContextTokens : Math.min(input.modelContextLength, input.maxContextTokens);
  const promptBudget = numCtx - input.answerReserve;
  if (promptBudget < 1) {
    throw new RangeError(
      `An answer reserve of ${input.answerReserve} tokens leaves no room for the prompt in a context of ${numCtx} tokens ` +
        `(model ${input.modelContextLength ?? "unknown"}, cap ${input.maxContextTokens}); lower the reserve or raise the cap.`,
    );
  }
  return { numCtx, promptBudget };
}

function requireWholeNumber(name: string, value: number, minimum: number): void {
  if (!Number.isInteger(value) || value < minimum) {
    throw new RangeError(`${name} must be a whole number of at least ${minimum}; got ${value}.`);
  }
}
