import { hashText } from "./reply-text.ts";

/**
 * Token ids for the cost model's prompt cache. Text tokens are non-negative; special
 * tokens (Llama 3's `<|begin_of_text|>`, header markers, `<|eot_id|>`, image embeddings)
 * are negative, so no text can ever produce one, whatever tokenizer is plugged in.
 */
export const BEGIN_OF_TEXT = -1;
export const START_HEADER = -2;
export const END_HEADER = -3;
export const END_OF_TURN = -4;
/** Image embeddings: one id per image (its hash), repeated for each of its tokens. */
const IMAGE_ID_BASE = -1_000;

export function imageTokenId(image: string): number {
  return IMAGE_ID_BASE - (hashText(image) % 1_000_000_000);
}

function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0x3000;
}

function isWord(code: number): boolean {
  if (code >= 0x80) return !isSpace(code);
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

/**
 * The package tokenizer (see tokenizer.ts) with ids: one token per word and per
 * punctuation mark, whitespace riding along with the token that follows it, so
 * `" cat"` and `"cat"` are different tokens, as in BPE. The id is a 31-bit FNV-1a
 * hash of the piece: stable across runs and servers. Gives `countTokens(text)` ids.
 */
export function tokenIds(text: string): number[] {
  const ids: number[] = [];
  let pieceStart = 0;
  let index = 0;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (isSpace(code)) {
      index++;
      continue;
    }
    index++;
    if (isWord(code)) {
      while (index < text.length && isWord(text.charCodeAt(index))) index++;
    }
    ids.push(hashText(text.slice(pieceStart, index)) & 0x7fffffff);
    pieceStart = index;
  }
  return ids;
}
