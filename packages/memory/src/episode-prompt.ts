import type { PromptMessage, TokenCounter } from "./ports.ts";
import { fitTranscript, type TranscriptMessage } from "./upkeep-transcript.ts";

/**
 * The episode of a finished chat: the instructions and the transcript the model reads. The
 * answer's shape is `@recall/schema`'s `episodeResponseSchema`; the server sends the call
 * and saves the episode.
 */

/** The episode writer's instructions (the system message of every episode call). */
export const episodeInstructions =
  "Summarize this finished chat for the assistant's long-term memory. Write 4 to 8 sentences about what the user wanted, " +
  "what was decided and what is still open, and list the key facts about the user (names, dates, places, preferences, plans). " +
  "Under profile, list only what the user said about themselves (kind: name, role, location, interest, preference or other). " +
  "Answer in JSON with the fields summary, facts and profile.";

export const episodePromptLimits = {
  /** The chat's last this many finished messages are what the episode is written from. */
  maxMessages: 60,
  maxCharactersPerMessage: 1500,
  /** Room for the JSON answer (`num_predict`), at most half the context. */
  answerTokens: 700,
} as const;

export interface EpisodePromptInput {
  /** The chat's finished user and assistant messages, oldest first; only the last `maxMessages` are used. */
  messages: readonly TranscriptMessage[];
  /** Tokens the prompt may use: the model's context minus the answer, minus the template's fixed tokens. */
  budgetTokens: number;
  /** The chat template's tokens per message (default 4). */
  messageOverheadTokens?: number;
}

export interface EpisodePrompt {
  messages: PromptMessage[];
  /** The messages quoted, oldest first: the oldest are left out when even a minimum of each does not fit. */
  included: TranscriptMessage[];
  clippedMessages: number;
  totalTokens: number;
  fits: boolean;
}

/** The instructions, then the transcript (clipped longest first to fit `budgetTokens`, see `fitTranscript`). */
export function buildEpisodePrompt(input: EpisodePromptInput, counter: TokenCounter): EpisodePrompt {
  const overhead = input.messageOverheadTokens ?? 4;
  const recent = input.messages.slice(-episodePromptLimits.maxMessages);
  const fixed = counter.count(episodeInstructions) + 2 * overhead;
  const transcript = fitTranscript(recent, counter, {
    maxCharactersPerMessage: episodePromptLimits.maxCharactersPerMessage,
    budgetTokens: Math.max(1, input.budgetTokens - fixed),
    overflow: "drop-oldest",
  });
  const messages: PromptMessage[] = [
    { role: "system", content: episodeInstructions },
    { role: "user", content: transcript.text },
  ];
  const totalTokens = fixed + transcript.tokens;
  return { messages, included: transcript.included, clippedMessages: transcript.clippedMessages, totalTokens, fits: totalTokens <= input.budgetTokens };
}
