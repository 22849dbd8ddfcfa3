/**
 * Deterministic prose for fixtures and benchmarks: the same seed gives the same words on every
 * machine, so fixture sizes and benchmark inputs do not drift.
 */
const words = (
  "the river valley research station measured rainfall soil moisture and crop yield across three seasons while " +
  "volunteers recorded bird counts near the wetland margin and the committee reviewed budget plans for new equipment " +
  "including sensors solar panels storage batteries and a small weather mast installed beside the old mill road"
).split(" ");

export function sampleParagraph(seed: number, wordCount = 80): string {
  let state = (seed * 2_654_435_761 + 12_345) >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state;
  };
  const picked: string[] = [];
  for (let index = 0; index < wordCount; index++) picked.push(words[next() % words.length]!);
  const sentence = picked.join(" ");
  return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`;
}
