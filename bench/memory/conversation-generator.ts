import { createValueDrawer } from "./fact-values.ts";
import { followUpFor, openerFor, replyFor, startThread, type FillerThread } from "./filler.ts";
import { blueprintFactories, plainQuestionTypes, questionTypes, type BlueprintFactory, type FactBlueprint, type QuestionType } from "./planted-facts.ts";
import { createRandom, type Random } from "./random.ts";
import { withExtras } from "./realistic-facts.ts";

export { plainQuestionTypes, questionTypes, type QuestionType } from "./planted-facts.ts";

/**
 * "realistic" makes sets about as hard as real chats (the memory benchmark's reference options ask for it): questions that share no
 * word with their evidence, assistants restating facts in other words, distractor turns that
 * share a question's words, facts given as answers to the assistant's question, relative
 * dates and open-ended requests (see realistic-facts.ts). "plain" (the default, so callers that
 * do not ask keep their sets) is the generator as it was: six types, every question sharing a
 * word with its evidence; the same seed gives the same set.
 */
export type ConversationStyle = "realistic" | "plain";

export interface ConversationSetOptions {
  seed: number;
  sessions: number;
  /** Exchanges (one user turn and its reply) per session, both bounds included. */
  turnsPerSession: readonly [min: number, max: number];
  startDate: Date;
  questionCount: number;
  /** Default "plain". */
  style?: ConversationStyle;
}

export interface GeneratedMessage {
  id: string;
  sessionId: string;
  role: "user" | "assistant";
  content: string;
  createdAt: Date;
}

export interface GeneratedSession {
  id: string;
  startedAt: Date;
  messages: GeneratedMessage[];
}

export interface GeneratedQuestion {
  id: string;
  type: QuestionType;
  /** Which planted fact the question probes; a fact may be asked about more than once. */
  factKey: string;
  askedInSessionId: string;
  /** The question is a probe, not a message: the history is every message created before this instant. */
  askedAt: Date;
  text: string;
  /** User turns that hold the answer; a context is complete when all of them are in it. */
  evidenceMessageIds: string[];
  /** For changed facts, the turns with outdated values (a context with only these answers wrongly). */
  supersededMessageIds: string[];
  /** Two-fact answers join both parts with "; ". */
  answer: string;
  /**
   * "shared-word": the question shares a content word with every evidence turn; "no-shared-word":
   * with none of them (paraphrases, answers to the assistant's question, most open-ended requests).
   */
  wording: "shared-word" | "no-shared-word";
}

export interface ConversationSet {
  userId: string;
  sessions: GeneratedSession[];
  questions: GeneratedQuestion[];
}

interface Slot {
  session: number;
  exchange: number;
}

interface PlacedFact {
  blueprint: FactBlueprint;
  slots: Slot[];
  statements: string[];
  answer: string;
}

/** Realistic sets only: what goes in the turns around the facts. */
interface Surroundings {
  /** Assistant questions appended to the reply of an exchange, by slot. */
  prompts: Map<string, string>;
  /** Distractor user turns, by slot. */
  distractors: Map<string, string>;
  /** Echoing acknowledgements a statement's reply may use, by slot. */
  echoes: Map<string, readonly string[]>;
}

const minute = 60_000;
const day = 86_400_000;
/** A same-session question needs this many exchanges after its evidence, so the evidence has usually left a working buffer. */
const sameSessionGap = 8;
const connectors = ["", "Anyway. ", "Different topic. ", "Separate question. ", "Unrelated, but one more thing. "];
const acknowledgements = ["Noted, thanks for telling me.", "Got it, I'll keep that in mind.", "Thanks for sharing that.", "Good to know!", "Understood.", "Thanks, that's useful context."];
const invitations = ["How are you feeling about it?", "Anything I can help with there?", "Want to talk it through?"];

export function generateConversationSet(options: ConversationSetOptions): ConversationSet {
  const style = options.style ?? "plain";
  const types = style === "plain" ? plainQuestionTypes : questionTypes;
  validate(options, types);
  const random = createRandom(options.seed);
  const drawer = createValueDrawer(random);
  const exchangeCounts = Array.from({ length: options.sessions }, () => random.integer(options.turnsPerSession[0], options.turnsPerSession[1]));
  const chosen = chooseBlueprints(options.questionCount, random, types).map((factory) => factory(drawer));
  const blueprints = style === "plain" ? chosen : chosen.map(withExtras);
  if (style === "realistic") return generateRealistic(options, random, exchangeCounts, blueprints);
  // At most half the turns that can hold evidence carry a fact, so the chats stay mostly everyday talk.
  const statementCount = blueprints.reduce((total, blueprint) => total + blueprint.statementCount, 0);
  const evidenceTurns = exchangeCounts.slice(0, -1).reduce((total, count) => total + count, 0);
  if (statementCount > evidenceTurns / 2) throw new RangeError(`Too few turns for ${options.questionCount} questions: ${statementCount} planted statements need at least ${statementCount * 2} turns before the last session. Add sessions or turns.`);

  const occupied = new Set<string>();
  const placements = blueprints.map((blueprint) => placeStatements(blueprint, exchangeCounts, occupied, random));
  const timeline = buildTimeline(exchangeCounts, options.startDate, random);
  const facts: PlacedFact[] = blueprints.map((blueprint, index) => {
    const slots = placements[index]!;
    const rendered = blueprint.render(slots.map((slot) => timeline.userTimes[slot.session]![slot.exchange]!));
    return { blueprint, slots, ...rendered };
  });

  const sessions = writeSessions(exchangeCounts, timeline, facts, random);
  const questions = askQuestions(options.questionCount, facts, sessions, exchangeCounts, random);
  return { userId: `user-${options.seed}`, sessions, questions };
}

function validate(options: ConversationSetOptions, types: readonly QuestionType[]): void {
  const [min, max] = options.turnsPerSession;
  if (!Number.isInteger(options.sessions) || options.sessions < 3) throw new RangeError("Need at least 3 sessions so facts can change and be asked about later.");
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 2 || max < min) throw new RangeError("turnsPerSession must be integers with 2 <= min <= max.");
  if (!Number.isInteger(options.questionCount) || options.questionCount < types.length) throw new RangeError(`Need at least ${types.length} questions, one per type.`);
  if (Number.isNaN(options.startDate.getTime())) throw new RangeError("startDate is not a valid date.");
}

function countFactories(types: readonly QuestionType[]): number {
  return types.reduce((total, type) => total + blueprintFactories[type].length, 0);
}

/** Round-robin over the types so every type is present as soon as there is one question per type. */
function chooseBlueprints(questionCount: number, random: Random, types: readonly QuestionType[]): BlueprintFactory[] {
  const queues = types.map((type) => random.shuffle(blueprintFactories[type]));
  const chosen: BlueprintFactory[] = [];
  const wanted = Math.min(questionCount, countFactories(types));
  for (let round = 0; chosen.length < wanted; round += 1) {
    for (const queue of queues) {
      const factory = queue[round];
      if (factory && chosen.length < wanted) chosen.push(factory);
    }
  }
  return chosen;
}

/** Evidence never sits in the last session, so every fact can be asked about in a later chat. */
function placeStatements(blueprint: FactBlueprint, exchangeCounts: number[], occupied: Set<string>, random: Random): Slot[] {
  const lastEvidenceSession = exchangeCounts.length - 2;
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const sessions =
      blueprint.type === "changed-fact"
        ? random.shuffle(range(lastEvidenceSession + 1)).slice(0, blueprint.statementCount).sort((left, right) => left - right)
        : Array.from({ length: blueprint.statementCount }, () => random.integer(0, lastEvidenceSession));
    const slots: Slot[] = [];
    for (const session of sessions) {
      const free = range(exchangeCounts[session]!).filter((exchange) => !occupied.has(slotKey({ session, exchange })) && !slots.some((slot) => slot.session === session && slot.exchange === exchange));
      if (free.length === 0) break;
      slots.push({ session, exchange: random.pick(free) });
    }
    if (slots.length === blueprint.statementCount) {
      for (const slot of slots) occupied.add(slotKey(slot));
      return slots;
    }
  }
  throw new RangeError(`Could not place the statements for "${blueprint.key}": add sessions or turns.`);
}

interface Timeline {
  startTimes: Date[];
  userTimes: Date[][];
  assistantTimes: Date[][];
}

/** Chats a day to a few weeks apart, messages minutes apart, replies seconds after the question. */
function buildTimeline(exchangeCounts: number[], startDate: Date, random: Random): Timeline {
  const timeline: Timeline = { startTimes: [], userTimes: [], assistantTimes: [] };
  let cursor = startDate.getTime();
  exchangeCounts.forEach((count, session) => {
    if (session > 0) {
      const roll = random.next();
      const gapDays = roll < 0.7 ? random.integer(1, 4) : roll < 0.95 ? random.integer(5, 10) : random.integer(14, 21);
      // Counted from the last message, so a chat that ran past midnight still leaves a calendar day between chats.
      const nextChat = new Date(cursor + gapDays * day);
      nextChat.setUTCHours(random.integer(7, 21), random.integer(0, 59), random.integer(0, 59), 0);
      cursor = nextChat.getTime();
    }
    timeline.startTimes.push(new Date(cursor));
    const users: Date[] = [];
    const assistants: Date[] = [];
    for (let exchange = 0; exchange < count; exchange += 1) {
      if (exchange > 0) cursor += random.integer(1, 6) * minute + random.integer(0, 59) * 1000;
      users.push(new Date(cursor));
      cursor += random.integer(8, 60) * 1000;
      assistants.push(new Date(cursor));
    }
    timeline.userTimes.push(users);
    timeline.assistantTimes.push(assistants);
  });
  return timeline;
}

function writeSessions(exchangeCounts: number[], timeline: Timeline, facts: PlacedFact[], random: Random): GeneratedSession[] {
  const statementAt = new Map<string, string>();
  for (const fact of facts) fact.slots.forEach((slot, index) => statementAt.set(slotKey(slot), fact.statements[index]!));

  return exchangeCounts.map((count, session) => {
    const sessionId = sessionIdFor(session);
    const messages: GeneratedMessage[] = [];
    let thread: FillerThread = startThread(random);
    for (let exchange = 0; exchange < count; exchange += 1) {
      const statement = statementAt.get(slotKey({ session, exchange }));
      let userText: string;
      let assistantText: string;
      if (statement !== undefined) {
        // Facts usually come up in passing, on the way to asking for something else.
        if (random.chance(0.4)) {
          thread = startThread(random);
          userText = `${statement} ${random.pick(connectors)}${openerFor(thread, random)}`;
          assistantText = `${random.pick(acknowledgements)}\n\n${replyFor(thread, random)}`;
        } else {
          userText = statement;
          assistantText = random.chance(0.4) ? `${random.pick(acknowledgements)} ${random.pick(invitations)}` : random.pick(acknowledgements);
        }
      } else if (exchange === 0 || random.chance(0.25)) {
        thread = startThread(random);
        userText = openerFor(thread, random);
        assistantText = replyFor(thread, random);
      } else {
        userText = followUpFor(thread, random);
        assistantText = replyFor(thread, random);
      }
      const index = messages.length;
      messages.push(
        { id: messageIdFor(session, index), sessionId, role: "user", content: userText, createdAt: timeline.userTimes[session]![exchange]! },
        { id: messageIdFor(session, index + 1), sessionId, role: "assistant", content: assistantText, createdAt: timeline.assistantTimes[session]![exchange]! },
      );
    }
    return { id: sessionId, startedAt: timeline.startTimes[session]!, messages };
  });
}

function askQuestions(questionCount: number, facts: PlacedFact[], sessions: GeneratedSession[], exchangeCounts: number[], random: Random): GeneratedQuestion[] {
  const questions = Array.from({ length: questionCount }, (_, index): Omit<GeneratedQuestion, "id"> => {
    const fact = facts[index % facts.length]!;
    const round = Math.floor(index / facts.length);
    const last = fact.slots.reduce((latest, slot) => (compareSlots(slot, latest) > 0 ? slot : latest));
    // A question is asked before the exchange at `position`: the chat already holds `position` exchanges.
    const { session, position } = chooseQuestionPoint(fact.blueprint.type, last, exchangeCounts, random);
    const previousReply = sessions[session]!.messages[position * 2 - 1]!;
    const evidence = fact.slots.map((slot) => messageIdFor(slot.session, slot.exchange * 2));
    const changed = fact.blueprint.type === "changed-fact";
    return {
      type: fact.blueprint.type,
      factKey: fact.blueprint.key,
      askedInSessionId: sessions[session]!.id,
      askedAt: new Date(previousReply.createdAt.getTime() + 20_000),
      text: fact.blueprint.questions[(round + random.integer(0, 1)) % fact.blueprint.questions.length]!,
      evidenceMessageIds: changed ? evidence.slice(-1) : evidence,
      supersededMessageIds: changed ? evidence.slice(0, -1) : [],
      answer: fact.answer,
      wording: "shared-word",
    };
  });
  return questions
    .sort((left, right) => left.askedAt.getTime() - right.askedAt.getTime())
    .map((question, index) => ({ id: `question-${String(index + 1).padStart(3, "0")}`, ...question }));
}

function chooseQuestionPoint(type: QuestionType, last: Slot, exchangeCounts: number[], random: Random): { session: number; position: number } {
  const sameSessionAllowed = type !== "earlier-chat" && type !== "changed-fact";
  const lastCount = exchangeCounts[last.session]!;
  if (sameSessionAllowed && last.exchange + sameSessionGap < lastCount && random.chance(0.2)) {
    return { session: last.session, position: random.integer(last.exchange + sameSessionGap + 1, lastCount) };
  }
  const session = random.integer(last.session + 1, exchangeCounts.length - 1);
  return { session, position: random.integer(1, exchangeCounts[session]!) };
}

function compareSlots(left: Slot, right: Slot): number {
  return left.session - right.session || left.exchange - right.exchange;
}

function range(length: number): number[] {
  return Array.from({ length }, (_, index) => index);
}

function slotKey(slot: Slot): string {
  return `${slot.session}:${slot.exchange}`;
}

function sessionIdFor(session: number): string {
  return `session-${String(session + 1).padStart(3, "0")}`;
}

function messageIdFor(session: number, index: number): string {
  return `${sessionIdFor(session)}-message-${String(index + 1).padStart(3, "0")}`;
}

const promptLeadIns = ["", "Oh, and ", "Out of curiosity, "];

/**
 * Realistic sets: the timeline comes first, so facts can be placed weeks apart and questions
 * asked within days of their evidence; then assistant questions, echoes and distractors go
 * around the facts.
 */
function generateRealistic(options: ConversationSetOptions, random: Random, exchangeCounts: number[], blueprints: FactBlueprint[]): ConversationSet {
  const statementCount = blueprints.reduce((total, blueprint) => total + blueprint.statementCount + (blueprint.prompts?.length ?? 0), 0);
  const evidenceTurns = exchangeCounts.slice(0, -1).reduce((total, count) => total + count, 0);
  if (statementCount > evidenceTurns / 2) throw new RangeError(`Too few turns for ${options.questionCount} questions: ${statementCount} planted statements and assistant questions need at least ${statementCount * 2} turns before the last session. Add sessions or turns.`);

  const timeline = buildTimeline(exchangeCounts, options.startDate, random);
  const occupied = new Set<string>();
  const placements = blueprints.map((blueprint) => placeRealistic(blueprint, exchangeCounts, timeline, occupied, random));
  const facts: PlacedFact[] = blueprints.map((blueprint, index) => {
    const slots = placements[index]!;
    const rendered = blueprint.render(slots.map((slot) => timeline.userTimes[slot.session]![slot.exchange]!));
    return { blueprint, slots, ...rendered };
  });

  const surroundings: Surroundings = { prompts: new Map(), distractors: new Map(), echoes: new Map() };
  for (const fact of facts) {
    fact.slots.forEach((slot, index) => {
      const prompt = fact.blueprint.prompts?.[index];
      if (prompt !== undefined) surroundings.prompts.set(slotKey({ session: slot.session, exchange: slot.exchange - 1 }), prompt);
      if (fact.blueprint.echoes !== undefined) surroundings.echoes.set(slotKey(slot), fact.blueprint.echoes);
    });
  }
  // One or two distractors per fact that has them, anywhere in the set where a turn is free.
  for (const fact of facts) {
    const texts = random.shuffle(fact.blueprint.distractors ?? []).slice(0, random.integer(1, 2));
    for (const text of texts) {
      const free = exchangeCounts.flatMap((count, session) => range(count).map((exchange) => ({ session, exchange }))).filter((slot) => !occupied.has(slotKey(slot)));
      if (free.length === 0) break;
      const slot = random.pick(free);
      occupied.add(slotKey(slot));
      surroundings.distractors.set(slotKey(slot), text);
    }
  }

  const sessions = writeRealisticSessions(exchangeCounts, timeline, facts, surroundings, random);
  const questions = askRealisticQuestions(options.questionCount, facts, sessions, exchangeCounts, timeline, random);
  return { userId: `user-${options.seed}`, sessions, questions };
}

/**
 * Like `placeStatements`, plus: two-fact and rival statements in different chats (and at least
 * `minimumDaysApart` apart), and a free exchange before each statement that answers an assistant
 * question, whose reply will ask it.
 */
function placeRealistic(blueprint: FactBlueprint, exchangeCounts: number[], timeline: Timeline, occupied: Set<string>, random: Random): Slot[] {
  const lastEvidenceSession = exchangeCounts.length - 2;
  const count = blueprint.statementCount;
  const apart = blueprint.type === "changed-fact" || blueprint.type === "two-facts" || blueprint.minimumDaysApart !== undefined;
  for (let attempt = 0; attempt < 400; attempt += 1) {
    const sessions = apart
      ? random.shuffle(range(lastEvidenceSession + 1)).slice(0, count).sort((left, right) => left - right)
      : Array.from({ length: count }, () => random.integer(0, lastEvidenceSession));
    const minimumDays = blueprint.minimumDaysApart;
    if (minimumDays !== undefined && sessions.some((session, index) => index > 0 && timeline.startTimes[session]!.getTime() - timeline.startTimes[sessions[index - 1]!]!.getTime() < minimumDays * day)) continue;
    const slots: Slot[] = [];
    const taken = (slot: Slot): boolean => occupied.has(slotKey(slot)) || slots.some((other) => other.session === slot.session && Math.abs(other.exchange - slot.exchange) <= 1);
    for (const [index, session] of sessions.entries()) {
      const needsPrompt = blueprint.prompts?.[index] !== undefined;
      const free = range(exchangeCounts[session]!).filter((exchange) => !taken({ session, exchange }) && (!needsPrompt || (exchange > 0 && !taken({ session, exchange: exchange - 1 }))));
      if (free.length === 0) break;
      slots.push({ session, exchange: random.pick(free) });
    }
    if (slots.length === count) {
      slots.forEach((slot, index) => {
        occupied.add(slotKey(slot));
        if (blueprint.prompts?.[index] !== undefined) occupied.add(slotKey({ session: slot.session, exchange: slot.exchange - 1 }));
      });
      return slots;
    }
  }
  throw new RangeError(`Could not place the statements for "${blueprint.key}": add sessions or turns.`);
}

function writeRealisticSessions(exchangeCounts: number[], timeline: Timeline, facts: PlacedFact[], surroundings: Surroundings, random: Random): GeneratedSession[] {
  const statementAt = new Map<string, string>();
  const questionWordsAt = new Map<string, Set<string>>();
  for (const fact of facts) {
    const questionWords = roughStems([...fact.blueprint.questions, ...(fact.blueprint.indirectQuestions ?? [])].join(" "));
    fact.slots.forEach((slot, index) => {
      statementAt.set(slotKey(slot), fact.statements[index]!);
      questionWordsAt.set(slotKey(slot), questionWords);
    });
  }

  return exchangeCounts.map((count, session) => {
    const sessionId = sessionIdFor(session);
    const messages: GeneratedMessage[] = [];
    let thread: FillerThread = startThread(random);
    for (let exchange = 0; exchange < count; exchange += 1) {
      const key = slotKey({ session, exchange });
      const statement = statementAt.get(key);
      const distractor = surroundings.distractors.get(key);
      let userText: string;
      let assistantText: string;
      if (statement !== undefined) {
        const echoes = surroundings.echoes.get(key);
        // Half the time the assistant restates the topic in its own words, as real assistants do.
        const acknowledgement = echoes !== undefined && echoes.length > 0 && random.chance(0.5) ? random.pick(echoes) : random.pick(acknowledgements);
        if (random.chance(0.4)) {
          // The request made in passing never shares a word with the fact's questions: it would hand them a match.
          const questionWords = questionWordsAt.get(key)!;
          let opener = "";
          for (let attempt = 0; attempt < 20 && (opener === "" || [...roughStems(opener)].some((word) => questionWords.has(word))); attempt += 1) {
            thread = startThread(random);
            opener = openerFor(thread, random);
          }
          userText = `${statement} ${random.pick(connectors)}${opener}`;
          assistantText = `${acknowledgement}\n\n${replyFor(thread, random)}`;
        } else {
          userText = statement;
          assistantText = random.chance(0.4) ? `${acknowledgement} ${random.pick(invitations)}` : acknowledgement;
        }
      } else if (distractor !== undefined) {
        thread = startThread(random);
        userText = distractor;
        assistantText = replyFor(thread, random);
      } else if (exchange === 0 || random.chance(0.25)) {
        thread = startThread(random);
        userText = openerFor(thread, random);
        assistantText = replyFor(thread, random);
      } else {
        userText = followUpFor(thread, random);
        assistantText = replyFor(thread, random);
      }
      const prompt = surroundings.prompts.get(key);
      if (prompt !== undefined) {
        const leadIn = random.pick(promptLeadIns);
        assistantText = `${assistantText}\n\n${leadIn}${leadIn === "" ? prompt : prompt.charAt(0).toLowerCase() + prompt.slice(1)}`;
      }
      const index = messages.length;
      messages.push(
        { id: messageIdFor(session, index), sessionId, role: "user", content: userText, createdAt: timeline.userTimes[session]![exchange]! },
        { id: messageIdFor(session, index + 1), sessionId, role: "assistant", content: assistantText, createdAt: timeline.assistantTimes[session]![exchange]! },
      );
    }
    return { id: sessionId, startedAt: timeline.startTimes[session]!, messages };
  });
}

function askRealisticQuestions(questionCount: number, facts: PlacedFact[], sessions: GeneratedSession[], exchangeCounts: number[], timeline: Timeline, random: Random): GeneratedQuestion[] {
  const questions = Array.from({ length: questionCount }, (_, index): Omit<GeneratedQuestion, "id"> => {
    const fact = facts[index % facts.length]!;
    const { blueprint } = fact;
    const round = Math.floor(index / facts.length);
    const changed = blueprint.type === "changed-fact";
    const evidenceIndexes = blueprint.evidenceStatements ?? (changed ? [fact.slots.length - 1] : range(fact.slots.length));
    const evidenceSlots = evidenceIndexes.map((position) => fact.slots[position]!);
    const last = fact.slots.reduce((latest, slot) => (compareSlots(slot, latest) > 0 ? slot : latest));
    const evidenceTime = Math.max(...evidenceSlots.map((slot) => timeline.userTimes[slot.session]![slot.exchange]!.getTime()));
    const { session, position } = chooseRealisticPoint(blueprint, last, evidenceTime, exchangeCounts, timeline, random);
    const previousReply = sessions[session]!.messages[position * 2 - 1]!;
    const askedAt = new Date(previousReply.createdAt.getTime() + 20_000);
    const indirect = blueprint.indirectQuestions !== undefined && blueprint.indirectQuestions.length > 0 && random.chance(0.25);
    const pool = indirect ? blueprint.indirectQuestions! : blueprint.questions;
    const text = blueprint.askAt !== undefined ? blueprint.askAt(askedAt) : pool[(round + random.integer(0, 1)) % pool.length]!;
    const ids = (slots: readonly Slot[]): string[] => slots.map((slot) => messageIdFor(slot.session, slot.exchange * 2));
    return {
      type: blueprint.type,
      factKey: blueprint.key,
      askedInSessionId: sessions[session]!.id,
      askedAt,
      text,
      evidenceMessageIds: ids(evidenceSlots),
      supersededMessageIds: changed ? ids(fact.slots.slice(0, -1)) : [],
      answer: fact.answer,
      wording: indirect ? "no-shared-word" : (blueprint.wording ?? "shared-word"),
    };
  });
  return questions
    .sort((left, right) => left.askedAt.getTime() - right.askedAt.getTime())
    .map((question, index) => ({ id: `question-${String(index + 1).padStart(3, "0")}`, ...question }));
}

/** As `chooseQuestionPoint`, and within `askWithinDays` of the evidence when a later chat allows it; temporal questions always in a later chat. */
function chooseRealisticPoint(blueprint: FactBlueprint, last: Slot, evidenceTime: number, exchangeCounts: number[], timeline: Timeline, random: Random): { session: number; position: number } {
  const sameSessionAllowed = blueprint.type !== "earlier-chat" && blueprint.type !== "changed-fact" && blueprint.type !== "temporal";
  const lastCount = exchangeCounts[last.session]!;
  if (sameSessionAllowed && last.exchange + sameSessionGap < lastCount && random.chance(0.2)) {
    return { session: last.session, position: random.integer(last.exchange + sameSessionGap + 1, lastCount) };
  }
  const later = range(exchangeCounts.length).filter((session) => session > last.session);
  const within = blueprint.askWithinDays;
  const near = within === undefined ? [] : later.filter((session) => timeline.startTimes[session]!.getTime() - evidenceTime <= within * day);
  const session = random.pick(near.length > 0 ? near : later);
  return { session, position: random.integer(1, exchangeCounts[session]!) };
}

const stopwords = new Set("the and for you your what whats when which who whos did does say said tell told was were are is its it's that this with about remind again now these days there anything have has had how our their his her she him can can't should would did i'd i'm some time ago while back earlier chat".split(" "));

/**
 * Content words (three letters or more, common words dropped) with plural and verb endings cut,
 * so "instruments" and "instrument", "hiked" and "hike" count as one word. What "shares a word"
 * means for `wording`; deliberately cruder than any retriever's stemmer.
 */
export function roughStems(text: string): Set<string> {
  const words = text.toLowerCase().match(/[a-z][a-z'-]+/g) ?? [];
  return new Set(
    words
      .map((word) => word.replace(/'s$/, ""))
      .filter((word) => word.length >= 3 && !stopwords.has(word))
      .map((word) => word.replace(/(?:ies|es|s|ed|ing|e)$/, "").replace(/(.)\1$/, "$1")),
  );
}
