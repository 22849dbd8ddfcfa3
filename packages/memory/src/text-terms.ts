/**
 * Turns text into search terms for recall: lowercased words and numbers, English
 * stopwords dropped, possessives and contractions folded, plurals and -ed/-ing
 * stripped. Queries and indexed turns go through the same function, so a stem only
 * has to be consistent, not a dictionary word.
 */

/**
 * Function words plus the filler of recall questions ("what did I tell you about...")
 * that would otherwise match every turn where someone said "tell". Modal "may" and
 * "will" stay out on purpose: they are also a month and a name.
 */
export const englishStopwords: ReadonlySet<string> = new Set([
  "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as", "at",
  "be", "because", "been", "before", "being", "below", "between", "both", "but", "by",
  "can", "could", "did", "do", "does", "doing", "done", "down", "during", "each", "ever", "few", "for", "from", "further",
  "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how",
  "i", "if", "in", "into", "is", "it", "its", "itself", "just", "let", "me", "more", "most", "my", "myself",
  "no", "nor", "not", "now", "of", "off", "oh", "ok", "okay", "on", "once", "only", "or", "other", "our", "ours",
  "ourselves", "out", "over", "own", "please", "same", "she", "should", "so", "some", "such",
  "than", "thank", "thanks", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they",
  "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when",
  "where", "which", "while", "who", "whom", "why", "with", "would", "yes", "you", "your", "yours", "yourself",
  "yourselves",
  "mention", "mentioned", "recall", "remember", "said", "say", "tell", "told",
  // Words that frame a question about the past rather than name what it is about.
  "ago", "back", "earlier", "give", "moment", "one", "previously", "reminder", "remind", "time",
]);

/** Letters, digits and combining marks, with inner apostrophes so "sister's" stays one word. */
const wordPattern = /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{M}]+)*/gu;
const apostrophePattern = /['’]/g;
/** Scripts written without spaces: a run of them is one "word", so it is cut into character pairs. */
const unspacedScriptPattern = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const asciiWordPattern = /^[a-z]+$/;
/** What follows the apostrophe in "she's", "I'm", "we're", "I've", "we'll", "I'd". */
const contractionTails = new Set(["s", "m", "re", "ve", "ll", "d"]);
/** Longer tokens are hashes, keys or pasted data, never something a person asks about. */
const maximumTermLength = 64;

/** The terms of a text in order, duplicates kept (term frequency matters to BM25). */
export function extractTerms(text: string): string[] {
  const terms: string[] = [];
  for (const match of text.normalize("NFKC").toLowerCase().matchAll(wordPattern)) {
    const word = foldApostrophes(match[0]);
    if (word === undefined || word.length > maximumTermLength || englishStopwords.has(word)) continue;
    if (unspacedScriptPattern.test(word)) {
      pushCharacterPairs(word, terms);
      continue;
    }
    terms.push(stemWord(word));
  }
  return terms;
}

/** "sister's" -> "sister", "I'm" -> "i", "O'Brien" -> "obrien"; negations ("don't") are dropped like "not". */
function foldApostrophes(word: string): string | undefined {
  const apostrophe = word.search(apostrophePattern);
  if (apostrophe === -1) return word;
  const head = word.slice(0, apostrophe);
  const tail = word.slice(apostrophe + 1);
  if (tail === "t" && head.endsWith("n")) return undefined;
  if (contractionTails.has(tail)) return head;
  return word.replace(apostrophePattern, "");
}

function pushCharacterPairs(word: string, terms: string[]): void {
  const characters = Array.from(word);
  if (characters.length === 1) {
    terms.push(word);
    return;
  }
  for (let index = 0; index + 1 < characters.length; index += 1) {
    terms.push(`${characters[index]}${characters[index + 1]}`);
  }
}

/**
 * A light English stemmer (Porter's step 1: plurals, -ed, -ing). It only touches
 * lowercase ASCII words of four letters or more, so numbers ("2024", "3pm"),
 * short words and other languages pass through unchanged.
 */
export function stemWord(word: string): string {
  if (word.length < 4 || !asciiWordPattern.test(word)) return word;
  return stripVerbSuffix(stripPlural(word));
}

function stripPlural(word: string): string {
  if (word.endsWith("sses")) return word.slice(0, -2);
  if (word.endsWith("ies")) return word.length > 4 ? `${word.slice(0, -3)}y` : word.slice(0, -1);
  // "status", "analysis", "glass" are singular.
  if (word.endsWith("ss") || word.endsWith("us") || word.endsWith("is")) return word;
  if (/(?:x|ch|sh|zz)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith("s")) return word.slice(0, -1);
  return word;
}

function stripVerbSuffix(word: string): string {
  if (word.endsWith("eed")) {
    // "agreed" -> "agree", but "need" and "speed" keep their ending.
    return measure(word.slice(0, -3)) > 0 ? word.slice(0, -1) : word;
  }
  // "married" -> "marry", "tried" -> "try" (Porter would give "marri", which "marry" never reaches).
  if (word.endsWith("ied") && word.length > 4) return `${word.slice(0, -3)}y`;
  const suffixLength = word.endsWith("ing") ? 3 : word.endsWith("ed") ? 2 : 0;
  if (suffixLength === 0) return word;
  const stem = word.slice(0, -suffixLength);
  // "sing", "bring", "used": too little left to be a stem.
  if (stem.length < 3 || !hasVowel(stem)) return word;
  if (stem.endsWith("at") || stem.endsWith("bl") || stem.endsWith("iz")) return `${stem}e`;
  if (endsWithDoubleConsonant(stem) && !/[lsz]$/.test(stem)) return stem.slice(0, -1);
  if (measure(stem) === 1 && endsConsonantVowelConsonant(stem)) return `${stem}e`;
  return stem;
}

function isConsonant(word: string, index: number): boolean {
  const letter = word[index];
  if (letter === "a" || letter === "e" || letter === "i" || letter === "o" || letter === "u") return false;
  if (letter === "y") return index === 0 || !isConsonant(word, index - 1);
  return true;
}

function hasVowel(word: string): boolean {
  for (let index = 0; index < word.length; index += 1) {
    if (!isConsonant(word, index)) return true;
  }
  return false;
}

/** Porter's m: how many vowel-then-consonant sequences the stem has ("tr" 0, "trouble" 1, "private" 2). */
function measure(stem: string): number {
  let count = 0;
  let previousWasVowel = false;
  for (let index = 0; index < stem.length; index += 1) {
    const consonant = isConsonant(stem, index);
    if (consonant && previousWasVowel) count += 1;
    previousWasVowel = !consonant;
  }
  return count;
}

function endsWithDoubleConsonant(stem: string): boolean {
  const last = stem.length - 1;
  return last > 0 && stem[last] === stem[last - 1] && isConsonant(stem, last);
}

/** "hop", "mak": so "making" and "make" share "make", while "visiting" stays "visit". */
function endsConsonantVowelConsonant(stem: string): boolean {
  const last = stem.length - 1;
  if (last < 2) return false;
  const letter = stem[last];
  return (
    isConsonant(stem, last - 2) &&
    !isConsonant(stem, last - 1) &&
    isConsonant(stem, last) &&
    letter !== "w" &&
    letter !== "x" &&
    letter !== "y"
  );
}
