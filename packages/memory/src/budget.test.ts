import { describe, expect, it } from "vitest";
import { planBudget } from "./budget.ts";

describe("planBudget", () => {
  it("caps the model's context by the configured maximum and keeps room for the answer", () => {
    expect(planBudget({ modelContextLength: 131072, maxContextTokens: 2000, answerReserve: 512 })).toEqual({ numCtx: 2000, promptBudget: 1488 });
  });

  it("uses the model's context when it is smaller than the cap", () => {
    expect(planBudget({ modelContextLength: 1024, maxContextTokens: 2000, answerReserve: 256 })).toEqual({ numCtx: 1024, promptBudget: 768 });
  });

  it("falls back to the cap when the model does not report its context length", () => {
    expect(planBudget({ modelContextLength: null, maxContextTokens: 4096, answerReserve: 0 })).toEqual({ numCtx: 4096, promptBudget: 4096 });
  });

  it("refuses a reserve that leaves no room for the prompt, naming the numbers", () => {
    expect(() => planBudget({ modelContextLength: 1024, maxContextTokens: 2000, answerReserve: 1024 })).toThrow(RangeError);
    expect(() => planBudget({ modelContextLength: 1024, maxContextTokens: 2000, answerReserve: 1500 })).toThrow(/1500 tokens.*1024 tokens/);
  });

  it("refuses nonsense inputs", () => {
    expect(() => planBudget({ modelContextLength: 0, maxContextTokens: 2000, answerReserve: 10 })).toThrow(RangeError);
    expect(() => planBudget({ modelContextLength: null, maxContextTokens: 2000.5, answerReserve: 10 })).toThrow(RangeError);
    expect(() => planBudget({ modelContextLength: null, maxContextTokens: 2000, answerReserve: -1 })).toThrow(RangeError);
    expect(() => planBudget({ modelContextLength: Number.NaN, maxContextTokens: 2000, answerReserve: 10 })).toThrow(RangeError);
  });
});
