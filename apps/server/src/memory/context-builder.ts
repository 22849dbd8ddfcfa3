import type { ContextPassage, MemoryMessage, PromptLayoutState, PromptMessage, TurnPrompt } from "@recall/memory";
import { buildTurnPrompt, planBudget, rankByEmbedding, recallForContext, systemClock, type Clock } from "@recall/memory";
import type { ContextMetadata } from "@recall/schema";
import { CalibratedTokenCounter, createTokenCounter, type ModelTokenCounter } from "@recall/memory/tokens";
import { isEphemeralId } from "../chat/chat-repository.ts";
import type { ModelCatalog } from "../chat/model-catalog.ts";
import type { RecallConfig } from "../env.ts";
import type { ConversationStateCache } from "./conversation-state.ts";
import type { RecallIndexes, UserRecall } from "./recall-turns.ts";

export type { ContextMetadata } from "@recall/schema";

/** What a chat's documents add to a turn's prompt (`documents/turn-documents.ts` prepares it). */
export interface TurnDocuments {
  /** Ranked passages for this question (only convincing ones). */
  passages: ContextPassage[];
  /** Passages earlier turns put in the prompt, to render them again where they were. */
  passageById: (id: string) => ContextPassage | undefined;
  /** The documents rule and overview appended to the system prompt; null without documents. */
  systemSection: string | null;
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
    private readonly clock: Clock = systemClock,
  ) {}

  async build(input: {
    userId: string;
    sessionId: string;
    /** The chat's branch up to the new message, oldest first (back to the previous layout's anchor when there is one). */
    history: readonly MemoryMessage[];
    userMessage: string;
    model: string;
    /** Turns recall must leave out besides what the prompt holds (a regenerated reply's question and old reply, other branches). */
    excludeFromRecall?: readonly string[];
    /** The layout of the reply the new message follows, so this prompt can extend it; null lays it out afresh. */
    previousLayout?: PromptLayoutState | null;
    /** The chat's documents: this turn's passages, earlier turns' by id, and what the system prompt adds (rule, overview). */
    documents?: TurnDocuments | null;
  }): Promise<{ messages: PromptMessage[]; numCtx: number; metadata: ContextMetadata; passageIds: string[] }> {
    const [details, runner, counter, recall, conversation] = await Promise.all([
      this.models.detailsOf(input.model),
      // One set of runner options per model for replies and upkeep alike: a different num_ctx reloads the model.
      this.models.runnerOptions(input.model),
      this.counterFor(input.model),
      this.recall.get(input.userId),
      // Ephemeral chats never put anything in the cache (it may be Redis, which may persist).
      this.conversations.get(input.userId, input.sessionId, { bypass: isEphemeralId(input.sessionId) }),
    ]);
    const { summary, episodes, profile } = conversation.state;
    const { numCtx } = runner;
    const { promptBudget } = planBudget({
      modelContextLength: details?.contextLength ?? null,
      maxContextTokens: this.options.maxContextTokens,
      answerReserve: Math.min(this.options.answerReserveTokens, Math.floor(this.options.maxContextTokens / 2)),
    });
    const calibration = counter.calibrated.calibration;
    // The template's fixed tokens are not per message: take them off the top.
    const budgetTokens = Math.max(1, promptBudget - Math.ceil(calibration.fixedTokens));
    const messageOverheadTokens = Math.ceil(calibration.perMessageTokens);
    const excluded = new Set(input.excludeFromRecall ?? []);
    const embeddingRanking = await this.rankByMeaning(recall, input, excluded);
    const built = buildTurnPrompt(
      {
        systemPrompt: input.documents?.systemSection ? `${this.options.systemPrompt}\n\n${input.documents.systemSection}` : this.options.systemPrompt,
        episodes,
        profile,
        summary: summary ? { text: summary.text, coveredMessageIds: summary.coveredMessageId ? [summary.coveredMessageId] : [] } : null,
        chat: input.history,
        recall: (inPrompt, recallBudget) =>
          recallForContext(recall.index, recall.turns, {
            query: input.userMessage,
            limit: this.options.recallLimit,
            excludeIds: new Set([...inPrompt, ...excluded]),
            sessionId: input.sessionId,
            includeOtherSessions: this.options.recallAcrossChats,
            budgetTokens: recallBudget,
            tokenCounter: counter.calibrated,
            queryTime: this.clock.now(),
            ...(embeddingRanking ? { embeddingRanking } : {}),
          }),
        turnById: (id) => recall.turns.get(id),
        ...(input.documents ? { passages: input.documents.passages, passageById: input.documents.passageById } : {}),
        userMessage: input.userMessage,
        budgetTokens,
        bufferSize: this.options.bufferMessages,
        previous: input.previousLayout ?? null,
        messageOverheadTokens,
      },
      counter.calibrated,
    );
    const recalledLayer = built.layers.find((layer) => layer.layer === "recalled");
    const passagesLayer = built.layers.find((layer) => layer.layer === "passages");
    const messages = built.messages;
    const estimatedPromptTokens = counter.calibrated.estimatePrompt(messages);
    return {
      messages,
      numCtx,
      // This turn's passages as the model sees them numbered ([1] first).
      passageIds: passagesLayer?.ids ?? [],
      metadata: {
        model: input.model,
        numCtx,
        budgetTokens: built.budgetTokens,
        estimatedPromptTokens,
        layers: built.layers,
        trimmed: built.trimmed,
        overBudget: built.overBudget,
        cached: conversation.cached,
        tokenizer: counter.base.tokenizer,
        exactTokenizer: counter.base.exact,
        calibrationSamples: calibration.samples,
        totalMessages: input.history.length + 1,
        recalledMessageIds: recalledLayer?.ids ?? [],
        recallBy: embeddingRanking ? ["bm25", "embeddings"] : ["bm25"],
        promptCache: expectedPromptCache(built, estimatedPromptTokens, counter.calibrated),
        layout: built.layout,
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
    excluded: ReadonlySet<string>,
  ): Promise<Array<{ id: string; score: number }> | null> {
    const embed = this.options.embedQuery;
    if (!embed || recall.vectors.size === 0) return null;
    const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), this.options.embeddingTimeoutMs).unref());
    const vector = await Promise.race([embed(input.userMessage).catch(() => null), timeout]);
    if (!vector || vector.length === 0) return null;
    const candidates: Array<{ id: string; vector: Float32Array }> = [];
    for (const [id, candidate] of recall.vectors) {
      if (excluded.has(id)) continue;
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

/**
 * What Ollama should find in its cache for this prompt: when the layout continued, everything
 * before this turn's recall and message was sent last turn (with the reply the model wrote),
 * so only those are read; a rebuilt prompt shares at most the system prompt. An estimate:
 * another chat may have used the model's slot in between.
 */
function expectedPromptCache(
  built: TurnPrompt,
  estimatedPromptTokens: number,
  counter: { estimatePrompt(messages: readonly PromptMessage[]): number },
): ContextMetadata["promptCache"] {
  const { messages } = built;
  if (built.decision.kind === "rebuilt" || built.decision.droppedRecall) {
    const system = messages[0]?.role === "system" ? counter.estimatePrompt(messages.slice(0, 1)) : 0;
    const cached = built.decision.kind === "rebuilt" ? Math.min(system, estimatedPromptTokens) : 0;
    return {
      decision: built.decision.kind,
      rebuildReason: built.decision.kind === "rebuilt" ? built.decision.reason : null,
      expectedCachedTokens: cached,
      expectedPrefillTokens: Math.max(0, estimatedPromptTokens - cached),
    };
  }
  // This turn's recall (when any) and the user's message are new; everything before them is not.
  const newMessages = messages.at(-2)?.role === "system" ? 2 : 1;
  const prefix = counter.estimatePrompt(messages.slice(0, messages.length - newMessages));
  const cached = Math.max(0, Math.min(prefix, estimatedPromptTokens));
  return { decision: "continued", rebuildReason: null, expectedCachedTokens: cached, expectedPrefillTokens: Math.max(0, estimatedPromptTokens - cached) };
}
