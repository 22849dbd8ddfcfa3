/**
 * Time expressions in a recall query ("last week", "two weeks ago", "on Tuesday", "in March",
 * "on March 14"), resolved against the moment the question is asked. Pure: the query time is
 * always passed in, never read from a clock. Calendar arithmetic is in UTC, like the dates the
 * recalled turns are shown with.
 */

export interface TemporalCue {
  /** The phrase as it appears in the query. */
  phrase: string;
  /** The period the phrase names: [start, end). */
  start: Date;
  end: Date;
  /**
   * Whether the phrase only says when (relative: "two weeks ago", "last week", "yesterday"), so
   * its words should not be searched for; absolute dates ("March 14") stay searchable, since a
   * turn may name the date itself.
   */
  relative: boolean;
}

const day = 86_400_000;
const monthNames = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const weekdayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const numberWords: Readonly<Record<string, number>> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, couple: 2, few: 3, several: 3 };
const month = monthNames.join("|");
const weekday = weekdayNames.join("|");
const count = `\\d{1,2}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a couple of|a few|several`;

interface Rule {
  pattern: RegExp;
  resolve(match: RegExpExecArray, today: number): { start: number; end: number; relative: boolean } | null;
}

/** Midnight UTC of the query's day, in milliseconds. */
function startOfDay(time: Date): number {
  return Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate());
}

function parseCount(text: string): number {
  const cleaned = text.replace(/^a couple of$/, "couple").replace(/^a few$/, "few");
  return numberWords[cleaned] ?? Number.parseInt(cleaned, 10);
}

/** The most recent `monthIndex` that has started by `today` (this year's, or last year's if it is still ahead). */
function latestMonth(monthIndex: number, today: number): { start: number; end: number } {
  const now = new Date(today);
  const year = monthIndex <= now.getUTCMonth() ? now.getUTCFullYear() : now.getUTCFullYear() - 1;
  return { start: Date.UTC(year, monthIndex, 1), end: Date.UTC(year, monthIndex + 1, 1) };
}

/** A day of a month, in the year that puts it nearest to `today` (a question may ask about a date just ahead). */
function nearestDate(monthIndex: number, dayOfMonth: number, today: number): number {
  const year = new Date(today).getUTCFullYear();
  const candidates = [year - 1, year, year + 1].map((candidate) => Date.UTC(candidate, monthIndex, dayOfMonth));
  return candidates.reduce((best, candidate) => (Math.abs(candidate - today) < Math.abs(best - today) ? candidate : best));
}

const rules: readonly Rule[] = [
  { pattern: /\b(?:yesterday|last night)\b/, resolve: (_, today) => ({ start: today - day, end: today, relative: true }) },
  { pattern: /\b(?:today|this morning|tonight|earlier today)\b/, resolve: (_, today) => ({ start: today, end: today + day, relative: true }) },
  {
    pattern: new RegExp(`\\b(${count}) (day|week|month|year)s? ago\\b`),
    resolve: (match, today) => {
      const amount = parseCount(match[1]!);
      if (!Number.isFinite(amount) || amount <= 0) return null;
      const unitDays = { day: 1, week: 7, month: 30, year: 365 }[match[2] as "day" | "week" | "month" | "year"];
      const centre = today - amount * unitDays * day;
      // Tolerance grows with the distance: "two months ago" is vaguer than "three days ago".
      const tolerance = Math.max(1, Math.round(amount * unitDays * 0.2)) * day;
      return { start: centre - tolerance, end: centre + tolerance + day, relative: true };
    },
  },
  {
    pattern: /\b(?:last|past|previous) (week|weekend|month|year)\b/,
    resolve: (match, today) => {
      const now = new Date(today);
      if (match[1] === "week" || match[1] === "weekend") {
        // Calendar weeks start on Monday.
        const mondayThisWeek = today - ((now.getUTCDay() + 6) % 7) * day;
        return match[1] === "week"
          ? { start: mondayThisWeek - 7 * day, end: mondayThisWeek, relative: true }
          : { start: mondayThisWeek - 2 * day, end: mondayThisWeek, relative: true };
      }
      if (match[1] === "month") return { start: Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1), end: Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1), relative: true };
      return { start: Date.UTC(now.getUTCFullYear() - 1, 0, 1), end: Date.UTC(now.getUTCFullYear(), 0, 1), relative: true };
    },
  },
  {
    pattern: /\bthis (week|month)\b/,
    resolve: (match, today) => {
      const now = new Date(today);
      if (match[1] === "week") return { start: today - ((now.getUTCDay() + 6) % 7) * day, end: today + day, relative: true };
      return { start: Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1), end: today + day, relative: true };
    },
  },
  {
    // "on March 14", "March 14th", "the 14th of March", "14 March".
    pattern: new RegExp(`\\b(?:(${month}) (\\d{1,2})(?:st|nd|rd|th)?|(?:the )?(\\d{1,2})(?:st|nd|rd|th)? (?:of )?(${month}))\\b`),
    resolve: (match, today) => {
      const monthIndex = monthNames.indexOf(match[1] ?? match[4]!);
      const dayOfMonth = Number.parseInt(match[2] ?? match[3]!, 10);
      if (dayOfMonth < 1 || dayOfMonth > 31) return null;
      const start = nearestDate(monthIndex, dayOfMonth, today);
      return { start, end: start + day, relative: false };
    },
  },
  {
    // "in early March", "mid-March", "late March", "in March".
    pattern: new RegExp(`\\b(?:(early|mid|late)[- ]?)?(${month})\\b`),
    resolve: (match, today) => {
      // "may" alone is usually the verb: only "in May" or "early May" count.
      if (match[2] === "may" && match[1] === undefined && !/\bin may\b/.test(match.input)) return null;
      const { start, end } = latestMonth(monthNames.indexOf(match[2]!), today);
      if (match[1] === "early") return { start, end: start + 10 * day, relative: false };
      if (match[1] === "mid") return { start: start + 10 * day, end: start + 20 * day, relative: false };
      if (match[1] === "late") return { start: start + 20 * day, end, relative: false };
      return { start, end, relative: false };
    },
  },
  {
    // "last Tuesday", or "on Tuesday" in a question about the past: the most recent one before today.
    // "this Saturday", "next Monday" and a bare "on Sunday" in a request are plans, not memories.
    pattern: new RegExp(`\\b(?:(on|last|this|next|coming) )?(${weekday})\\b`),
    resolve: (match, today) => {
      const pastTense = /\b(?:did|was|were|had|went|said|told)\b/.test(match.input);
      if (match[1] !== "last" && !(match[1] === "on" && pastTense)) return null;
      const target = weekdayNames.indexOf(match[2]!);
      const back = (new Date(today).getUTCDay() - target + 7) % 7 || 7;
      return { start: today - back * day, end: today - back * day + day, relative: true };
    },
  },
];

/** The first time expression in the query, resolved against `queryTime`; null when there is none. */
export function parseTemporalCue(query: string, queryTime: Date): TemporalCue | null {
  if (Number.isNaN(queryTime.getTime())) return null;
  const text = query.normalize("NFKC").toLowerCase().replace(/[’']/g, "'");
  const today = startOfDay(queryTime);
  for (const rule of rules) {
    const match = rule.pattern.exec(text);
    if (match === null) continue;
    const resolved = rule.resolve(match, today);
    if (resolved === null) continue;
    return { phrase: match[0], start: new Date(resolved.start), end: new Date(resolved.end), relative: resolved.relative };
  }
  return null;
}

/** The query without a relative cue's words ("two weeks ago" would otherwise match every "two" and "week"). */
export function withoutRelativeCue(query: string, cue: TemporalCue | null): string {
  if (cue === null || !cue.relative) return query;
  const normalised = query.normalize("NFKC");
  const at = normalised.toLowerCase().replace(/[’']/g, "'").indexOf(cue.phrase);
  return at === -1 ? query : `${normalised.slice(0, at)} ${normalised.slice(at + cue.phrase.length)}`;
}

/**
 * Whether a turn said at `time` belongs to the cue's period: from a day before it to a week
 * after, because people tell of an event in the days after it ("saw them live last Saturday").
 */
export function isWithinCue(time: number, cue: TemporalCue, afterDays = 7): boolean {
  return time >= cue.start.getTime() - day && time < cue.end.getTime() + afterDays * day;
}
