import { z } from "zod";
import { profileFactKindSchema } from "./chat.ts";
import { idSchema } from "./ids.ts";

/** Episodes: what a finished chat left behind. The model writes them; the user may correct them. */
export const episodeLimits = { summaryMaxChars: 4000, factMaxChars: 300, factsMax: 12 } as const;

export const episodeSummarySchema = z
  .string()
  .trim()
  .min(1, "An episode needs a summary; delete the episode instead of emptying it.")
  .max(episodeLimits.summaryMaxChars, `An episode's summary is at most ${episodeLimits.summaryMaxChars.toLocaleString("en")} characters.`);

export const episodeFactSchema = z
  .string()
  .trim()
  .min(1, "A fact of an episode cannot be empty.")
  .max(episodeLimits.factMaxChars, `A fact of an episode is at most ${episodeLimits.factMaxChars} characters.`);

export const episodeFactsSchema = z.array(episodeFactSchema).max(episodeLimits.factsMax, `An episode keeps at most ${episodeLimits.factsMax} facts.`);

/** Under profile: what the user said about themselves, merged into their profile (source "model"). */
export const episodeProfileFactSchema = z.object({ kind: profileFactKindSchema, value: z.string().trim().min(1).max(200) });

/**
 * What the model answers when it writes an episode (structured output). The descriptions are part of
 * what the model sees: Ollama turns `episodeResponseJsonSchema`, derived from this, into its grammar.
 * The summary and facts have the same limits as the user's own edits (`updateEpisodeInput`).
 */
export const episodeResponseSchema = z.object({
  summary: episodeSummarySchema.describe("4 to 8 sentences about what the user and the assistant did in this chat"),
  facts: episodeFactsSchema.describe("key facts about the user or their plans, one short sentence each"),
  profile: z
    .array(episodeProfileFactSchema)
    .max(12)
    .default([])
    .describe("what the user said about themselves: their name, role, location, interests and preferences"),
});
export type EpisodeResponse = z.infer<typeof episodeResponseSchema>;

/**
 * `episodeResponseSchema` as the JSON schema sent as Ollama's `format`. String lengths are left
 * out: llama.cpp expands `maxLength: 4000` into thousands of grammar rules, and the answer is
 * validated with the zod schema (and retried once) anyway. Counts of items stay in.
 */
export const episodeResponseJsonSchema: Record<string, unknown> = (() => {
  const { $schema: _draft, ...schema } = z.toJSONSchema(episodeResponseSchema, {
    override: ({ jsonSchema }) => {
      delete jsonSchema.minLength;
      delete jsonSchema.maxLength;
    },
  });
  return schema;
})();

export const episodeViewSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  /** The title of the chat the episode summarizes. */
  sessionTitle: z.string(),
  summary: z.string(),
  facts: z.array(z.string()),
  createdAt: z.string(),
});
export type EpisodeView = z.infer<typeof episodeViewSchema>;

export const episodeIdInput = z.object({ episodeId: idSchema });
export const updateEpisodeInput = z.object({ episodeId: idSchema, summary: episodeSummarySchema, facts: episodeFactsSchema });

export const exportFormats = ["markdown", "json"] as const;
export const exportFormatSchema = z.enum(exportFormats, "Export as \"markdown\" or \"json\".");
export type ExportFormat = z.infer<typeof exportFormatSchema>;

export const exportChatInput = z.object({ sessionId: idSchema, format: exportFormatSchema });
export const exportAllInput = z.object({ format: exportFormatSchema });

/** A file for the browser to download: the content is the whole file, never truncated. */
export interface ExportedFile {
  filename: string;
  mimeType: string;
  content: string;
}

/** Typed, not a flag: a stray or replayed call without these exact words cannot erase anything. */
export const deleteAllDataPhrase = "delete my data";
export const deleteAllDataInput = z.object({
  confirm: z.literal(deleteAllDataPhrase, `Type "${deleteAllDataPhrase}" to confirm that everything Recall holds about you goes.`),
});
