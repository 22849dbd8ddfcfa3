/**
 * Recall as the prompt layout calls it once it passes a budget: `buildTurnPrompt` (the engine's
 * per-turn builder, as `buildContextFromHistory` uses it), with a recall that fills the tokens the
 * layout leaves (`recallForContext` with `budgetTokens` and the prompt's counter, instead of a
 * fixed 16 turns) and knows when the question is asked (so "two weeks ago" finds the turns from
 * then). Kept apart from context-strategies.ts, whose `assembleRecall` another change is
 * rewiring; measured like every other strategy.
 */
import { buildTurnPrompt, defaultLayoutTuning, defaultMessageOverheadTokens, recallForContext, selectWorkingBuffer, type RecallTurn } from "@recall/memory";
import { bufferSize, systemPrompt, type RecallEngineResult, type StrategyTools } from "./context-strategies.ts";
import type { TimedContextRequest } from "./evidence-quality.ts";

/**
 * What a freshly laid-out prompt leaves for recalled turns: the budget less the system prompt,
 * the user's message, the recent messages (capped at the layout's share of the budget, as the
 * layout caps them) and the template of the two memory messages.
 */
export function recallBudgetFor(request: TimedContextRequest, tools: StrategyTools): number {
  const cost = (text: string): number => tools.tokenCounter.count(text) + defaultMessageOverheadTokens;
  const chat = chatOf(request);
  const bufferTokens = selectWorkingBuffer(chat, { size: bufferSize }).reduce((sum, message) => sum + cost(message.content), 0);
  const buffer = Math.min(bufferTokens, Math.floor(request.budgetTokens * defaultLayoutTuning.stretchShare));
  return Math.max(0, request.budgetTokens - cost(systemPrompt) - cost(request.userMessage) - buffer - 2 * defaultMessageOverheadTokens);
}

function chatOf(request: TimedContextRequest): readonly TimedContextRequest["history"][number][] {
  return request.chat ?? request.history.filter((message) => message.sessionId === request.sessionId);
}

export function assembleRecallWithBudget(request: TimedContextRequest, tools: StrategyTools): RecallEngineResult {
  const turns = tools.messagesById as ReadonlyMap<string, RecallTurn>;
  const budgetTokens = recallBudgetFor(request, tools);
  const context = buildTurnPrompt(
    {
      systemPrompt,
      episodes: [],
      profile: [],
      summary: null,
      chat: chatOf(request),
      recall: (inPrompt) =>
        recallForContext(tools.index, turns, {
          query: request.userMessage,
          excludeIds: inPrompt,
          sessionId: request.sessionId,
          includeOtherSessions: true,
          budgetTokens,
          tokenCounter: tools.tokenCounter,
          queryTime: request.askedAt,
        }),
      passages: [],
      turnById: (id) => turns.get(id),
      userMessage: request.userMessage,
      budgetTokens: request.budgetTokens,
      bufferSize,
      previous: null,
    },
    tools.tokenCounter,
  );
  // A reply whose beginning was cut is in the buffer layer's ids but not whole.
  const cut = new Set(context.trimmed.filter((part) => part.layer === "buffer").flatMap((part) => part.ids));
  const messageIds = context.layers
    .filter((layer) => layer.layer === "buffer" || layer.layer === "recalled")
    .flatMap((layer) => layer.ids)
    .filter((id) => !cut.has(id));
  return { messages: context.messages, messageIds, totalTokens: context.totalTokens, context };
}
