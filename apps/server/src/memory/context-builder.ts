import type { LayerUsage, MemoryMessage, PromptMessage, TrimmedPart } from "@recall/memory";
import { assembleMemoryContext, fitMessagesToBudget, planBudget, rankByEmbedding, recallForContext } from "@recall/memory";
import { CalibratedTokenCounter, createTokenCounter, type ModelTokenCounter } from "@recall/memory/tokens";
import { isEphemeralId } from "../chat/ephemeral-store.ts";
import type { ModelCatalog } from "../chat/model-catalog.ts";
import type { RecallConfig } from "../env.ts";
import type { ConversationStateCache } from "./conversation-state.ts";
import type { RecallIndexes, UserRecall } from "./recall-turns.ts";

/** What was assembled for one reply; saved with the assistant message and shown to the user. */
export interface ContextMetadata {
  model: string;
  numCtx: number;
  budgetTokens: number;
  /** Our estimate of the prompt as Ollama will count it (template included). */
  estimatedPromptTokens: number;
  layers: LayerUsage[];
  trimmed: TrimmedPart[];
  overBudget: boolean;
  /** Whether the conversation cache (in process or Redis) served the summary, episodes and profile. */
  cached: boolean;
  tokenizer: string;
  exactTokenizer: boolean;
  calibrationSamples: number;
  totalMessages: number;
  recalledMessageIds: string[];
  /** Which rankings recall fused: BM25 always, embeddings when a model is configured and answered in time. */
  recallBy: string[];
}

/** The configuration it reads (documented in env.ts), plus how to embed a query when embeddings are on. */
export type ContextBuilderOptions = Pick<
  RecallConfig,
  "systemPrompt" | "bufferMessages" | "maxContextTokens" | "answerReserveTokens" | "recallLimit" | "recallAcrossChats" | "embeddingTimeoutMs"
> & {
  /** Embeds the user's message for recall by meaning; absent when no embedding model is configured. */
  embedQuery?: ((text: string) => Promise<number[]>) | undefined;
};

interface ModelCounter {
  base: ModelTokenCounter;
  calibrated: CalibratedTokenCounter;
}

/**
 * Builds what the model sees for each reply with the memory engine: the budget from
 * the model's real context, the working buffer, and older turns recalled by BM25,
 * under one token budget. Counts are calibrated per model against Ollama's
 * prompt_eval_count.
 */
export class ContextBuilder {
  private readonly counters = new Map<string, Promise<ModelCounter>>();

  constructor(
    private readonly models: ModelCatalog,
    private readonly recall: RecallIndexes,
    private readonly conversations: ConversationStateCache,
    private readonly options: ContextBuilderOptions,
  ) {}

  async build(input: {
    userId: string;
    sessionId: string;
    /** The chat's branch up to the new message, oldest first (at least the working buffer). */
    history: readonly MemoryMessage[];
    userMessage: string;
    model: string;
    /** Turns recall must leave out besides the buffer (a regenerated reply's question and old reply). */
    excludeFromRecall?: readonly string[];
  }): Promise<{ messages: PromptMessage[]; numCtx: number; metadata: ContextMetadata }> {
    const [details, counter, recall, conversation] = await Promise.all([
      this.models.detailsOf(input.model),
      this.counterFor(input.model),
      this.recall.get(input.userId),
      // Ephemeral chats never put anything in the cache (it may be Redis, which may persist).
      this.conversations.get(input.userId, input.sessionId, { bypass: isEphemeralId(input.sessionId) }),
    ]);
    const { summary, episodes, profile } = conversation.state;
    const { numCtx, promptBudget } = planBudget({
      modelContextLength: details?.contextLength ?? null,
      maxContextTokens: this.options.maxContextTokens,
      answerReserve: Math.min(this.options.answerReserveTokens, Math.floor(this.options.maxContextTokens / 2)),
    });
    const calibration = counter.calibrated.calibration;
    // The template's fixed tokens are not per message: take them off the top.
    const budgetTokens = Math.max(1, promptBudget - Math.ceil(calibration.fixedTokens));
    const messageOverheadTokens = Math.ceil(calibration.perMessageTokens);
    const notRecalled = new Set([...input.history.slice(-this.options.bufferMessages).map((message) => message.id), ...(input.excludeFromRecall ?? [])]);
    const embeddingRanking = await this.rankByMeaning(recall, input, notRecalled);
    const recalled = recallForContext(recall.index, recall.turns, {
      query: input.userMessage,
      limit: this.options.recallLimit,
      excludeIds: notRecalled,
      sessionId: input.sessionId,
      includeOtherSessions: this.options.recallAcrossChats,
      ...(embeddingRanking ? { embeddingRanking } : {}),
    });
    const assembled = assembleMemoryContext(
      {
        systemPrompt: this.options.systemPrompt,
        episodes,
        profile,
        summary: summary ? { text: summary.text, coveredMessageIds: summary.coveredMessageId ? [summary.coveredMessageId] : [] } : null,
        recalled,
        passages: [],
        buffer: input.history,
        userMessage: input.userMessage,
        budgetTokens,
        bufferSize: this.options.bufferMessages,
        messageOverheadTokens,
      },
      counter.calibrated,
    );
    const recalledLayer = assembled.layers.find((layer) => layer.layer === "recalled");
    let messages = assembled.messages;
    const trimmed = [...assembled.trimmed];
    let overBudget = assembled.overBudget;
    if (overBudget) {
      // Even the minimum (last exchange + new message) is too long, e.g. a big paste: cut the
      // middle of the largest messages, marked, rather than let Ollama drop text silently.
      const fitted = fitMessagesToBudget(messages, counter.calibrated, budgetTokens, messageOverheadTokens);
      messages = fitted.messages;
      overBudget = !fitted.fits;
      if (fitted.cuts.length > 0) {
        trimmed.push({
          layer: "user",
          what: `cut the middle of ${fitted.cuts.length} long message(s), about ${fitted.cuts.reduce((sum, cut) => sum + cut.removedTokens, 0)} tokens`,
          ids: [],
          why: "the last exchange and the new message alone were over the budget",
        });
      }
    }
    return {
      messages,
      numCtx,
      metadata: {
        model: input.model,
        numCtx,
        budgetTokens: assembled.budgetTokens,
        estimatedPromptTokens: counter.calibrated.estimatePrompt(messages),
        layers: assembled.layers,
        trimmed,
        overBudget,
        cached: conversation.cached,
        tokenizer: counter.base.tokenizer,
        exactTokenizer: counter.base.exact,
        calibrationSamples: calibration.samples,
        totalMessages: input.history.length + 1,
        recalledMessageIds: recalledLayer?.ids ?? [],
        recallBy: embeddingRanking ? ["bm25", "embeddings"] : ["bm25"],
      },
    };
  }

  /**
   * Ollama's prompt_eval_count is the truth: it teaches the model's counter. Except when
   * the prompt filled num_ctx: Ollama then counted what it kept after truncating, which
   * would teach the counter to under-count.
   */
  async observe(model: string, messages: readonly PromptMessage[], promptEvalCount: number | null, numCtx: number | null): Promise<void> {
    if (promptEvalCount === null) return;
    if (numCtx !== null && promptEvalCount >= numCtx - 1) return;
    (await this.counterFor(model)).calibrated.observe(messages, promptEvalCount);
  }

  /**
   * Ranks the turns this recall may see by similarity to the message, when an embedding
   * model is configured. Bounded in time: a slow embedding never delays a reply by more
   * than `embeddingTimeoutMs`, it just leaves recall to BM25.
   */
  private async rankByMeaning(
    recall: UserRecall,
    input: { sessionId: string; userMessage: string },
    notRecalled: ReadonlySet<string>,
  ): Promise<Array<{ id: string; score: number }> | null> {
    const embed = this.options.embedQuery;
    if (!embed || recall.vectors.size === 0) return null;
    const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), this.options.embeddingTimeoutMs).unref());
    const vector = await Promise.race([embed(input.userMessage).catch(() => null), timeout]);
    if (!vector || vector.length === 0) return null;
    const candidates: Array<{ id: string; vector: Float32Array }> = [];
    for (const [id, candidate] of recall.vectors) {
      if (notRecalled.has(id)) continue;
      const turn = recall.turns.get(id);
      if (!turn || (!this.options.recallAcrossChats && turn.sessionId !== input.sessionId)) continue;
      candidates.push({ id, vector: candidate });
    }
    return rankByEmbedding(vector, candidates, this.options.recallLimit);
  }

  private counterFor(model: string): Promise<ModelCounter> {
    let counter = this.counters.get(model);
    if (!counter) {
      counter = this.models.detailsOf(model).then((details) => {
        // Without details (model not pulled yet) use the approximation, but ask again next time.
        if (!details) this.counters.delete(model);
        const base = createTokenCounter(details?.family ?? null, { modelName: model });
        return { base, calibrated: new CalibratedTokenCounter(base) };
      });
      this.counters.set(model, counter);
    }
    return counter;
  }
}
