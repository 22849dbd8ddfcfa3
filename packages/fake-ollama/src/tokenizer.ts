/**
 * The default tokenizer: a word (a run of letters, digits, `_` or any non-ASCII
 * character) is one token, every other visible character is one token, and
 * whitespace rides along with the token that follows it, like BPE pieces.
 * Crude next to a real vocabulary, but deterministic and easy to predict in tests.
 */

const SPACE = 0;
const WORD = 1;
const MARK = 2;
type CharClass = typeof SPACE | typeof WORD | typeof MARK;

function classify(code: number): CharClass {
  if (code === 32 || (code >= 9 && code <= 13)) return SPACE;
  if (code >= 0x80) return code === 0xa0 || code === 0x3000 ? SPACE : WORD;
  if ((code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95) {
    return WORD;
  }
  return MARK;
}

export function countTokens(text: string): number {
  let count = 0;
  let inWord = false;
  for (let index = 0; index < text.length; index++) {
    const charClass = classify(text.charCodeAt(index));
    if (charClass === WORD) {
      if (!inWord) count++;
      inWord = true;
    } else {
      if (charClass === MARK) count++;
      inWord = false;
    }
  }
  return count;
}

/** Splits text into pieces that concatenate back to it exactly; `countTokens` of the text equals the piece count (whitespace-only text gives one piece). */
export function splitTokens(text: string): string[] {
  const pieces: string[] = [];
  let pieceStart = 0;
  let index = 0;
  while (index < text.length) {
    const charClass = classify(text.charCodeAt(index));
    if (charClass === SPACE) {
      index++;
      continue;
    }
    index++;
    if (charClass === WORD) {
      while (index < text.length && classify(text.charCodeAt(index)) === WORD) index++;
    }
    pieces.push(text.slice(pieceStart, index));
    pieceStart = index;
  }
  if (pieceStart < text.length) {
    const trailing = text.slice(pieceStart);
    if (pieces.length === 0) pieces.push(trailing);
    else pieces[pieces.length - 1] += trailing;
  }
  return pieces;
}
