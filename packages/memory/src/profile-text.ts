/** Stands in for the dot of an abbreviation or initial ("St. Louis", "J. R.") so it does not end a sentence. */
export const protectedDot = "\u2024";

export interface Sentence {
  /** Prepared text: masked, straight apostrophes, protected dots. */
  text: string;
  /** Offsets in the original message, terminator included, for evidence. */
  start: number;
  end: number;
  question: boolean;
}

/** Masks what is not the user speaking, straightens apostrophes and protects abbreviation dots; offsets are kept. */
export function prepareUserText(text: string): string {
  return protectDots(normaliseApostrophes(maskNonUserText(text)));
}

export function restoreDots(value: string): string {
  return value.replaceAll(protectedDot, ".");
}

/** Blanks code, URLs, block quotes and quoted speech; keeps a short quoted value ("call me 'Sam'") without its quotes. */
function maskNonUserText(text: string): string {
  const blank = (span: string) => span.replace(/[^\n]/g, " ").replace(/^ /, "\n");
  const quoted = (whole: string, lead: string, inner: string) =>
    inner.trim().split(/\s+/).length >= 3 ? lead + blank(whole.slice(lead.length)) : `${lead} ${inner} `;
  return text
    .replace(/```[\s\S]*?(?:```|$)|~~~[\s\S]*?(?:~~~|$)/g, blank)
    .replace(/`[^`\n]*`/g, blank)
    .replace(/^[ \t]*>.*$/gm, blank)
    .replace(/\bhttps?:\/\/\S+/g, blank)
    .replace(/"([^"\n]*)"|“([^”\n]*)”|«([^»\n]*)»|‘([^’\n]*)’/g, (whole, ...groups: unknown[]) => {
      const inner = groups.slice(0, 4).find((group) => typeof group === "string") as string;
      return quoted(whole, "", inner);
    })
    .replace(/(^|[\s([])'([^'\n]+)'(?=$|[\s.,!?;:)\]])/g, (whole, lead: string, inner: string) => quoted(whole, lead, inner));
}

function normaliseApostrophes(text: string): string {
  return text.replace(/[’‘ʼ´]/g, "'");
}

function protectDots(text: string): string {
  const protect = (span: string) => span.replaceAll(".", protectedDot);
  return text
    .replace(/\b(?:mr|mrs|ms|dr|prof|st|mt|ft|jr|sr|inc|ltd|co|corp|bros|vs|etc|approx|dept|ave|blvd)\./gi, protect)
    .replace(/\b(?:[a-z]\.){2,}/gi, protect)
    .replace(/\b[A-Z]\.(?=\s+[A-Z])/g, protect)
    .replace(/\d\.\d/g, protect);
}

export function splitIntoSentences(text: string): Sentence[] {
  const sentences: Sentence[] = [];
  const push = (start: number, end: number, terminator: string) => {
    const raw = text.slice(start, end);
    const leading = raw.length - raw.trimStart().length;
    const body = raw.trim();
    if (body.length > 0) sentences.push({ text: body, start: start + leading, end: end + terminator.length, question: terminator.includes("?") });
  };
  let start = 0;
  for (const match of text.matchAll(/[.!?]+|[;\n]/g)) {
    push(start, match.index, match[0]);
    start = match.index + match[0].length;
  }
  push(start, text.length, "");
  return sentences;
}
