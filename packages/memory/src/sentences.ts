/** Ends a sentence: terminal punctuation (with closing quotes or brackets) before whitespace, or a line break. */
const sentenceEnd = /[.!?…]+["'”’)\]]*(?=\s|$)|\n/g;

/**
 * Splits text into sentences that keep their trailing whitespace, so joining them gives back
 * the text exactly. Used to shorten text at sentence boundaries rather than mid-sentence.
 */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  for (const match of text.matchAll(sentenceEnd)) {
    if (match.index < start) continue;
    let end = match.index + match[0].length;
    while (end < text.length && /\s/.test(text.charAt(end))) end += 1;
    sentences.push(text.slice(start, end));
    start = end;
  }
  if (start < text.length) sentences.push(text.slice(start));
  return sentences;
}

/** Splits text into words that keep their surrounding whitespace; joining them gives back the text. */
export function splitWords(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? (text.length > 0 ? [text] : []);
}
