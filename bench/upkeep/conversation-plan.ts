/**
 * What the upkeep benchmark says and what the fake model answers: each user's chats from the
 * seeded conversation generator (planted facts, later questions about them), with message
 * lengths varied the way real chats vary them: now and then a pasted document, once per user
 * a paste longer than the default prompt budget, and some long replies.
 */
import type { TokenCounter } from "@recall/memory";
import { generateConversationSet, type ConversationSet } from "../memory/conversation-generator.ts";
import { createRandom, type Random } from "../memory/random.ts";

export interface PlannedTurn {
  userText: string;
  replyText: string;
}

export interface PlannedUser {
  seed: number;
  chats: PlannedTurn[][];
}

export interface PlanOptions {
  seeds: readonly number[];
  chatsPerUser: number;
  turnsPerChat: readonly [min: number, max: number];
  questionsPerUser: number;
}

export const defaultPlanOptions: PlanOptions = { seeds: [31, 32, 33], chatsPerUser: 5, turnsPerChat: [14, 36], questionsPerUser: 10 };

/** How message lengths vary: shares of turns with a pasted document or a long reply, and their sizes in tokens. */
export const lengthMix = {
  pasteShare: 0.06,
  pasteTokens: [250, 900] as const,
  /** Longer than the default prompt budget (2,000 − 512 for the answer): the engine must cut and say so. */
  oversizedPasteTokens: 1800,
  longReplyShare: 0.06,
  /** Long but inside the default answer reserve of 512 tokens. */
  longReplyTokens: [250, 450] as const,
};

const pasteIntroductions = ["Here is the text I mentioned:", "Pasting what I have so far, tell me what you think.", "This is the draft, sorry it's long:", "Can you look over this?"];

export function planConversations(tokenCounter: TokenCounter, options: PlanOptions = defaultPlanOptions): PlannedUser[] {
  return options.seeds.map((seed) => {
    const set = generateConversationSet({
      seed,
      sessions: options.chatsPerUser,
      turnsPerSession: options.turnsPerChat,
      startDate: new Date("2026-02-02T09:00:00Z"),
      questionCount: options.questionsPerUser,
    });
    const random = createRandom(seed * 7919);
    // Paragraphs, not whole replies, so a paste lands close to its planned length.
    const prose = set.sessions.flatMap((session) => session.messages.filter((message) => message.role === "assistant").flatMap((message) => message.content.split("\n\n")));
    const chats = chatTurns(set).map((turns) =>
      turns.map((turn) => ({
        userText: random.chance(lengthMix.pasteShare) ? withPaste(turn.userText, random.integer(...lengthMix.pasteTokens), prose, tokenCounter, random) : turn.userText,
        replyText: random.chance(lengthMix.longReplyShare) ? longText(turn.replyText, random.integer(...lengthMix.longReplyTokens), prose, tokenCounter, random) : turn.replyText,
      })),
    );
    // Once per user, in the middle of a chat that has some history to squeeze.
    const longest = chats.reduce((best, turns, index) => (turns.length > chats[best]!.length ? index : best), 0);
    const target = chats[longest]![Math.floor(chats[longest]!.length / 2)]!;
    target.userText = withPaste(target.userText, lengthMix.oversizedPasteTokens, prose, tokenCounter, random);
    return { seed, chats };
  });
}

/** The generated exchanges in order, with each question asked where the generator placed it. */
function chatTurns(set: ConversationSet): PlannedTurn[][] {
  return set.sessions.map((session) => {
    const timed: Array<PlannedTurn & { at: number }> = [];
    for (let index = 0; index + 1 < session.messages.length; index += 2) {
      const user = session.messages[index]!;
      timed.push({ userText: user.content, replyText: session.messages[index + 1]!.content, at: user.createdAt.getTime() });
    }
    for (const question of set.questions.filter((question) => question.askedInSessionId === session.id)) {
      timed.push({ userText: question.text, replyText: `From what you told me: ${question.answer}.`, at: question.askedAt.getTime() });
    }
    return timed.sort((left, right) => left.at - right.at).map(({ userText, replyText }) => ({ userText, replyText }));
  });
}

function withPaste(text: string, tokens: number, prose: readonly string[], tokenCounter: TokenCounter, random: Random): string {
  return `${text}\n\n${random.pick(pasteIntroductions)}\n\n${longText("", tokens, prose, tokenCounter, random)}`;
}

/** Real generated prose, paragraph after paragraph, until it holds at least `tokens` tokens. */
function longText(start: string, tokens: number, prose: readonly string[], tokenCounter: TokenCounter, random: Random): string {
  const paragraphs = start ? [start] : [];
  while (tokenCounter.count(paragraphs.join("\n\n")) < tokens) paragraphs.push(random.pick(prose));
  return paragraphs.join("\n\n");
}

/** The fake model's answer to a reply request: the planned reply for that user message. */
export function replyTable(users: readonly PlannedUser[]): Map<string, string> {
  const replies = new Map<string, string>();
  for (const turn of users.flatMap((user) => user.chats.flat())) replies.set(turn.userText, turn.replyText);
  return replies;
}

const summaryWords = 230;

/**
 * A plausible running summary from the summarizer's own input: the previous summary plus the
 * first sentence of each new user message, kept to the last ~230 words (the instructions ask
 * for at most 250), so the summary layer is as large as a real one.
 */
export function fakeSummary(request: string): string {
  const [previous = "", transcript = ""] = request.split("\n\nNew messages:\n");
  const carried = previous.replace(/^Current summary:\n/, "").replace("(none yet)", "").trim();
  const said = transcript
    .split("\n\n")
    .filter((line) => line.startsWith("User: "))
    .map((line) => `The user said: ${firstSentence(line.slice("User: ".length))}`);
  const words = [carried, ...said].join(" ").split(/\s+/).filter(Boolean);
  return words.slice(-summaryWords).join(" ");
}

function firstSentence(text: string): string {
  const match = /^[^.!?\n]*[.!?]?/.exec(text.trim());
  return (match?.[0] ?? text).trim();
}
