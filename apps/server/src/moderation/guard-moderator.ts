import { LlmAbortedError, LlmError, type LlmChatMessage, type LlmClient } from "@recall/ollama";
import { ModerationAbortedError, ModerationUnavailableError } from "./errors.ts";
import { guardCategory, parseGuardAnswer } from "./llama-guard.ts";
import { blockedMessage, type ModerationInput, type ModerationVerdict, type Moderator } from "./moderator.ts";

export interface GuardModeratorOptions {
  llm: Pick<LlmClient, "completeChat">;
  /** An Ollama model that answers as Llama Guard 3 does, e.g. `llama-guard3` or `llama-guard3:1b`. */
  model: string;
  /** One guard call longer than this is a failure (the fail setting decides). */
  timeoutMs: number;
  /** Always the same, so Ollama never reloads the guard for a different context. Default 4096. */
  numCtx?: number;
  /** Longer texts are judged in pieces of this many characters, each its own call. Default 3000. */
  maxChars?: number;
}

export const DEFAULT_GUARD_NUM_CTX = 4096;
export const DEFAULT_GUARD_MAX_CHARS = 3000;
/** The user's message sent as context for a reply is cut to its end. */
const USER_CONTEXT_CHARS = 500;
/** `unsafe\nS1,S10,S14` fits; a model that rambles is cut off, and fails the format check. */
const MAX_ANSWER_TOKENS = 16;
const PIECE_OVERLAP_CHARS = 200;

function pieces(text: string, maxChars: number): string[] {
  if (text.length <= maxChars) return [text];
  const result: string[] = [];
  for (let start = 0; start < text.length; start += maxChars - PIECE_OVERLAP_CHARS) {
    result.push(text.slice(start, start + maxChars));
    if (start + maxChars >= text.length) break;
  }
  return result;
}

/** Llama Guard through Ollama's /api/chat. Throws ModerationUnavailableError when it gives no verdict. */
export function createGuardModerator(options: GuardModeratorOptions): Moderator {
  const numCtx = options.numCtx ?? DEFAULT_GUARD_NUM_CTX;
  const maxChars = options.maxChars ?? DEFAULT_GUARD_MAX_CHARS;

  async function ask(messages: LlmChatMessage[], signal: AbortSignal | undefined): Promise<string> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), options.timeoutMs);
    try {
      const result = await options.llm.completeChat({
        model: options.model,
        messages,
        numCtx,
        maxTokens: MAX_ANSWER_TOKENS,
        signal: signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal,
      });
      return result.text;
    } catch (error) {
      if (signal?.aborted) throw new ModerationAbortedError();
      if (timeout.signal.aborted || (error instanceof LlmError && error.code === "MODEL_TIMEOUT")) {
        throw new ModerationUnavailableError("timeout", `The guard model ${options.model} did not answer within ${options.timeoutMs} ms.`, { cause: error });
      }
      if (error instanceof LlmAbortedError) throw new ModerationAbortedError();
      const reason = error instanceof Error ? error.message : "unknown error";
      throw new ModerationUnavailableError("error", `The guard model ${options.model} failed: ${reason}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async check(input: ModerationInput): Promise<ModerationVerdict> {
      if (input.signal?.aborted) throw new ModerationAbortedError();
      // Llama Guard judges the last message: as the user's, or as the reply ("Agent") to the user turn before it.
      const context: LlmChatMessage[] =
        input.role === "assistant" && input.userText ? [{ role: "user", content: input.userText.slice(-USER_CONTEXT_CHARS) }] : [];
      for (const piece of pieces(input.text, maxChars)) {
        const answer = await ask([...context, { role: input.role, content: piece }], input.signal);
        const parsed = parseGuardAnswer(answer);
        if (!parsed) {
          throw new ModerationUnavailableError(
            "error",
            `The guard model ${options.model} did not answer 'safe' or 'unsafe'; check that RECALL_MODERATION_MODEL names a Llama Guard 3 model.`,
          );
        }
        if (parsed.safe) continue;
        const category = guardCategory(parsed.codes[0] ?? "");
        return { action: "block", outcome: "blocked", source: "guard", category: category.id, message: blockedMessage(input.role, category.label) };
      }
      return { action: "allow", outcome: "allowed", source: "guard" };
    },
  };
}
