import { z } from "zod";

/** Every layer of an assembled context, in the order the model sees them. */
export const contextLayerNames = ["system", "episodic", "profile", "summary", "recalled", "passages", "buffer", "user"] as const;
export const contextLayerSchema = z.enum(contextLayerNames);
export type ContextLayerName = z.infer<typeof contextLayerSchema>;

export const layerUsageSchema = z.object({
  layer: contextLayerSchema,
  tokens: z.number(),
  ids: z.array(z.string()),
});

export const trimmedPartSchema = z.object({
  layer: contextLayerSchema,
  what: z.string(),
  ids: z.array(z.string()),
  why: z.string(),
});

/** What makes the next turn's prompt start with the same bytes (packages/memory prompt-layout.ts). */
export const promptLayoutStateSchema = z.object({
  version: z.literal(1),
  anchorId: z.string().nullable(),
  appendable: z.boolean(),
  frame: z.object({
    digest: z.string(),
    episodeIds: z.array(z.string()),
    profileIds: z.array(z.string()),
    summaryText: z.string().nullable(),
    summaryCoveredIds: z.array(z.string()),
  }),
  blocks: z.array(
    z.object({
      afterId: z.string().nullable(),
      recalled: z.array(z.object({ id: z.string(), clippedTo: z.number().int().nullable() })),
      passageIds: z.array(z.string()),
    }),
  ),
});
export type PromptLayoutStateView = z.infer<typeof promptLayoutStateSchema>;

export const rebuildReasons = ["first-turn", "incompatible-state", "not-appendable", "branch-changed", "memory-changed", "summary-updated", "budget-full"] as const;

/** Whether this prompt continued the last one (Ollama can serve the start from its cache) or was laid out afresh. */
export const promptCacheSchema = z.object({
  decision: z.enum(["continued", "rebuilt"]),
  rebuildReason: z.enum(rebuildReasons).nullable(),
  /** Our estimate, before the call, of the prompt tokens Ollama already holds from this chat's last request. */
  expectedCachedTokens: z.number().int().nonnegative(),
  /** The rest, which the model must read (prefill) before the first word of the reply. */
  expectedPrefillTokens: z.number().int().nonnegative(),
});
export type PromptCacheView = z.infer<typeof promptCacheSchema>;

/** What was assembled for one reply; saved with the assistant message and shown as "What the model saw". */
export const contextMetadataSchema = z.object({
  model: z.string(),
  numCtx: z.number().int(),
  budgetTokens: z.number().int(),
  /** Our estimate of the prompt as Ollama will count it (template included). */
  estimatedPromptTokens: z.number(),
  layers: z.array(layerUsageSchema),
  trimmed: z.array(trimmedPartSchema),
  overBudget: z.boolean(),
  /** Whether the conversation cache (in process or Redis) served the summary, episodes and profile. */
  cached: z.boolean(),
  tokenizer: z.string(),
  exactTokenizer: z.boolean(),
  calibrationSamples: z.number().int(),
  totalMessages: z.number().int(),
  recalledMessageIds: z.array(z.string()),
  /** Which rankings recall fused: BM25 always, embeddings when a model is configured and answered in time. */
  recallBy: z.array(z.string()),
  /** Absent on replies written before the prompt-cache layout. */
  promptCache: promptCacheSchema.optional(),
  layout: promptLayoutStateSchema.optional(),
});
export type ContextMetadata = z.infer<typeof contextMetadataSchema>;

/** A saved context, or null when the column is empty or does not parse (a corrupt row is shown as "no context", never an error). */
export function parseContextMetadata(json: string | null): ContextMetadata | null {
  if (json === null) return null;
  try {
    const parsed = contextMetadataSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Only the prompt layout of a saved context (what the next reply extends): the rest is not validated on the send path. */
export function parseContextLayout(json: string | null): PromptLayoutStateView | null {
  if (json === null) return null;
  try {
    const parsed = promptLayoutStateSchema.safeParse((JSON.parse(json) as { layout?: unknown } | null)?.layout);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
