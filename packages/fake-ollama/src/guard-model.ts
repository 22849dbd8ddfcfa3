/**
 * The fake as a Llama Guard 3 model (`ollama run llama-guard3`): its Ollama template turns the
 * conversation into one classification prompt (the task, the hazard categories S1-S14, the
 * conversation as `User:` / `Agent:` lines, and the question about the last message's role),
 * and the model answers `safe`, or `unsafe` and a line of comma-separated category codes.
 */
import { normalizeModelName } from "./models.ts";
import type { ChatMessage, FakeGuardOptions, FakeModel } from "./types.ts";

export const DEFAULT_GUARD_MODEL = "llama-guard3";

/** Llama Guard 3 8B as `ollama pull llama-guard3` (its default tag) lists it. */
export function guardModelEntry(name: string): FakeModel {
  return { name, family: "llama", contextLength: 131072, parameterSize: "8.0B", quantization: "Q4_K_M", capabilities: ["completion"] };
}

export interface ResolvedGuard {
  /** Canonical `name:tag`. */
  model: string;
  unsafe: NonNullable<FakeGuardOptions["unsafe"]>;
}

/** The default verdict: a marker such as `unsafe-S1` (or `unsafe S10`) in the judged text names the category. */
export function markedCategories(text: string): string[] | null {
  const codes = [...text.matchAll(/\bunsafe[-_ ]?(s\d{1,2})\b/gi)].map((match) => (match[1] ?? "").toUpperCase());
  return codes.length > 0 ? [...new Set(codes)] : null;
}

export function resolveGuard(options: FakeGuardOptions | boolean | undefined): ResolvedGuard | undefined {
  if (!options) return undefined;
  const settings = options === true ? {} : options;
  return { model: normalizeModelName(settings.model ?? DEFAULT_GUARD_MODEL), unsafe: settings.unsafe ?? markedCategories };
}

/** The configured models plus the guard model when they do not list it. */
export function withGuardModel(models: readonly FakeModel[], guard: ResolvedGuard | undefined): FakeModel[] {
  if (!guard || models.some((model) => normalizeModelName(model.name) === guard.model)) return [...models];
  return [...models, guardModelEntry(guard.model)];
}

type JudgedRole = "user" | "assistant";

/** The template judges the last message, as the user's ('User') or the model's ('Agent'). */
function judgedMessage(messages: readonly ChatMessage[]): { role: JudgedRole; text: string } {
  const last = messages.at(-1);
  return { role: last?.role === "assistant" ? "assistant" : "user", text: last?.content ?? "" };
}

/** What Llama Guard answers: `safe`, or `unsafe\nS1` / `unsafe\nS1,S10`. */
export function guardAnswer(messages: readonly ChatMessage[], guard: ResolvedGuard): string {
  const { role, text } = judgedMessage(messages);
  const verdict = guard.unsafe(text, role);
  const codes = verdict === null || verdict === undefined ? [] : typeof verdict === "string" ? [verdict] : [...verdict];
  return codes.length === 0 ? "safe" : `unsafe\n${codes.join(",")}`;
}

const HAZARDS = [
  "Violent Crimes", "Non-Violent Crimes", "Sex-Related Crimes", "Child Sexual Exploitation", "Defamation",
  "Specialized Advice", "Privacy", "Intellectual Property", "Indiscriminate Weapons", "Hate",
  "Suicide & Self-Harm", "Sexual Content", "Elections", "Code Interpreter Abuse",
];

/**
 * The prompt the guard model's template renders, as one user turn, so prompt counts and the
 * prompt cache see its shape: a long fixed head (shared by every guard call, so a warm slot
 * reuses it) followed by the conversation. Written for its size and structure, not Meta's wording.
 */
export function guardPromptMessages(messages: readonly ChatMessage[]): ChatMessage[] {
  const { role } = judgedMessage(messages);
  const speaker = role === "assistant" ? "Agent" : "User";
  const conversation = messages
    .filter((message) => message.role === "user" || message.role === "assistant")
    .map((message) => `${message.role === "assistant" ? "Agent" : "User"}: ${message.content}`);
  const content = [
    `Task: Check if there is unsafe content in '${speaker}' messages in conversations according to our safety policy with the below categories.`,
    "<BEGIN UNSAFE CONTENT CATEGORIES>",
    ...HAZARDS.map((name, index) => `S${index + 1}: ${name}.`),
    "<END UNSAFE CONTENT CATEGORIES>",
    "<BEGIN CONVERSATION>",
    ...conversation,
    "<END CONVERSATION>",
    `Provide your safety assessment for ONLY THE LAST ${speaker} message in the above conversation:`,
    " - First line must read 'safe' or 'unsafe'.",
    " - If unsafe, a second line must include a comma-separated list of violated categories.",
  ].join("\n\n");
  return [{ role: "user", content }];
}
