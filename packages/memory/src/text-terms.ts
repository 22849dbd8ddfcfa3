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
 * An English stemmer: Porter2 (the Snowball English stemmer), so every form of a word family
 * meets at one stem ("promoted", "promotion", "promoting", "promote" -> "promot"), with its
 * exception lists and its special first regions that keep "general"/"generous" and
 * "universe"/"university" apart. It only touches lowercase ASCII words of three letters or
 * more, so numbers ("2024", "3pm"), short words and other languages pass through unchanged.
 */
export function stemWord(word: string): string {
  if (word.length < 3 || !asciiWordPattern.test(word)) return word;
  let stem = stemMemo.get(word);
  if (stem === undefined) {
    stem = porterStem(word);
    // Chats reuse a small vocabulary: the memo makes indexing cost a lookup per word. Bounded, so odd input cannot grow it forever.
    if (stemMemo.size >= stemMemoLimit) stemMemo.clear();
    stemMemo.set(word, stem);
  }
  return stem;
}

const stemMemo = new Map<string, string>();
const stemMemoLimit = 50_000;

function porterStem(word: string): string {
  const exception = porterExceptions.get(word);
  if (exception !== undefined) return exception;
  // "Y" marks a consonant y: at the start or after a vowel ("yes", "saying").
  let stem = word.replace(/^y/, "Y").replace(/([aeiouy])y/g, "$1Y");
  const r1 = regionOne(stem);
  stem = step1a(stem);
  if (afterStep1aInvariants.has(stem)) return stem;
  stem = step1b(stem, r1);
  stem = step1c(stem);
  stem = step2(stem, r1);
  stem = step3(stem, r1);
  stem = step4(stem, r1);
  stem = step5(stem, r1);
  return stem.replaceAll("Y", "y");
}

const porterExceptions = new Map([
  ["skis", "ski"], ["skies", "sky"], ["dying", "die"], ["lying", "lie"], ["tying", "tie"],
  ["idly", "idl"], ["gently", "gentl"], ["ugly", "ugli"], ["early", "earli"], ["only", "onli"], ["singly", "singl"],
  ["sky", "sky"], ["news", "news"], ["howe", "howe"], ["atlas", "atlas"], ["cosmos", "cosmos"], ["bias", "bias"], ["andes", "andes"],
]);
const afterStep1aInvariants = new Set(["inning", "outing", "canning", "herring", "earring", "proceed", "exceed", "succeed"]);
/** Stems whose first region starts after them, so "general" and "generous" keep their endings. */
const regionOnePrefixes = ["gener", "commun", "arsen", "past", "univers", "later", "emerg", "organ"];
const doubles = new Set(["bb", "dd", "ff", "gg", "mm", "nn", "pp", "rr", "tt"]);
const liEndings = new Set(["c", "d", "e", "g", "h", "k", "m", "n", "r", "t"]);

function isVowel(letter: string | undefined): boolean {
  return letter === "a" || letter === "e" || letter === "i" || letter === "o" || letter === "u" || letter === "y";
}

/** Where the region after the first non-vowel following a vowel starts, from `from`. */
function regionAfter(word: string, from: number): number {
  for (let index = from + 1; index < word.length; index += 1) {
    if (!isVowel(word[index]) && isVowel(word[index - 1])) return index + 1;
  }
  return word.length;
}

function regionOne(word: string): number {
  const prefix = regionOnePrefixes.find((candidate) => word.startsWith(candidate));
  return prefix === undefined ? regionAfter(word, 0) : prefix.length;
}

function regionTwo(word: string, r1: number): number {
  return r1 >= word.length ? word.length : regionAfter(word, r1);
}

/** A vowel then a non-vowel other than w, x or Y after a non-vowel, or a vowel then a non-vowel at the start. */
function endsInShortSyllable(word: string): boolean {
  const length = word.length;
  if (length === 2) return isVowel(word[0]) && !isVowel(word[1]);
  const [before, vowel, after] = [word[length - 3], word[length - 2], word[length - 1]];
  return !isVowel(before) && isVowel(vowel) && !isVowel(after) && after !== "w" && after !== "x" && after !== "Y";
}

function isShort(word: string, r1: number): boolean {
  return r1 >= word.length && endsInShortSyllable(word);
}

function hasVowel(text: string): boolean {
  for (const letter of text) if (isVowel(letter)) return true;
  return false;
}

function step1a(word: string): string {
  if (word.endsWith("sses")) return word.slice(0, -2);
  if (word.endsWith("ied") || word.endsWith("ies")) return word.length > 4 ? word.slice(0, -2) : word.slice(0, -1);
  if (word.endsWith("us") || word.endsWith("ss")) return word;
  // "gaps" -> "gap", but "gas" and "this" keep their s: the vowel must not sit right before it.
  if (word.endsWith("s") && hasVowel(word.slice(0, -2))) return word.slice(0, -1);
  return word;
}

function step1b(word: string, r1: number): string {
  for (const suffix of ["eedly", "eed"]) {
    if (word.endsWith(suffix)) return word.length - suffix.length >= r1 ? `${word.slice(0, -suffix.length)}ee` : word;
  }
  for (const suffix of ["ingly", "edly", "ing", "ed"]) {
    if (!word.endsWith(suffix)) continue;
    const stem = word.slice(0, -suffix.length);
    if (!hasVowel(stem)) return word;
    if (stem.endsWith("at") || stem.endsWith("bl") || stem.endsWith("iz")) return `${stem}e`;
    if (doubles.has(stem.slice(-2))) return stem.slice(0, -1);
    if (isShort(stem, regionOne(stem))) return `${stem}e`;
    return stem;
  }
  return word;
}

function step1c(word: string): string {
  if (word.length > 2 && /[yY]$/.test(word) && !isVowel(word[word.length - 2])) return `${word.slice(0, -1)}i`;
  return word;
}

/** Longest suffix first; only the longest that matches counts, replaced when it lies in the region. */
function replaceLongest(word: string, rules: ReadonlyArray<readonly [string, string]>, regionStart: number, condition?: (stem: string, suffix: string) => boolean): string {
  for (const [suffix, replacement] of rules) {
    if (!word.endsWith(suffix)) continue;
    const stem = word.slice(0, -suffix.length);
    if (stem.length < regionStart) return word;
    if (condition !== undefined && !condition(stem, suffix)) return word;
    return `${stem}${replacement}`;
  }
  return word;
}

const step2Rules = sortLongestFirst([
  ["tional", "tion"], ["enci", "ence"], ["anci", "ance"], ["abli", "able"], ["entli", "ent"], ["izer", "ize"], ["ization", "ize"],
  ["ational", "ate"], ["ation", "ate"], ["ator", "ate"], ["alism", "al"], ["aliti", "al"], ["alli", "al"], ["fulness", "ful"],
  ["ousli", "ous"], ["ousness", "ous"], ["iveness", "ive"], ["iviti", "ive"], ["biliti", "ble"], ["bli", "ble"], ["ogi", "og"],
  ["fulli", "ful"], ["lessli", "less"], ["li", ""],
]);
const step3Rules = sortLongestFirst([
  ["tional", "tion"], ["ational", "ate"], ["alize", "al"], ["icate", "ic"], ["iciti", "ic"], ["ical", "ic"], ["ful", ""], ["ness", ""], ["ative", ""],
]);
const step4Suffixes = sortLongestFirst(
  ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ism", "ate", "iti", "ous", "ive", "ize", "ion"].map((suffix) => [suffix, ""] as const),
);

function sortLongestFirst(rules: ReadonlyArray<readonly [string, string]>): ReadonlyArray<readonly [string, string]> {
  return [...rules].sort((left, right) => right[0].length - left[0].length);
}

function step2(word: string, r1: number): string {
  return replaceLongest(word, step2Rules, r1, (stem, suffix) => {
    if (suffix === "ogi") return stem.endsWith("l");
    if (suffix === "li") return liEndings.has(stem.slice(-1));
    return true;
  });
}

function step3(word: string, r1: number): string {
  const r2 = regionTwo(word, r1);
  return replaceLongest(word, step3Rules, r1, (stem, suffix) => suffix !== "ative" || stem.length >= r2);
}

function step4(word: string, r1: number): string {
  const r2 = regionTwo(word, r1);
  return replaceLongest(word, step4Suffixes, r2, (stem, suffix) => suffix !== "ion" || stem.endsWith("s") || stem.endsWith("t"));
}

function step5(word: string, r1: number): string {
  const r2 = regionTwo(word, r1);
  if (word.endsWith("e")) {
    const stem = word.slice(0, -1);
    if (stem.length >= r2 || (stem.length >= r1 && !endsInShortSyllable(stem))) return stem;
    return word;
  }
  if (word.endsWith("ll") && word.length - 1 >= r2) return word.slice(0, -1);
  return word;
}
