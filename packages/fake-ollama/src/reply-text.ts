/** Deterministic filler text: the same seed text always gives the same reply. */

/** 32-bit FNV-1a over UTF-16 code units. */
export function hashText(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** mulberry32: tiny, fast and good enough to pick words. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

const determiners = ["the", "a", "every", "this", "that", "one", "each", "our"];
const adjectives = [
  "quiet", "bright", "patient", "small", "careful", "early", "gentle", "curious",
  "steady", "hidden", "simple", "warm", "distant", "clever", "honest", "golden",
];
const nouns = [
  "garden", "river", "notebook", "window", "lantern", "harbor", "library", "orchard",
  "letter", "journey", "kitchen", "mountain", "signal", "memory", "bridge", "meadow",
];
const verbs = [
  "remembers", "follows", "carries", "shapes", "finds", "keeps", "greets", "answers",
  "gathers", "guides", "holds", "crosses", "notices", "builds", "shares", "welcomes",
];
const adverbs = ["slowly", "today", "again", "gladly", "together", "softly", "at dawn", "by night"];

function pick(words: readonly string[], random: () => number): string {
  return words[Math.floor(random() * words.length)] ?? words[0] ?? "";
}

/** One sentence's words, e.g. "The quiet garden remembers a bright river slowly". */
function composeSentenceWords(random: () => number): string[] {
  const words = [pick(determiners, random), pick(adjectives, random), pick(nouns, random), pick(verbs, random)];
  words.push(pick(determiners, random), pick(adjectives, random), pick(nouns, random));
  if (random() < 0.5) words.push(...pick(adverbs, random).split(" "));
  return words;
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/**
 * Readable English made of `tokenCount` pieces: words carry their leading
 * space, full stops are pieces of their own, and the reply ends with one.
 */
export function composeReply(seedText: string, tokenCount: number, salt = 0): string[] {
  const random = createRandom(hashText(seedText) ^ salt);
  const pieces: string[] = [];
  let sentence: string[] = [];
  let wordIndex = 0;
  while (pieces.length < tokenCount) {
    const remaining = tokenCount - pieces.length;
    const sentenceOver = wordIndex > 0 && wordIndex >= sentence.length;
    if (wordIndex > 0 && (remaining === 1 || sentenceOver)) {
      pieces.push(".");
      wordIndex = 0;
      continue;
    }
    if (wordIndex === 0) sentence = composeSentenceWords(random);
    const word = sentence[wordIndex] ?? "";
    const text = wordIndex === 0 ? capitalize(word) : word;
    pieces.push(pieces.length === 0 ? text : ` ${text}`);
    wordIndex++;
  }
  return pieces;
}

/** A phrase of `wordCount` words for structured output placeholders. */
export function composePhrase(seedText: string, wordCount: number): string {
  const random = createRandom(hashText(seedText));
  const words: string[] = [];
  while (words.length < wordCount) words.push(...composeSentenceWords(random));
  return words.slice(0, wordCount).join(" ");
}
