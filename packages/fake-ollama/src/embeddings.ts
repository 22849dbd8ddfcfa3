import { createRandom, hashText } from "./reply-text.ts";

const WORD_WEIGHT = 1;
const TRIGRAM_WEIGHT = 0.3;

/** Slots each feature touches: spreading features keeps unrelated texts near, not exactly at, zero similarity. */
const SLOTS_PER_FEATURE = 8;

function addFeature(vector: Float64Array, feature: string, weight: number): void {
  const next = createRandom(hashText(feature));
  for (let slotIndex = 0; slotIndex < SLOTS_PER_FEATURE; slotIndex++) {
    const slot = Math.floor(next() * vector.length);
    vector[slot] = (vector[slot] ?? 0) + (next() * 2 - 1) * weight;
  }
}

/**
 * A hashed bag of words plus character trigrams, L2-normalised: texts that
 * share words (or word stems) get a high cosine similarity, unrelated texts
 * land near zero, and the same text always gets the same vector.
 */
export function embedText(text: string, dimensions: number): number[] {
  const vector = new Float64Array(dimensions);
  const words = text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  for (const word of words) {
    addFeature(vector, word, WORD_WEIGHT);
    const padded = `^${word}$`;
    for (let index = 0; index + 3 <= padded.length; index++) addFeature(vector, `#${padded.slice(index, index + 3)}`, TRIGRAM_WEIGHT);
  }
  if (words.length === 0) addFeature(vector, `empty:${text}`, 1);

  let sumOfSquares = 0;
  for (const value of vector) sumOfSquares += value * value;
  const scale = 1 / Math.max(Math.sqrt(sumOfSquares), 1e-12);
  const result = new Array<number>(dimensions);
  // Rounded like float32 output so payloads stay a realistic size.
  for (let index = 0; index < dimensions; index++) result[index] = Math.round((vector[index] ?? 0) * scale * 1e8) / 1e8;
  return result;
}

/** Ollama's `dimensions`: cut the vector, then normalise again. */
export function shortenEmbedding(vector: number[], dimensions: number): number[] {
  const cut = vector.slice(0, dimensions);
  let sumOfSquares = 0;
  for (const value of cut) sumOfSquares += value * value;
  const scale = 1 / Math.max(Math.sqrt(sumOfSquares), 1e-12);
  return cut.map((value) => Math.round(value * scale * 1e8) / 1e8);
}
