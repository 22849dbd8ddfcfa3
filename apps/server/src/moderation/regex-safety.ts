/**
 * A static check that a rule's regular expression cannot be made slow by the text it reads.
 * JavaScript's backtracking engine takes exponential time on nested or alternated repeats
 * (`(a+)+$`, `(a|ab)*`) and polynomial time on several open-ended repeats (`.*.*x` needs about
 * 0.1 s on 512 characters, `.*.*.*x` 15 s on Node 20): those shapes are refused when the rules
 * load. What is left is at worst quadratic in its input, which the rule moderator bounds by
 * matching in windows.
 */

/** Above this, a bounded repeat ({0,500}) counts as open-ended. */
const LARGE_REPEAT = 20;
export const MAX_PATTERN_LENGTH = 500;

interface Frame {
  /** Something inside repeats more than once. */
  repeats: boolean;
  alternates: boolean;
}

/** The repeat that starts at `index`, or undefined when none does. */
function readQuantifier(source: string, index: number): { max: number; length: number } | undefined {
  const char = source[index];
  let max: number;
  let length = 1;
  if (char === "*" || char === "+") max = Infinity;
  else if (char === "?") max = 1;
  else if (char === "{") {
    const match = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(index));
    if (!match) return undefined;
    length = match[0].length;
    max = match[2] === undefined ? Number(match[1]) : match[3] === "" ? Infinity : Number(match[3]);
  } else return undefined;
  if (source[index + length] === "?") length++;
  return { max, length };
}

/** Why `source` could make matching slow, or null when it is safe to run on hostile text. */
export function unsafePatternReason(source: string): string | null {
  if (source.length > MAX_PATTERN_LENGTH) return `is ${source.length} characters long; at most ${MAX_PATTERN_LENGTH} are allowed`;
  const frames: Frame[] = [{ repeats: false, alternates: false }];
  let openEnded = 0;
  /** What the last atom was: a group's frame, or a plain atom. */
  let lastGroup: Frame | undefined;
  let index = 0;
  while (index < source.length) {
    const char = source[index] ?? "";
    const current = frames.at(-1) as Frame;
    const quantifier = readQuantifier(source, index);
    if (quantifier) {
      if (quantifier.max > 1) {
        if (lastGroup && (lastGroup.repeats || lastGroup.alternates)) {
          return "repeats a group that itself repeats or has alternatives (like (a+)+ or (a|ab)*), which can take exponential time on a hostile message; repeat a character class instead ([a-z ]+), or list the phrases in `words`";
        }
        current.repeats = true;
        if (quantifier.max > LARGE_REPEAT) openEnded++;
      }
      lastGroup = undefined;
      index += quantifier.length;
      continue;
    }
    lastGroup = undefined;
    if (char === "\\") {
      const next = source[index + 1] ?? "";
      if (/[1-9]/.test(next) || next === "k") return "uses a backreference (\\1 or \\k<name>), which can take exponential time; rewrite it without one";
      if ((next === "p" || next === "P" || next === "u") && source[index + 2] === "{") {
        index = source.indexOf("}", index) + 1 || source.length;
      } else index += 2;
    } else if (char === "[") {
      index++;
      while (index < source.length && source[index] !== "]") index += source[index] === "\\" ? 2 : 1;
      index++;
    } else if (char === "(") {
      frames.push({ repeats: false, alternates: false });
      index++;
      // Group heads: (?: (?= (?! (?<= (?<! (?<name>
      if (source[index] === "?") {
        const head = /^\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>)/.exec(source.slice(index));
        index += head ? head[0].length : 1;
      }
    } else if (char === ")") {
      const closed = frames.length > 1 ? (frames.pop() as Frame) : current;
      const parent = frames.at(-1) as Frame;
      parent.repeats ||= closed.repeats;
      parent.alternates ||= closed.alternates;
      lastGroup = closed;
      index++;
    } else {
      if (char === "|") current.alternates = true;
      index++;
    }
  }
  if (openEnded > 1) {
    return `has ${openEnded} open-ended repeats (*, + or {n,}); at most one is allowed, because each one multiplies the matching time on a long message; list multi-word phrases in \`words\` instead`;
  }
  return null;
}
