import {
  contextSectionHeadings,
  renderEpisode,
  renderPassage,
  renderProfileFact,
  renderRecalledTurn,
  replyCutMarker,
  summaryShortenedMarker,
  type ContextEpisode,
  type ContextPassage,
  type ContextProfileFact,
  type ContextRecalledTurn,
  type ContextSectionLayer,
  type ContextSummary,
} from "./context-sections.ts";
import type { MemoryMessage, PromptMessage, TokenCounter } from "./ports.ts";
import { splitSentences, splitWords } from "./sentences.ts";
import { selectWorkingBuffer } from "./working-buffer.ts";

/** Chat templates wrap every message in a few tokens of their own (role markers, separators). */
export const defaultMessageOverheadTokens = 4;

/** The design's "top 3-5 chunks": start from five and step down when the budget is tight. */
export const defaultPassageLimit = 5;

export type ContextLayer = "system" | ContextSectionLayer | "buffer" | "user";

/** Every layer, in the order the model sees them. */
export const contextLayers: readonly ContextLayer[] = ["system", "episodic", "profile", "summary", "recalled", "passages", "buffer", "user"];

export interface MemoryContextInput {
  systemPrompt: string;
  /** The user's last finished chats (the caller picks 2-3). */
  episodes: readonly ContextEpisode[];
  profile: readonly ContextProfileFact[];
  summary: ContextSummary | null;
  /** Older turns that match the user's message, any order; higher score is more relevant. */
  recalled: readonly ContextRecalledTurn[];
  /** Document chunks, any order; higher score is more relevant. */
  passages: readonly ContextPassage[];
  /** The chat's recent messages, oldest first; the last `bufferSize` non-empty ones are used. */
  buffer: readonly MemoryMessage[];
  userMessage: string;
  budgetTokens: number;
  bufferSize: number;
  passageLimit?: number;
  messageOverheadTokens?: number;
  /**
   * Where recalled turns and document passages go. "sections-first" (the layout before the
   * prompt-cache work): in the memory message after the system prompt. "turn-last": in a
   * message of their own right before the user's message, so the chat before them stays a
   * stable prefix that Ollama can serve from its cache (see prompt-layout.ts).
   */
  placement?: MemoryPlacement;
  /** A cap on the working buffer's tokens, applied before anything else is trimmed (never below the last exchange). */
  bufferMaxTokens?: number;
}

export type MemoryPlacement = "sections-first" | "turn-last";

/** The layers that describe this turn rather than the conversation: they sit last in "turn-last". */
const turnLayers: ReadonlySet<ContextLayer> = new Set(["recalled", "passages"]);

export interface LayerUsage {
  layer: ContextLayer;
  tokens: number;
  /** What the layer drew on: episode, fact, message or passage ids (the summary reports the messages it covers). */
  ids: string[];
}

export interface TrimmedPart {
  layer: ContextLayer;
  what: string;
  /** Ids of what was dropped (or shortened). */
  ids: string[];
  why: string;
}

export interface MemoryContext {
  messages: PromptMessage[];
  /** Every layer in prompt order, empty ones with zero tokens; figures are per-piece estimates. */
  layers: LayerUsage[];
  /** The assembled messages counted as a whole, each with its overhead. */
  totalTokens: number;
  budgetTokens: number;
  /** What was cut to fit, in the order it was cut. */
  trimmed: TrimmedPart[];
  /** True only when even the minimum (system prompt, last exchange, user message) does not fit. */
  overBudget: boolean;
  /** The running summary as it went into the prompt (shortened, with its marker), or null. */
  summaryText: string | null;
  /** Whether the last reply's beginning had to be cut. */
  replyCut: boolean;
}

interface Piece {
  id: string;
  text: string;
  tokens: number;
  /** Where the piece appears in the prompt, which can differ from the order it is kept in. */
  position: number;
}

/** A layer that shrinks by dropping pieces from the end of its keep order. */
interface TrimmableLayer {
  layer: ContextLayer;
  pieces: Piece[];
  /** prefixTokens[n] is the token count of the first n pieces. */
  prefixTokens: number[];
  kept: number;
  floor: number;
  heading: string;
  /** Charged while anything is kept (a section heading). */
  headingTokens: number;
  /** Charged while the layer is cut short but not empty (a visible marker). */
  markerTokens: number;
  /** The allowed sizes when it does not shrink one piece at a time. */
  steps: readonly number[] | null;
  overageAtFirstTrim: number | null;
}

/**
 * Builds the prompt for one turn from every memory layer under one token budget, and says
 * what it used and what it cut. Pure: the caller fetches the layers and counts nothing itself.
 */
export function assembleMemoryContext(input: MemoryContextInput, tokenCounter: TokenCounter): MemoryContext {
  const overhead = input.messageOverheadTokens ?? defaultMessageOverheadTokens;
  const passageLimit = input.passageLimit ?? defaultPassageLimit;
  requireWholeNumber("budgetTokens", input.budgetTokens, 1);
  requireWholeNumber("passageLimit", passageLimit, 0);
  requireWholeNumber("messageOverheadTokens", overhead, 0);

  // Each distinct text is counted once per call, however many trim rounds look at it.
  const counts = new Map<string, number>();
  const count = (text: string): number => {
    let tokens = counts.get(text);
    if (tokens === undefined) {
      tokens = tokenCounter.count(text);
      counts.set(text, tokens);
    }
    return tokens;
  };
  const toPiece = (id: string, text: string, position: number, extra = 0): Piece => ({ id, text, tokens: count(text) + extra, position });

  const buffer = selectWorkingBuffer(input.buffer, { size: input.bufferSize });
  const bufferIds = new Set(buffer.map((message) => message.id));
  const exchangeStart = lastExchangeStart(buffer);

  const episodes = input.episodes
    .filter((episode) => episode.summary.trim().length > 0 || episode.facts.some((fact) => fact.trim().length > 0))
    .toSorted((left, right) => left.createdAt.getTime() - right.createdAt.getTime());
  // Recalled turns are shown in time order but dropped lowest score first (ties: the caller's rank).
  const recalled = input.recalled.filter((turn) => !bufferIds.has(turn.id) && turn.content.trim().length > 0);
  const recalledPositions = new Map(
    recalled.toSorted((left, right) => left.createdAt.getTime() - right.createdAt.getTime()).map((turn, position) => [turn, position]),
  );
  const summarySentences = input.summary === null ? [] : splitSentences(input.summary.text.trim());

  const sectionLayer = (layer: ContextSectionLayer, pieces: Piece[], extra: Partial<TrimmableLayer> = {}): TrimmableLayer =>
    createLayer(layer, pieces, { heading: contextSectionHeadings[layer], headingTokens: count(contextSectionHeadings[layer]), ...extra });

  const episodic = sectionLayer(
    "episodic",
    episodes.map((episode, position) => toPiece(episode.id, renderEpisode(episode), position)).reverse(),
  );
  const profile = sectionLayer(
    "profile",
    input.profile.filter((fact) => fact.value.trim().length > 0).map((fact, position) => toPiece(fact.id, renderProfileFact(fact), position)),
  );
  const summary = sectionLayer(
    "summary",
    summarySentences.map((sentence, position) => toPiece(`sentence-${position}`, sentence, position)),
    { markerTokens: count(summaryShortenedMarker) },
  );
  const recall = sectionLayer(
    "recalled",
    recalled
      .toSorted((left, right) => right.score - left.score)
      .map((turn) => toPiece(turn.id, renderRecalledTurn(turn), recalledPositions.get(turn) ?? 0)),
  );
  const rankedPassages = input.passages
    .filter((passage) => passage.text.trim().length > 0)
    .toSorted((left, right) => right.score - left.score)
    .slice(0, passageLimit);
  const passages = sectionLayer(
    "passages",
    rankedPassages.map((passage, rank) => toPiece(passage.id, renderPassage(passage, rank + 1), rank)),
    { steps: [3, 1, 0] },
  );
  const sections = [episodic, profile, summary, recall, passages];

  const bufferLayer = createLayer(
    "buffer",
    buffer.map((message, position) => toPiece(message.id, message.content, position, overhead)).reverse(),
    { floor: buffer.length - exchangeStart },
  );
  const reply = findLastReply(buffer);
  // The reply's tail is kept: older sentences go first, then words of its last sentence, always behind a marker.
  const replyTail =
    reply === null
      ? null
      : createLayer(
          "buffer",
          replyUnits(reply.content)
            .map((unit, position) => toPiece(`unit-${position}`, unit, position))
            .reverse(),
          { markerTokens: count(replyCutMarker) },
        );

  const hasSystemPrompt = input.systemPrompt.trim().length > 0;
  const systemTokens = hasSystemPrompt ? count(input.systemPrompt) + overhead : 0;
  const userTokens = count(input.userMessage) + overhead;

  const replyDelta = (): number => {
    if (replyTail === null || replyTail.kept === replyTail.pieces.length) return 0;
    return replyTail.markerTokens + at(replyTail.prefixTokens, replyTail.kept) - at(replyTail.prefixTokens, replyTail.pieces.length);
  };
  const placement = input.placement ?? "sections-first";
  const messageGroups: TrimmableLayer[][] =
    placement === "sections-first" ? [sections] : [sections.filter((layer) => !turnLayers.has(layer.layer)), sections.filter((layer) => turnLayers.has(layer.layer))];
  const memoryMessages = (): number => messageGroups.filter((group) => group.some((layer) => layer.kept > 0)).length;
  const estimate = (): number =>
    systemTokens +
    userTokens +
    sections.reduce((sum, layer) => sum + layerTokens(layer), 0) +
    memoryMessages() * overhead +
    layerTokens(bufferLayer) +
    replyDelta();

  const trimOrder = [passages, recall, summary, episodic, profile, bufferLayer, ...(replyTail === null ? [] : [replyTail])];
  if (input.bufferMaxTokens !== undefined) {
    requireWholeNumber("bufferMaxTokens", input.bufferMaxTokens, 0);
    while (layerTokens(bufferLayer) > input.bufferMaxTokens) {
      const next = nextKept(bufferLayer);
      if (next === null) break;
      bufferLayer.overageAtFirstTrim ??= layerTokens(bufferLayer) - input.bufferMaxTokens;
      bufferLayer.kept = next;
    }
  }
  const trimTo = (target: number): void => {
    for (const layer of trimOrder) {
      let total = estimate();
      while (total > target) {
        const next = nextKept(layer);
        if (next === null) break;
        layer.overageAtFirstTrim ??= total - target;
        layer.kept = next;
        total = estimate();
      }
    }
  };

  const render = (): PromptMessage[] => {
    const messages: PromptMessage[] = [];
    if (hasSystemPrompt) messages.push({ role: "system", content: input.systemPrompt });
    const [frameGroup = [], turnGroup = []] = messageGroups;
    const frame = renderSections(frameGroup);
    if (frame.length > 0) messages.push({ role: "system", content: frame });
    for (const message of keptInPromptOrder(bufferLayer).map((piece) => buffer[piece.position])) {
      if (message === undefined) continue;
      const content = message === reply && replyTail !== null ? renderReply(replyTail) : message.content;
      messages.push({ role: message.role, content });
    }
    const turn = renderSections(turnGroup);
    if (turn.length > 0) messages.push({ role: "system", content: turn });
    messages.push({ role: "user", content: input.userMessage });
    return messages;
  };
  const measure = (messages: readonly PromptMessage[]): number => messages.reduce((sum, message) => sum + count(message.content) + overhead, 0);

  // Trim on cheap per-piece estimates, then check the whole prompt once; if joining pieces
  // cost more than their sum, trim further by the difference and check again.
  let correction = 0;
  let messages: PromptMessage[];
  let totalTokens: number;
  for (;;) {
    trimTo(input.budgetTokens - correction);
    messages = render();
    totalTokens = measure(messages);
    const estimated = estimate();
    if (totalTokens <= input.budgetTokens || estimated > input.budgetTokens - correction) break;
    correction = Math.max(correction + 1, totalTokens - estimated);
  }

  const layers = describeLayers({ systemTokens, userTokens, overhead, sections, messageGroups, bufferLayer, replyDelta: replyDelta(), summary: input.summary });
  const trimmed = describeTrims({ passages, recall, summary, episodic, profile, bufferLayer, replyTail, reply, coveredIds: input.summary?.coveredMessageIds ?? [], budget: input.budgetTokens });
  return {
    messages,
    layers,
    totalTokens,
    budgetTokens: input.budgetTokens,
    trimmed,
    overBudget: totalTokens > input.budgetTokens,
    summaryText: summary.kept > 0 ? renderSectionBody(summary) : null,
    replyCut: replyTail !== null && replyTail.kept < replyTail.pieces.length,
  };
}

function renderSections(layers: readonly TrimmableLayer[]): string {
  return layers
    .filter((layer) => layer.kept > 0)
    .map((layer) => `${layer.heading}\n${renderSectionBody(layer)}`)
    .join("\n\n");
}

/** Counts messages the way the assembly does: content plus a per-message overhead. */
export function measurePromptTokens(messages: readonly PromptMessage[], tokenCounter: TokenCounter, messageOverheadTokens = defaultMessageOverheadTokens): number {
  return messages.reduce((sum, message) => sum + tokenCounter.count(message.content) + messageOverheadTokens, 0);
}

/**
 * Where the last exchange starts: the last user message that got an answer, so the model
 * always sees what it said last and what it answered to. Anything after it is kept too.
 */
function lastExchangeStart(buffer: readonly MemoryMessage[]): number {
  const lastAssistant = buffer.findLastIndex((message) => message.role === "assistant");
  if (lastAssistant >= 0) {
    const userBefore = buffer.slice(0, lastAssistant).findLastIndex((message) => message.role === "user");
    return userBefore >= 0 ? userBefore : lastAssistant;
  }
  const lastUser = buffer.findLastIndex((message) => message.role === "user");
  return lastUser >= 0 ? lastUser : Math.max(0, buffer.length - 1);
}

/** The last exchange always holds the last assistant reply, when there is one. */
function findLastReply(buffer: readonly MemoryMessage[]): MemoryMessage | null {
  return buffer.findLast((message) => message.role === "assistant") ?? null;
}

/** Whole sentences first; the last sentence in words so a single huge sentence can still shrink. */
function replyUnits(content: string): string[] {
  const sentences = splitSentences(content);
  const last = sentences.pop();
  return last === undefined ? [] : [...sentences, ...splitWords(last)];
}

function createLayer(layer: ContextLayer, pieces: Piece[], options: Partial<TrimmableLayer> = {}): TrimmableLayer {
  const prefixTokens = [0];
  for (const piece of pieces) prefixTokens.push(at(prefixTokens, prefixTokens.length - 1) + piece.tokens);
  return {
    layer,
    pieces,
    prefixTokens,
    kept: pieces.length,
    floor: 0,
    heading: "",
    headingTokens: 0,
    markerTokens: 0,
    steps: null,
    overageAtFirstTrim: null,
    ...options,
  };
}

function layerTokens(layer: TrimmableLayer): number {
  if (layer.kept === 0) return 0;
  const marker = layer.kept < layer.pieces.length ? layer.markerTokens : 0;
  return layer.headingTokens + at(layer.prefixTokens, layer.kept) + marker;
}

function nextKept(layer: TrimmableLayer): number | null {
  const next = layer.steps === null ? layer.kept - 1 : layer.steps.find((size) => size < layer.kept);
  return next === undefined || next < layer.floor ? null : next;
}

function keptInPromptOrder(layer: TrimmableLayer): Piece[] {
  return layer.pieces.slice(0, layer.kept).toSorted((left, right) => left.position - right.position);
}

function renderSectionBody(layer: TrimmableLayer): string {
  const pieces = keptInPromptOrder(layer);
  if (layer.layer !== "summary") return pieces.map((piece) => piece.text).join("\n");
  const text = pieces.map((piece) => piece.text).join("").trimEnd();
  return layer.kept < layer.pieces.length ? `${text} ${summaryShortenedMarker}` : text;
}

function renderReply(replyTail: TrimmableLayer): string {
  const tail = keptInPromptOrder(replyTail).map((piece) => piece.text).join("");
  if (replyTail.kept === replyTail.pieces.length) return tail;
  return `${replyCutMarker}${tail.trimStart()}`.trimEnd();
}

function describeLayers(state: {
  systemTokens: number;
  userTokens: number;
  overhead: number;
  sections: readonly TrimmableLayer[];
  messageGroups: readonly (readonly TrimmableLayer[])[];
  bufferLayer: TrimmableLayer;
  replyDelta: number;
  summary: ContextSummary | null;
}): LayerUsage[] {
  // Each memory message's own overhead is charged to its first section.
  const firstSections = new Set(state.messageGroups.map((group) => group.find((layer) => layer.kept > 0)));
  const usage: LayerUsage[] = [{ layer: "system", tokens: state.systemTokens, ids: [] }];
  for (const layer of state.sections) {
    const tokens = layerTokens(layer) + (firstSections.has(layer) ? state.overhead : 0);
    const ids = layer.layer === "summary" ? (layer.kept > 0 ? [...(state.summary?.coveredMessageIds ?? [])] : []) : keptInPromptOrder(layer).map((piece) => piece.id);
    usage.push({ layer: layer.layer, tokens, ids });
  }
  usage.push({ layer: "buffer", tokens: layerTokens(state.bufferLayer) + state.replyDelta, ids: keptInPromptOrder(state.bufferLayer).map((piece) => piece.id) });
  usage.push({ layer: "user", tokens: state.userTokens, ids: [] });
  return usage;
}

function describeTrims(state: {
  passages: TrimmableLayer;
  recall: TrimmableLayer;
  summary: TrimmableLayer;
  episodic: TrimmableLayer;
  profile: TrimmableLayer;
  bufferLayer: TrimmableLayer;
  replyTail: TrimmableLayer | null;
  reply: MemoryMessage | null;
  coveredIds: readonly string[];
  budget: number;
}): TrimmedPart[] {
  const trimmed: TrimmedPart[] = [];
  const add = (layer: TrimmableLayer, what: string, ids: string[]): void => {
    if (layer.kept === layer.pieces.length) return;
    trimmed.push({ layer: layer.layer, what, ids, why: `the prompt was ${layer.overageAtFirstTrim ?? 0} tokens over its budget of ${state.budget}` });
  };
  const dropped = (layer: TrimmableLayer): string[] => layer.pieces.slice(layer.kept).map((piece) => piece.id);
  const { passages, recall, summary, episodic, profile, bufferLayer, replyTail } = state;

  add(passages, `kept ${passages.kept} of ${passages.pieces.length} document passages (lowest ranked dropped)`, dropped(passages));
  add(recall, `dropped ${recall.pieces.length - recall.kept} of ${recall.pieces.length} recalled turns (lowest scores first)`, dropped(recall));
  if (summary.kept === 0) add(summary, "dropped the running summary", [...state.coveredIds]);
  else add(summary, `shortened the running summary to ${summary.kept} of ${summary.pieces.length} sentences`, []);
  add(episodic, `dropped ${episodic.pieces.length - episodic.kept} of ${episodic.pieces.length} earlier chats (oldest first)`, dropped(episodic));
  add(profile, `dropped ${profile.pieces.length - profile.kept} of ${profile.pieces.length} profile facts`, dropped(profile));
  add(bufferLayer, `dropped ${bufferLayer.pieces.length - bufferLayer.kept} of ${bufferLayer.pieces.length} buffer messages (oldest first)`, dropped(bufferLayer));
  if (replyTail !== null && state.reply !== null) add(replyTail, "cut the beginning of the last assistant reply", [state.reply.id]);
  return trimmed;
}

function at(values: readonly number[], index: number): number {
  const value = values[index];
  if (value === undefined) throw new RangeError(`No value at ${index}.`);
  return value;
}

function requireWholeNumber(name: string, value: number, minimum: number): void {
  if (!Number.isInteger(value) || value < minimum) {
    throw new RangeError(`${name} must be a whole number of at least ${minimum}; got ${value}.`);
  }
}
