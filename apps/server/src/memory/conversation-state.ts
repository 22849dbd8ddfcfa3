import type { ContextEpisode, ContextProfileFact } from "@recall/memory";
import { z } from "zod";
import type { ServerCache } from "../cache/memory-cache.ts";
import { PlaintextFieldCipher, type FieldCipher } from "../crypto/index.ts";
import type { SessionSummaryView } from "./summaries.ts";

/** The slow-changing memory of one conversation, as context assembly reads it every turn. */
export interface ConversationState {
  summary: SessionSummaryView | null;
  episodes: ContextEpisode[];
  profile: ContextProfileFact[];
}

export interface ConversationStateLoaders {
  summary(sessionId: string): Promise<SessionSummaryView | null>;
  episodes(userId: string, sessionId: string): Promise<ContextEpisode[]>;
  profile(userId: string): Promise<ContextProfileFact[]>;
}

/** A cached entry as `get` wrote it (dates as ISO strings); anything else is a miss. */
const cachedStateSchema = z.object({
  summary: z.object({ text: z.string(), coveredMessageId: z.string().nullable(), coveredCount: z.number() }).nullable(),
  episodes: z.array(
    z.object({
      id: z.string(),
      sessionId: z.string(),
      summary: z.string(),
      facts: z.array(z.string()),
      createdAt: z.iso.datetime().transform((text) => new Date(text)),
    }),
  ),
  profile: z.array(z.object({ id: z.string(), kind: z.string(), value: z.string() })),
});

/**
 * Caches each conversation's memory state under `conversation:{userId}:{sessionId}`
 * (in process, or in Redis when configured) for a TTL. The database stays the source
 * of truth: every write there deletes the affected keys, and a miss rebuilds from it.
 */
export class ConversationStateCache {
  constructor(
    private readonly cache: ServerCache,
    private readonly ttlSeconds: number,
    private readonly loaders: ConversationStateLoaders,
    /**
     * An entry holds summary, episode and profile text: with encryption on it is sealed under
     * the user's data key (bound to its cache key) before it reaches Redis or process memory.
     */
    private readonly cipher: FieldCipher = new PlaintextFieldCipher(),
  ) {}

  static key(userId: string, sessionId: string): string {
    return `conversation:${userId}:${sessionId}`;
  }

  async get(userId: string, sessionId: string, options: { bypass?: boolean } = {}): Promise<{ state: ConversationState; cached: boolean }> {
    const key = ConversationStateCache.key(userId, sessionId);
    const context = { field: "ConversationCache.state", rowId: key, userId } as const;
    const hit = options.bypass ? undefined : await this.cache.get(key);
    // An entry that does not decrypt (moved, altered, or its user's key erased) is a miss.
    const parsed = hit === undefined ? null : parseState(await this.cipher.decrypt(hit, context).catch(() => ""));
    if (parsed) return { state: parsed, cached: true };
    const [summary, episodes, profile] = await Promise.all([
      this.loaders.summary(sessionId),
      this.loaders.episodes(userId, sessionId),
      this.loaders.profile(userId),
    ]);
    const state = { summary, episodes, profile };
    if (!options.bypass) await this.cache.set(key, await this.cipher.encrypt(JSON.stringify(state), context), this.ttlSeconds);
    return { state, cached: false };
  }

  invalidateConversation(userId: string, sessionId: string): Promise<void> {
    return this.cache.delete(ConversationStateCache.key(userId, sessionId));
  }

  /** Profile or episodes changed: every conversation of the user sees them. */
  invalidateUser(userId: string): Promise<void> {
    return this.cache.deleteByPrefix(`conversation:${userId}:`);
  }
}

function parseState(json: string): ConversationState | null {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    // A corrupt entry is a miss, never an error.
    return null;
  }
  const parsed = cachedStateSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}
