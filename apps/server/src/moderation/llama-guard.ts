/**
 * Llama Guard 3's answer format through Ollama: its template renders the conversation into
 * the classification prompt, and the model answers `safe`, or `unsafe` and a second line of
 * comma-separated hazard codes (S1-S13 on Ollama's 1B and 8B; the 8B model card adds S14).
 */

export interface GuardCategory {
  /** Stable id for metrics and the UI. */
  id: string;
  label: string;
}

/** The MLCommons hazard taxonomy Llama Guard 3 was trained on. */
export const LLAMA_GUARD_CATEGORIES: Readonly<Record<string, GuardCategory>> = {
  S1: { id: "violent-crimes", label: "Violent crimes" },
  S2: { id: "non-violent-crimes", label: "Non-violent crimes" },
  S3: { id: "sex-related-crimes", label: "Sex-related crimes" },
  S4: { id: "child-sexual-exploitation", label: "Child sexual exploitation" },
  S5: { id: "defamation", label: "Defamation" },
  S6: { id: "specialized-advice", label: "Specialized advice" },
  S7: { id: "privacy", label: "Privacy" },
  S8: { id: "intellectual-property", label: "Intellectual property" },
  S9: { id: "indiscriminate-weapons", label: "Indiscriminate weapons" },
  S10: { id: "hate", label: "Hate" },
  S11: { id: "suicide-self-harm", label: "Suicide and self-harm" },
  S12: { id: "sexual-content", label: "Sexual content" },
  S13: { id: "elections", label: "Elections" },
  S14: { id: "code-interpreter-abuse", label: "Code interpreter abuse" },
};

const UNLISTED: GuardCategory = { id: "unsafe", label: "Unsafe" };

export function guardCategory(code: string): GuardCategory {
  return LLAMA_GUARD_CATEGORIES[code.toUpperCase()] ?? UNLISTED;
}

export type GuardAnswer = { safe: true } | { safe: false; codes: string[] };

/** `safe` / `unsafe\nS1,S10` to a verdict; null for anything else (not a Llama Guard model, or cut short). */
export function parseGuardAnswer(answer: string): GuardAnswer | null {
  const [first = "", ...rest] = answer.trim().split(/\r?\n/);
  const verdict = first.trim().toLowerCase();
  if (verdict === "safe") return { safe: true };
  if (verdict !== "unsafe") return null;
  const codes = [...rest.join(" ").matchAll(/\bS(\d{1,2})\b/gi)].map((match) => `S${Number(match[1])}`);
  return { safe: false, codes: [...new Set(codes)] };
}
