/**
 * Which numbered passages a reply cites. The model is told to cite passages as [n]; models
 * also write [2, 3], [1-3], [^2] footnotes and "passage 2" or "source [3]" in words, so all of
 * those count. What sits in code (fenced or inline) is code, not a citation, and a Markdown
 * link's text ("[1](https://…)") is a link.
 */

/** Fenced code blocks (``` or ~~~, to the closing fence or the end of the reply). */
const fencedCode = /^[ \t]*(`{3,}|~{3,})[^\n]*\n[\s\S]*?(?:^[ \t]*\1[ \t]*$|(?![\s\S]))/gm;
/** Inline code: a run of backticks up to the same run. */
const inlineCode = /(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g;
/** Markdown links and images `[text](target)`, and reference definitions `[1]: https://…`. */
const markdownLink = /!?\[[^\]\n]*\]\([^)\n]*\)/g;
const referenceDefinition = /^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*\S+.*$/gm;
/** A number or a range of numbers ("3", "1-3", "1–3"), optionally a footnote ("^2"). */
const numberOrRange = String.raw`\^?\s*\d{1,4}(?:\s*[-–—]\s*\d{1,4})?`;
/** `[1]`, `[2, 3]`, `[1-3]`, `[^2]`, `[1; 4]`. */
const bracketCitation = new RegExp(String.raw`\[\s*(${numberOrRange}(?:\s*[,;]\s*${numberOrRange})*)\s*\]`, "g");
/** "passage 2", "passages 2 and 3", "source [3]", "Sources 1-2". */
const wordedCitation = new RegExp(
  String.raw`\b(?:passages?|sources?)\s*((?:\[\s*)?\d{1,4}(?:\s*\])?(?:\s*(?:,|;|and|&|[-–—])\s*(?:\[\s*)?\d{1,4}(?:\s*\])?)*)`,
  "gi",
);

/** The passage numbers (1..passageCount) the reply cites, sorted, each once. */
export function extractCitations(reply: string, passageCount: number): number[] {
  if (!Number.isInteger(passageCount) || passageCount < 1) return [];
  const prose = reply
    .replace(fencedCode, " ")
    .replace(inlineCode, " ")
    .replace(markdownLink, " ")
    .replace(referenceDefinition, " ");
  const cited = new Set<number>();
  const add = (first: number, last: number): void => {
    // A reversed or absurdly long range is not a citation ("[2024-1999]").
    if (last < first || last - first >= passageCount) return;
    for (let number = first; number <= last; number += 1) {
      if (number >= 1 && number <= passageCount) cited.add(number);
    }
  };
  for (const match of prose.matchAll(bracketCitation)) readNumbers(match[1]!, add);
  for (const match of prose.matchAll(wordedCitation)) readNumbers(match[1]!, add);
  return [...cited].sort((left, right) => left - right);
}

/** Each number or range in a citation's inside ("1-3, 5", "2 and [3]"). */
function readNumbers(inside: string, add: (first: number, last: number) => void): void {
  for (const match of inside.matchAll(/(\d{1,4})(?:\s*\]?\s*[-–—]\s*\[?\s*(\d{1,4}))?/g)) {
    const first = Number(match[1]);
    add(first, match[2] === undefined ? first : Number(match[2]));
  }
}
