import { assembleMemoryContext, defaultMessageOverheadTokens, type LayerUsage, type MemoryContext, type TrimmedPart } from "./assemble-context.ts";
import {
  contextSectionHeadings,
  renderEpisode,
  renderPassage,
  renderProfileFact,
  renderRecalledTurn,
  type ContextEpisode,
  type ContextPassage,
  type ContextProfileFact,
  type ContextRecalledTurn,
  type ContextSummary,
} from "./context-sections.ts";
import type { MemoryMessage, MemoryRole, PromptMessage, TokenCounter } from "./ports.ts";
import { fitMessagesToBudget } from "./fit-to-budget.ts";
import { clipAtSentence } from "./recall-context.ts";
import { extractTerms } from "./text-terms.ts";

/**
 * Ollama keeps each slot's tokens and re-reads only what follows the longest common prefix
 * with the previous request (runner/ollamarunner/cache.go). So the prompt is laid out to
 * grow at its end only:
 *
 *   system prompt · frame (episodes, profile, summary) · the chat from an anchor on, with
 *   each earlier turn's recalled turns where they were · this turn's recall · the message
 *
 * The frame and the anchor stay put from turn to turn; what recall brings in for a turn
 * stays where it was read. When the chat no longer fits, the prompt is rebuilt once (fresh
 * frame, a shorter stretch of the chat) instead of sliding one message per turn. The state
 * that makes the next turn render the same bytes is `PromptLayoutState`, saved with each
 * reply; it holds ids, never message text (the summary text is the chat's own).
 */
export interface PromptLayoutState {
  version: 1;
  /** The first chat message sent verbatim; null when the stretch starts at the chat's first message. */
  anchorId: string | null;
  /** False when a message had to be cut to fit: the next turn lays the prompt out afresh. */
  appendable: boolean;
  frame: FrameState;
  /** What recall brought in on each turn since the anchor, in chat order. */
  blocks: TurnBlockState[];
}

export interface FrameState {
  /** Of the system prompt and the frame as rendered: an edited fact or episode shows as a different digest. */
  digest: string;
  episodeIds: string[];
  profileIds: string[];
  /** The summary as it went in (it may have been shortened); pinned until the next rebuild. */
  summaryText: string | null;
  summaryCoveredIds: string[];
}

export interface TurnBlockState {
  /** The chat message the block follows (the user's message comes right after it); null at the chat's start. */
  afterId: string | null;
  /** In prompt order; `clippedTo` is the character limit a neighbour was clipped at. */
  recalled: Array<{ id: string; clippedTo: number | null }>;
  passageIds: string[];
}

export interface LayoutTurn {
  role: MemoryRole;
  content: string;
  createdAt: Date;
}

export interface TurnPromptInput {
  systemPrompt: string;
  /** The user's current episodes, profile and the chat's summary; the frame takes them at a rebuild. */
  episodes: readonly ContextEpisode[];
  profile: readonly ContextProfileFact[];
  summary: ContextSummary | null;
  /** This chat's branch before the new message, oldest first, reaching back at least to the previous anchor. */
  chat: readonly MemoryMessage[];
  /**
   * This turn's recall candidates, leaving out what the prompt already holds, filling about
   * `budgetTokens` (the room the layout leaves for them). Pure: called once per layout tried.
   */
  recall: (alreadyInPrompt: ReadonlySet<string>, budgetTokens: number) => readonly ContextRecalledTurn[];
  passages?: readonly ContextPassage[];
  /** Looks up a turn an earlier block recalled, to render it again (the recall index has them). */
  turnById: (id: string) => LayoutTurn | undefined;
  passageById?: (id: string) => ContextPassage | undefined;
  userMessage: string;
  budgetTokens: number;
  /** The most recent messages a rebuild keeps verbatim (K). */
  bufferSize: number;
  /** The layout of the reply this message follows on its branch; null for a fresh layout. */
  previous: PromptLayoutState | null;
  messageOverheadTokens?: number;
  tuning?: Partial<LayoutTuning>;
}

export interface LayoutTuning {
  /** At a rebuild, the share of the budget the chat's recent messages may take (the rest is memory and room to grow). */
  stretchShare: number;
  /** On a turn that continues the layout, the share of the budget this turn's recall may add. */
  continuingRecallShare: number;
  /**
   * ... and when the chat has document passages for this turn: a question about a document is
   * answered from its passages, so they get far more room than recalled turns (a passage is
   * about 200 tokens; 0.08 of a 1,500-token budget would hold none, 0.45 held three of four and
   * put the answer in fewer prompts of the document-chat benchmark: 45% against 50%).
   */
  continuingPassageShare: number;
  /** A continuing turn's recall keeps only candidates scoring at least this share of the best one. */
  continuingMinRelativeScore: number;
  /** ... and sharing at least this many distinct terms with the message (fewer when the message has fewer). */
  continuingMinSharedTerms: number;
  /** To make room, what the last this-many turns recalled may be dropped; past them the prompt is rebuilt. */
  droppableRecentBlocks: number;
  /** A rebuild inside a chat leaves this share of the budget free for the turns that follow. */
  rebuildHeadroomShare: number;
  /** Neighbours (the other half of a matched exchange) are clipped at this many characters. */
  neighbourMaxCharacters: number;
}

export const defaultLayoutTuning: LayoutTuning = {
  stretchShare: 0.4,
  continuingRecallShare: 0.08,
  continuingPassageShare: 0.6,
  continuingMinRelativeScore: 0.5,
  continuingMinSharedTerms: 3,
  droppableRecentBlocks: 3,
  rebuildHeadroomShare: 0.35,
  neighbourMaxCharacters: 400,
};

export type LayoutDecision =
  /** `droppedRecall`: what earlier turns recalled was taken out (newest first) to make room. */
  | { kind: "continued"; droppedRecall: boolean }
  | { kind: "rebuilt"; reason: RebuildReason };

export type RebuildReason = "first-turn" | "incompatible-state" | "not-appendable" | "branch-changed" | "memory-changed" | "summary-updated" | "budget-full";

export interface TurnPrompt extends MemoryContext {
  layout: PromptLayoutState;
  decision: LayoutDecision;
}

/** Builds this turn's prompt so that it extends the previous one whenever it can. Pure. */
export function buildTurnPrompt(input: TurnPromptInput, tokenCounter: TokenCounter): TurnPrompt {
  const tuning = { ...defaultLayoutTuning, ...input.tuning };
  const previous = input.previous;
  const chat = relevantTail(input.chat, previous, input.bufferSize);
  let reason: RebuildReason = "first-turn";
  if (previous !== null) {
    const continued = continueLayout(input, chat, previous, tuning, tokenCounter);
    if (continued.kind === "prompt") return continued.prompt;
    reason = continued.reason;
  }
  return rebuild(input, chat, tuning, tokenCounter, reason);
}

type Continuation = { kind: "prompt"; prompt: TurnPrompt } | { kind: "rebuild"; reason: RebuildReason };

function continueLayout(input: TurnPromptInput, chat: readonly MemoryMessage[], previous: PromptLayoutState, tuning: LayoutTuning, counter: TokenCounter): Continuation {
  if (previous.version !== 1) return { kind: "rebuild", reason: "incompatible-state" };
  if (!previous.appendable) return { kind: "rebuild", reason: "not-appendable" };
  const anchorIndex = previous.anchorId === null ? 0 : chat.findIndex((message) => message.id === previous.anchorId);
  if (anchorIndex < 0) return { kind: "rebuild", reason: "branch-changed" };
  const stretch = chat.slice(anchorIndex);
  const stretchIds = new Set(stretch.map((message) => message.id));
  const beforeAnchor = anchorIndex > 0 ? (chat[anchorIndex - 1]?.id ?? null) : null;
  // A block that no longer follows a message of the stretch belongs to another branch.
  if (previous.blocks.some((block) => block.afterId !== beforeAnchor && (block.afterId === null || !stretchIds.has(block.afterId)))) {
    return { kind: "rebuild", reason: "branch-changed" };
  }

  // A newer running summary is written only when the prompt is close to full (`summaryDue`),
  // and on a model with one slot its call has cost the chat its cache: lay out afresh with it.
  if (!sameIds(input.summary?.coveredMessageIds ?? [], previous.frame.summaryCoveredIds)) return { kind: "rebuild", reason: "summary-updated" };
  const episodes = pick(input.episodes, previous.frame.episodeIds);
  const profile = pick(input.profile, previous.frame.profileIds);
  if (episodes === null || profile === null) return { kind: "rebuild", reason: "memory-changed" };
  const frameText = renderFrame(episodes, profile, previous.frame.summaryText);
  if (frameDigest(input.systemPrompt, frameText) !== previous.frame.digest) return { kind: "rebuild", reason: "memory-changed" };

  const overhead = input.messageOverheadTokens ?? defaultMessageOverheadTokens;
  const cost = (message: PromptMessage): number => counter.count(message.content) + overhead;
  const head = systemMessages(input.systemPrompt, frameText);
  const userMessage: PromptMessage = { role: "user", content: input.userMessage };

  const render = (blocks: readonly TurnBlockState[]) => {
    const rendered = renderStretch(stretch, beforeAnchor, blocks, input);
    const messages = [...head, ...rendered.messages];
    return { messages, recalledIds: rendered.recalledIds, tokens: messages.reduce((sum, message) => sum + cost(message), 0) + cost(userMessage) };
  };
  let blocks = previous.blocks;
  let base = render(blocks);
  const hasPassages = (input.passages ?? []).some((passage) => passage.text.trim().length > 0);
  const cap = Math.floor(input.budgetTokens * (hasPassages ? tuning.continuingPassageShare : tuning.continuingRecallShare));
  const findCandidates = (inPrompt: ReadonlySet<string>, room: number): ContextRecalledTurn[] =>
    input.recall(inPrompt, Math.max(0, Math.min(cap, room))).filter((turn) => !inPrompt.has(turn.id) && turn.content.trim().length > 0);
  let candidates = findCandidates(new Set([...stretchIds, ...base.recalledIds]), input.budgetTokens - base.tokens);
  // While the chat goes on, the chat itself is the context: a turn from elsewhere earns its
  // place (and the tokens the model must read for it) only when it shares several of the
  // message's words and ranks near the best.
  const queryTerms = new Set(extractTerms(input.userMessage));
  const sharedTerms = (turn: ContextRecalledTurn): number => new Set(extractTerms(turn.content).filter((term) => queryTerms.has(term))).size;
  // A message that points back ("remind me", "what did I say", "last week") needs less proof.
  const needed = referencesThePast(input.userMessage) ? 1 : Math.min(tuning.continuingMinSharedTerms, queryTerms.size);
  const strongOf = (found: readonly ContextRecalledTurn[]): ContextRecalledTurn[] => {
    const best = found.reduce((top, turn) => Math.max(top, turn.score), 0);
    return found.filter((turn) => turn.score >= best * tuning.continuingMinRelativeScore && sharedTerms(turn) >= needed);
  };
  let strong = strongOf(candidates);
  // Room for at least the best match this turn recalls: a question about something said long
  // ago is worth making room for, not worth answering without it.
  const wanted = fillBlock(strong.toSorted((left, right) => right.score - left.score).slice(0, 1), input.passages?.slice(0, 1) ?? [], cap, overhead, counter);
  const reserve = wanted.text.length > 0 ? counter.count(wanted.text) + overhead : 0;
  const dropped: TurnBlockState[] = [];
  // Dropping the newest recall re-reads only what came after it, far less than a rebuild.
  while (base.tokens + reserve > input.budgetTokens) {
    const newest = blocks.findLastIndex((block) => block.recalled.length > 0 || block.passageIds.length > 0);
    // Only the last few turns' recall: dropping an older one re-reads nearly as much as a rebuild.
    if (newest < 0 || newest < blocks.length - tuning.droppableRecentBlocks) break;
    dropped.push(blocks[newest]!);
    blocks = blocks.map((block, index) => (index === newest ? { ...block, recalled: [], passageIds: [] } : block));
    base = render(blocks);
  }
  if (base.tokens + reserve > input.budgetTokens) return { kind: "rebuild", reason: "budget-full" };
  const droppedLastBlock = dropped.length > 0;

  const inPrompt = new Set([...stretchIds, ...base.recalledIds]);
  if (droppedLastBlock) {
    // What was taken out to make room comes back only when this message is about it.
    candidates = findCandidates(inPrompt, input.budgetTokens - base.tokens);
    strong = strongOf(candidates);
  }
  const room = Math.min(input.budgetTokens - base.tokens, cap);
  const block = fillBlock(
    strong.filter((turn) => !inPrompt.has(turn.id)),
    input.passages ?? [],
    room,
    overhead,
    counter,
  );
  const messages = [...base.messages];
  if (block.text.length > 0) messages.push({ role: "system", content: block.text });
  messages.push(userMessage);

  const afterId = chat.at(-1)?.id ?? null;
  const newBlock: TurnBlockState = { afterId, recalled: block.recalled.map((turn) => ({ id: turn.id, clippedTo: clippedTo(turn, input, tuning) })), passageIds: block.passages.map((passage) => passage.id) };
  const layout: PromptLayoutState = { ...previous, blocks: [...blocks, newBlock] };
  const totalTokens = messages.reduce((sum, message) => sum + cost(message), 0);
  const layers = describeContinuedLayers({
    systemPrompt: input.systemPrompt,
    messages,
    frame: { episodes, profile, summaryText: previous.frame.summaryText, summaryCoveredIds: previous.frame.summaryCoveredIds },
    stretchIds: stretch.map((message) => message.id),
    earlierRecalled: base.recalledIds,
    block,
    overhead,
    counter,
  });
  const trimmed: TrimmedPart[] = [];
  if (droppedLastBlock) {
    trimmed.push({
      layer: "recalled",
      what: `dropped what ${dropped.length} earlier turn(s) recalled, newest first, to make room`,
      ids: dropped.flatMap((block) => block.recalled.map((turn) => turn.id)),
      why: `the chat grew to the budget of ${input.budgetTokens}`,
    });
  }
  if (block.left.length > 0) {
    trimmed.push({ layer: "recalled", what: `kept ${block.recalled.length} of ${block.recalled.length + block.left.length} recalled turns`, ids: block.left, why: `a turn that continues the chat adds at most ${room} tokens of recall` });
  }
  return {
    kind: "prompt",
    prompt: {
      messages,
      layers,
      totalTokens,
      budgetTokens: input.budgetTokens,
      trimmed,
      overBudget: totalTokens > input.budgetTokens,
      summaryText: previous.frame.summaryText,
      replyCut: false,
      layout,
      decision: { kind: "continued", droppedRecall: droppedLastBlock },
    },
  };
}

function rebuild(input: TurnPromptInput, chat: readonly MemoryMessage[], tuning: LayoutTuning, counter: TokenCounter, reason: RebuildReason): TurnPrompt {
  const overhead = input.messageOverheadTokens ?? defaultMessageOverheadTokens;
  const buffer = chat.slice(-input.bufferSize);
  const bufferIds = new Set(buffer.map((message) => message.id));
  // What a fresh layout leaves for recall: the budget less the instructions, the message, the
  // recent chat (at most its share) and the frame.
  const cost = (text: string): number => (text.length === 0 ? 0 : counter.count(text) + overhead);
  const stretchTokens = Math.min(
    buffer.reduce((sum, message) => sum + cost(message.content), 0),
    Math.floor(input.budgetTokens * tuning.stretchShare),
  );
  const frameTokens = cost(renderFrame(input.episodes, input.profile, input.summary?.text.trim() || null));
  // Inside a chat, room is left for the chat to grow so the next turns continue this layout;
  // a chat's first message may use it all (it is read in full either way).
  const headroom = chat.length > 0 ? Math.floor(input.budgetTokens * tuning.rebuildHeadroomShare) : 0;
  // Passages are what a document question is answered from: recall takes only the room they leave.
  const passageTokens = (input.passages ?? []).reduce((sum, passage, rank) => sum + counter.count(renderPassage(passage, rank + 1)) + 1, 0);
  const recallRoom = Math.max(0, input.budgetTokens - headroom - cost(input.systemPrompt) - cost(input.userMessage) - stretchTokens - frameTokens - overhead - passageTokens);
  const recalled = input.recall(bufferIds, recallRoom).filter((turn) => !bufferIds.has(turn.id));
  const context = assembleMemoryContext(
    {
      systemPrompt: input.systemPrompt,
      episodes: input.episodes,
      profile: input.profile,
      summary: input.summary,
      recalled,
      passages: input.passages ?? [],
      buffer,
      userMessage: input.userMessage,
      budgetTokens: input.budgetTokens,
      bufferSize: input.bufferSize,
      messageOverheadTokens: overhead,
      placement: "turn-last",
      bufferMaxTokens: Math.floor(input.budgetTokens * tuning.stretchShare),
    },
    counter,
  );
  const ids = (layer: string): string[] => context.layers.find((usage) => usage.layer === layer)?.ids ?? [];
  const keptBuffer = ids("buffer");
  const episodes = pick(input.episodes, ids("episodic")) ?? [];
  const profile = pick(input.profile, ids("profile")) ?? [];
  const frameText = renderFrame(episodes, profile, context.summaryText);
  const anchorId = keptBuffer[0] ?? null;
  const recalledById = new Map(recalled.map((turn) => [turn.id, turn]));
  const block: TurnBlockState = {
    afterId: chat.at(-1)?.id ?? null,
    recalled: ids("recalled").map((id) => ({ id, clippedTo: clippedTo(recalledById.get(id), input, tuning) })),
    passageIds: ids("passages"),
  };
  const layout: PromptLayoutState = {
    version: 1,
    anchorId,
    // With nothing kept verbatim there is no anchor to continue from.
    appendable: !context.overBudget && !context.replyCut && (anchorId !== null || chat.length === 0),
    frame: {
      digest: frameDigest(input.systemPrompt, frameText),
      episodeIds: episodes.map((episode) => episode.id),
      profileIds: profile.map((fact) => fact.id),
      summaryText: context.summaryText,
      // What the offered summary covers, kept or not: a newer summary is told apart by it.
      summaryCoveredIds: [...(input.summary?.coveredMessageIds ?? [])],
    },
    blocks: [block],
  };
  if (!context.overBudget) return { ...context, layout, decision: { kind: "rebuilt", reason } };
  // Even the minimum (last exchange + new message) is too long, e.g. a big paste: cut the
  // middle of the largest messages, marked, rather than let Ollama drop text silently.
  const fitted = fitMessagesToBudget(context.messages, counter, input.budgetTokens, overhead);
  const trimmed = [...context.trimmed];
  if (fitted.cuts.length > 0) {
    trimmed.push({
      layer: "user",
      what: `cut the middle of ${fitted.cuts.length} long message(s), about ${fitted.cuts.reduce((sum, cut) => sum + cut.removedTokens, 0)} tokens`,
      ids: [],
      why: "the last exchange and the new message alone were over the budget",
    });
  }
  return {
    ...context,
    messages: fitted.messages,
    totalTokens: fitted.totalTokens,
    trimmed,
    overBudget: !fitted.fits,
    layout,
    decision: { kind: "rebuilt", reason },
  };
}

/**
 * Whether the chat's running summary should be brought up to date after this turn: only when
 * the prompt is close to its budget, so the summary is ready for the fresh layout that comes
 * next (until then the chat is sent verbatim and a summary of it would be read by nobody).
 */
export function summaryDue(prompt: Pick<TurnPrompt, "totalTokens" | "budgetTokens">, share = defaultSummaryDueShare): boolean {
  return prompt.totalTokens >= prompt.budgetTokens * share;
}

export const defaultSummaryDueShare = 0.9;

/** Words people use when they ask about something said before. */
const pastReference = /\b(remind|remember|recall|forgot|forget|mentioned|told you|i said|did i|have i|earlier|last time|before|again|ago|yesterday|last (week|month|year|weekend|monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b/i;

/** Whether a message asks about something said before. */
export function referencesThePast(message: string): boolean {
  return pastReference.test(message);
}

function sameIds(left: readonly string[], right: readonly string[]): boolean {
  return left.length === right.length && left.every((id, index) => id === right[index]);
}

/**
 * The part of the chat this turn can use, without empty messages: from just before the
 * previous anchor (or, when it is gone, the last few buffers' worth) to the end. A long chat's
 * older messages are never looked at, so a turn costs the same at message 50 and at 10,000.
 */
function relevantTail(chat: readonly MemoryMessage[], previous: PromptLayoutState | null, bufferSize: number): MemoryMessage[] {
  let start = Math.max(0, chat.length - 4 * bufferSize);
  if (previous !== null && previous.anchorId === null) start = 0;
  else if (previous !== null) {
    const anchorId = previous.anchorId;
    const anchor = chat.findLastIndex((message) => message.id === anchorId);
    if (anchor >= 0) start = Math.min(start, Math.max(0, anchor - 1));
  }
  return chat.slice(start).filter((message) => message.content.trim().length > 0);
}

/** The frame message: the same sections, headings and order as the assembly renders. */
export function renderFrame(episodes: readonly ContextEpisode[], profile: readonly ContextProfileFact[], summaryText: string | null): string {
  const sections: string[] = [];
  const sortedEpisodes = episodes.toSorted((left, right) => left.createdAt.getTime() - right.createdAt.getTime());
  if (sortedEpisodes.length > 0) sections.push(`${contextSectionHeadings.episodic}\n${sortedEpisodes.map(renderEpisode).join("\n")}`);
  if (profile.length > 0) sections.push(`${contextSectionHeadings.profile}\n${profile.map(renderProfileFact).join("\n")}`);
  if (summaryText !== null) sections.push(`${contextSectionHeadings.summary}\n${summaryText}`);
  return sections.join("\n\n");
}

/** The turn block: recalled turns (in the order given) then passages (numbered in the order given). */
export function renderTurnBlock(recalled: readonly ContextRecalledTurn[], passages: readonly ContextPassage[]): string {
  const sections: string[] = [];
  if (recalled.length > 0) sections.push(`${contextSectionHeadings.recalled}\n${recalled.map(renderRecalledTurn).join("\n")}`);
  if (passages.length > 0) sections.push(`${contextSectionHeadings.passages}\n${passages.map((passage, rank) => renderPassage(passage, rank + 1)).join("\n")}`);
  return sections.join("\n\n");
}

/** A short, stable digest (two 32-bit FNV-1a hashes): equal text, equal digest. */
export function frameDigest(systemPrompt: string, frameText: string): string {
  const text = `${systemPrompt}\u0000${frameText}`;
  let first = 0x811c9dc5;
  let second = 0x01000193 ^ text.length;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    first = Math.imul(first ^ code, 0x01000193) >>> 0;
    second = Math.imul(second ^ code, 0x5bd1e995) >>> 0;
  }
  return `${first.toString(16).padStart(8, "0")}${second.toString(16).padStart(8, "0")}`;
}

function systemMessages(systemPrompt: string, frameText: string): PromptMessage[] {
  const messages: PromptMessage[] = [];
  if (systemPrompt.trim().length > 0) messages.push({ role: "system", content: systemPrompt });
  if (frameText.length > 0) messages.push({ role: "system", content: frameText });
  return messages;
}

/** The items with these ids, in this order; null when any is gone. */
function pick<T extends { id: string }>(items: readonly T[], ids: readonly string[]): T[] | null {
  const byId = new Map(items.map((item) => [item.id, item]));
  const picked: T[] = [];
  for (const id of ids) {
    const item = byId.get(id);
    if (item === undefined) return null;
    picked.push(item);
  }
  return picked;
}

function renderStretch(stretch: readonly MemoryMessage[], beforeAnchor: string | null, blocks: readonly TurnBlockState[], input: TurnPromptInput) {
  const blockAfter = new Map(blocks.map((block) => [block.afterId, block]));
  const messages: PromptMessage[] = [];
  const recalledIds: string[] = [];
  let previousId = beforeAnchor;
  for (const message of stretch) {
    const block = message.role === "user" ? blockAfter.get(previousId) : undefined;
    if (block !== undefined) {
      const turns = block.recalled.flatMap(({ id, clippedTo }) => {
        const turn = input.turnById(id);
        if (turn === undefined || turn.role === "system") return [];
        recalledIds.push(id);
        const content = clippedTo === null ? turn.content : clipAtSentence(turn.content, clippedTo);
        return [{ id, role: turn.role, content, createdAt: turn.createdAt, score: 0 }];
      });
      const passages = block.passageIds.flatMap((id) => input.passageById?.(id) ?? []);
      const text = renderTurnBlock(turns, passages);
      if (text.length > 0) messages.push({ role: "system", content: text });
    }
    messages.push({ role: message.role, content: message.content });
    previousId = message.id;
  }
  return { messages, recalledIds };
}

interface FilledBlock {
  text: string;
  recalled: ContextRecalledTurn[];
  passages: ContextPassage[];
  /** Candidates that did not fit. */
  left: string[];
}

/** Best first until the room is used; shown in time order (recalled) and rank order (passages). */
function fillBlock(candidates: readonly ContextRecalledTurn[], passages: readonly ContextPassage[], room: number, overhead: number, counter: TokenCounter): FilledBlock {
  const ranked = candidates.toSorted((left, right) => right.score - left.score);
  const rankedPassages = passages.filter((passage) => passage.text.trim().length > 0).toSorted((left, right) => right.score - left.score);
  const recalled: ContextRecalledTurn[] = [];
  const kept: ContextPassage[] = [];
  const left: string[] = [];
  const inTimeOrder = (): ContextRecalledTurn[] => recalled.toSorted((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
  // Greedy on per-line counts (each line is counted once and memoised by the counter), not on
  // the whole block re-rendered and re-tokenised for every candidate: this runs on every reply.
  const sectionCost = (heading: string): number => counter.count(heading) + 2;
  let estimate = overhead;
  const tryAdd = (lineTokens: number, opensSection: string | null): boolean => {
    const added = lineTokens + 1 + (opensSection === null ? 0 : sectionCost(opensSection));
    if (estimate + added > room) return false;
    estimate += added;
    return true;
  };
  // As many passages as the caller ranked (the server's passages-per-question) while they fit.
  for (const passage of rankedPassages) {
    if (tryAdd(counter.count(renderPassage(passage, kept.length + 1)), kept.length === 0 ? contextSectionHeadings.passages : null)) kept.push(passage);
  }
  for (const turn of ranked) {
    if (tryAdd(counter.count(renderRecalledTurn(turn)), recalled.length === 0 ? contextSectionHeadings.recalled : null)) recalled.push(turn);
    else left.push(turn.id);
  }
  // One exact count of the whole block; joining lines can cost a little more than their sum.
  while (counter.count(renderTurnBlock(inTimeOrder(), kept)) + overhead > room && (recalled.length > 0 || kept.length > 0)) {
    const dropped = recalled.pop();
    if (dropped !== undefined) left.push(dropped.id);
    else kept.pop();
  }
  const ordered = inTimeOrder();
  return { text: renderTurnBlock(ordered, kept), recalled: ordered, passages: kept, left };
}

/** The limit a neighbour was clipped at, so the next turn clips it the same way; null when it went in whole. */
function clippedTo(turn: ContextRecalledTurn | undefined, input: TurnPromptInput, tuning: LayoutTuning): number | null {
  if (turn === undefined) return null;
  const whole = input.turnById(turn.id);
  return whole === undefined || whole.content === turn.content ? null : tuning.neighbourMaxCharacters;
}

function describeContinuedLayers(state: {
  systemPrompt: string;
  messages: readonly PromptMessage[];
  frame: { episodes: readonly ContextEpisode[]; profile: readonly ContextProfileFact[]; summaryText: string | null; summaryCoveredIds: readonly string[] };
  stretchIds: string[];
  earlierRecalled: string[];
  block: FilledBlock;
  overhead: number;
  counter: TokenCounter;
}): LayerUsage[] {
  const { counter, frame, overhead } = state;
  const section = (heading: string, body: string): number => (body.length === 0 ? 0 : counter.count(`${heading}\n${body}`));
  const system = state.systemPrompt.trim().length > 0 ? counter.count(state.systemPrompt) + overhead : 0;
  const frameTokens = [
    section(contextSectionHeadings.episodic, frame.episodes.map(renderEpisode).join("\n")),
    section(contextSectionHeadings.profile, frame.profile.map(renderProfileFact).join("\n")),
    section(contextSectionHeadings.summary, frame.summaryText ?? ""),
  ];
  // Each memory message's own overhead is charged to its first section, as the assembly does.
  const firstFrame = frameTokens.findIndex((tokens) => tokens > 0);
  if (firstFrame >= 0) frameTokens[firstFrame] = (frameTokens[firstFrame] ?? 0) + overhead;
  const recalled = section(contextSectionHeadings.recalled, state.block.recalled.map(renderRecalledTurn).join("\n"));
  const passages = state.block.passages.length > 0 ? counter.count(renderTurnBlock([], state.block.passages)) : 0;
  const blockOverhead = state.block.text.length > 0 ? overhead : 0;
  const user = counter.count(state.messages.at(-1)?.content ?? "") + overhead;
  const total = state.messages.reduce((sum, message) => sum + counter.count(message.content) + overhead, 0);
  const [episodic = 0, profile = 0, summary = 0] = frameTokens;
  const buffer = Math.max(0, total - system - episodic - profile - summary - recalled - passages - blockOverhead - user);
  return [
    { layer: "system", tokens: system, ids: [] },
    { layer: "episodic", tokens: episodic, ids: frame.episodes.map((episode) => episode.id) },
    { layer: "profile", tokens: profile, ids: frame.profile.map((fact) => fact.id) },
    { layer: "summary", tokens: summary, ids: frame.summaryText === null ? [] : [...frame.summaryCoveredIds] },
    { layer: "recalled", tokens: recalled + (recalled > 0 ? blockOverhead : 0), ids: state.block.recalled.map((turn) => turn.id) },
    { layer: "passages", tokens: passages + (recalled > 0 ? 0 : blockOverhead), ids: state.block.passages.map((passage) => passage.id) },
    // The chat since the anchor, with what earlier turns recalled where it was read.
    { layer: "buffer", tokens: buffer, ids: [...state.stretchIds, ...state.earlierRecalled] },
    { layer: "user", tokens: user, ids: [] },
  ];
}
