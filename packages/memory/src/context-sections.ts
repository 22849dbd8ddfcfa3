import type { MemoryRole } from "./ports.ts";

/** The headings of the memory system message, in the order the sections appear. */
export const contextSectionHeadings = {
  episodic: "## Earlier chats with this user",
  profile: "## What the user has told you about themselves",
  summary: "## Summary of earlier turns in this chat",
  recalled: "## Earlier messages that may be relevant",
  passages: "## Passages from the user's documents",
} as const;

export type ContextSectionLayer = keyof typeof contextSectionHeadings;

/** Appended where the running summary was cut, so the model knows it is incomplete. */
export const summaryShortenedMarker = "… [summary shortened]";

/** Put in front of the last assistant reply when its beginning had to go. */
export const replyCutMarker = "[beginning of this reply cut] … ";

export interface ContextEpisode {
  id: string;
  sessionId: string;
  summary: string;
  facts: readonly string[];
  createdAt: Date;
}

export interface ContextProfileFact {
  id: string;
  kind: string;
  value: string;
}

export interface ContextSummary {
  text: string;
  /** The messages this summary stands for. */
  coveredMessageIds: readonly string[];
}

export interface ContextRecalledTurn {
  id: string;
  role: MemoryRole;
  content: string;
  createdAt: Date;
  score: number;
}

export interface ContextPassage {
  id: string;
  documentId: string;
  text: string;
  score: number;
}

export function renderEpisode(episode: ContextEpisode): string {
  const facts = episode.facts.filter((fact) => fact.trim().length > 0);
  const factLine = facts.length > 0 ? `\n  Key facts: ${facts.map((fact) => fact.trim()).join("; ")}` : "";
  return `- ${formatDay(episode.createdAt)}: ${episode.summary.trim()}${factLine}`;
}

export function renderProfileFact(fact: ContextProfileFact): string {
  return `- ${fact.kind}: ${fact.value.trim()}`;
}

export function renderRecalledTurn(turn: ContextRecalledTurn): string {
  return `- [${formatDay(turn.createdAt)}, ${turn.role}] ${turn.content.trim()}`;
}

/** Numbered by rank so the model (and the user) can point at a passage. */
export function renderPassage(passage: ContextPassage, rank: number): string {
  return `[${rank}] ${passage.text.trim()}`;
}

/** A calendar day is enough for "what did I say three weeks ago"; UTC keeps the output deterministic. */
function formatDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
