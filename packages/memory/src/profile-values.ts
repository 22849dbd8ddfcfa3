import {
  conversationNouns,
  danglingWords,
  demonyms,
  ingNames,
  nameParticles,
  notEmployers,
  notGivenNames,
  notInterestOpeners,
  notNames,
  notPlaces,
  notRoleOpeners,
  notRoles,
  politeVerbs,
  trailingFillers,
} from "./profile-words.ts";

/**
 * Readers for the value that follows a cue ("I work as" → "a nurse, mostly nights" → "nurse"):
 * each cuts the value at its clause boundary, trims filler and refuses what is not a value of
 * its kind.
 */

export interface SentenceContext {
  /** False when the sentence has no lowercase letters, so capitals say nothing about names. */
  caseInformative: boolean;
  /** "Hi, I'm sam": a greeting makes a lowercase word after "I'm" a name. */
  afterGreeting: boolean;
}

type CommaRule = "cut" | "place" | "list";

const hardStop = /[;:!?()"[\]{}<>…]|\s[-–—]+(?:\s|$)|\.(?:\s|$)|\.{2,}/;
const clauseWord =
  /\s(?:but|because|cause|cuz|coz|so|since|although|though|while|whereas|unless|until|which|who|whom|whose|where|when|whenever|if|except|especially|particularly|yet|lol|lmao|haha|hehe|btw|plus|anyway|anyways|however|thanks|thank\s+you|please|that)\b/i;
/** "I moved to Austin last year": when it happened is not part of the place. */
const timePhrase =
  /\s(?:(?:last|this|next)\s+(?:year|month|week|summer|winter|spring|fall|autumn)|(?:a\s+(?:few|couple\s+of)\s+|\d+\s+|two\s+|three\s+)?(?:years?|months?|weeks?|days?)\s+ago|in\s+\d{4}|recently|yesterday)\b/i;
const newClause = /(?:,|\s)\s*(?:(?:and|or|but|&)\s+)?(?:i|i'm|i've|i'd|i'll|im|ive|we|we're|you|you're|u|he|she|they|it|it's|there|there's|that's|this|then|my)\b/i;
export const wordPattern = /^\s*([\p{L}][\p{L}'\u2024-]*)/u;

/**
 * "explicit" (my name is) trusts the cue; "called" (call me) accepts a lone lowercase word;
 * "stated" (I'm) needs a capitalised word that is not a state, verb or adverb, unless a greeting
 * came first.
 */
export function parseName(rest: string, context: SentenceContext, cue: "explicit" | "called" | "stated"): { value: string; remaining: string } | null {
  const first = wordPattern.exec(rest);
  if (first === null) return null;
  const word = first[1]!;
  const lower = word.toLowerCase();
  if (lower.endsWith("'s") || word.length > 30) return null;
  const capitalised = context.caseInformative && /^\p{Lu}/u.test(word);
  let remaining = rest.slice(first[0].length);
  if (cue === "explicit") {
    if (notGivenNames.has(lower)) return null;
  } else {
    if (notNames.has(lower) || demonyms.has(lower) || looksLikeVerbOrAdverb(lower)) return null;
    const loneWord = cutClause(rest, "cut").trim().split(/\s+/).length === 1;
    const lowercaseAccepted = context.afterGreeting || (cue === "called" && loneWord && !/^\s*,\s*but\b/i.test(remaining));
    if (!capitalised && !lowercaseAccepted) return null;
  }
  const names = [word];
  while (capitalised && names.length < 4) {
    const next = wordPattern.exec(remaining);
    if (next === null) break;
    const nextWord = next[1]!;
    const afterNext = wordPattern.exec(remaining.slice(next[0].length));
    const particleBeforeName = nameParticles.has(nextWord) && afterNext !== null && /^\p{Lu}/u.test(afterNext[1]!);
    const capitalisedName = /^\p{Lu}/u.test(nextWord) && !notNames.has(nextWord.toLowerCase()) && !nextWord.endsWith("'s");
    if (!capitalisedName && !particleBeforeName) break;
    names.push(nextWord);
    remaining = remaining.slice(next[0].length);
  }
  // "I'm Ready for…", "I'm Sorry to…": a state, not a name, is followed by its preposition.
  if (cue !== "explicit" && /^\s+(?:for|to|with|about|at|of|that|in|on|into|than|as|because|by(?!\s+the\s+way))\b/i.test(remaining)) return null;
  return { value: names.map(normaliseNameCase).join(" "), remaining };
}

function looksLikeVerbOrAdverb(word: string): boolean {
  if (word.endsWith("ing") && word.length > 4 && !ingNames.has(word)) return true;
  if (word.length > 6 && /(?:ally|ously|ably|ibly|ntly|tely|fully|lessly)$/.test(word)) return true;
  return word.length > 5 && /(?:ful|less|ous|ive|able|ible)$/.test(word);
}

export function parseRole(rest: string): string | null {
  // "a nurse from Ohio": where the user is from is not part of the job.
  const clause = cutClause(rest, "cut", { andEndsClause: true }).split(/\s+from\s+/i)[0]!;
  const role = cleanValue(clause.replace(/^(?:a|an|the)\s+/i, ""));
  const roleWords = role.split(" ");
  const first = roleWords[0]!.toLowerCase();
  const last = roleWords.at(-1)!.toLowerCase();
  if (role.length === 0 || roleWords.length > 6) return null;
  if (notRoleOpeners.has(first) || notInterestOpeners.has(first) || notRoles.has(last) || notRoles.has(first)) return null;
  if (roleWords.some((roleWord) => /^(?:it|this|that|you|your|me|him|them|us)$/i.test(roleWord))) return null;
  if (last.length > 4 && /ly$/.test(last)) return null;
  if (!roleWords.every((roleWord) => /^[\p{L}\p{N}][\p{L}\p{N}'&/+#\u2024.-]*$/u.test(roleWord))) return null;
  return role;
}

/** "I work as/at/for/in …" becomes a role: "nurse", "works at Google", "works in healthcare". */
export function parseWork(preposition: string, rest: string, context: SentenceContext): string | null {
  if (preposition === "as") return parseRole(rest);
  const value = cleanValue(cutClause(rest, "cut", { andEndsClause: true }).split(/\s+as\s+/i)[0]!);
  const valueWords = value.split(" ");
  const first = valueWords[0]!.toLowerCase();
  if (value.length === 0 || valueWords.length > 6) return null;
  if (/^(?:myself|my\s+own\s+(?:company|business|firm|practice|shop|studio))$/i.test(value)) return "self-employed";
  const hasCapital = context.caseInformative && valueWords.some((valueWord) => /^\p{Lu}/u.test(valueWord));
  if (preposition === "in") {
    const acronym = /^\p{Lu}{2,}$/u.test(valueWords[0]!);
    if (valueWords.length > 4 || (!acronym && (notPlaces.has(first) || notInterestOpeners.has(first)))) return null;
    if (valueWords.some((valueWord) => /^(?:shifts|teams?|silence|bursts|batches|sprints|pairs|parallel|isolation|private)$/i.test(valueWord))) return null;
    return `works in ${value}`;
  }
  const last = valueWords.at(-1)!.toLowerCase();
  if (notEmployers.has(last)) return null;
  if (/^(?:a|an|the)$/.test(first)) return valueWords.length >= 2 ? `works ${preposition} ${value}` : null;
  if (notEmployers.has(first) || notInterestOpeners.has(first)) return null;
  if (!hasCapital && valueWords.length > 1) return null;
  return `works ${preposition} ${hasCapital ? value : capitalise(value)}`;
}

export function parseStudy(rest: string): string | null {
  const subject = cleanValue(cutClause(rest, "cut", { andEndsClause: true }));
  const first = subject.split(" ")[0]!.toLowerCase();
  if (subject.length === 0 || subject.split(" ").length > 5) return null;
  if (notInterestOpeners.has(first) || /^(?:the|a|an|for|hard|at|with|up|every|all|during|late|abroad|online|alone|together)$/.test(first)) return null;
  return `studies ${subject}`;
}

export function parsePlace(rest: string, context: SentenceContext): string | null {
  let place = cleanValue(cutClause(rest, "place", { caseInformative: context.caseInformative }));
  const hasCapital = context.caseInformative && /(?:^|\s)\p{Lu}/u.test(place);
  if (hasCapital) place = place.replace(/^the\s+(?=\p{Lu})/u, "");
  const placeWords = place.split(" ");
  const first = placeWords[0]!.toLowerCase();
  if (place.length === 0 || placeWords.length > 6) return null;
  if (hasCapital) return notPlaces.has(first) && !/^(?:a|an)$/.test(first) ? null : place;
  if (placeWords.length > 3 || placeWords.some((placeWord) => notPlaces.has(placeWord.toLowerCase()) || danglingWords.has(placeWord.toLowerCase()))) return null;
  return placeWords.map(capitalise).join(" ");
}

/** A list of liked things: "hiking, climbing and jazz" gives three; "mac and cheese" stays one. */
export function parseInterests(rest: string): string[] {
  // "cats more than dogs": the comparison is not part of the interest.
  const clause = cutClause(rest, "list").split(/\s+(?:more|better|rather)\s+than\s+/i)[0]!;
  if (/^to\s+(\S+)/i.test(clause) && politeVerbs.has(clause.split(/\s+/)[1]!.toLowerCase())) return [];
  let items = [clause];
  if (clause.includes(",")) {
    items = clause.split(/\s*,\s*/);
    const last = items.pop() ?? "";
    items.push(...last.split(/\s+(?:and|or|&)\s+/i));
  }
  const interests: string[] = [];
  for (const item of items) {
    const interest = parseThing(item.replace(/^(?:and|or|also|&)\s+/i, ""), "list");
    if (interest !== null) interests.push(interest);
  }
  return interests;
}

/** One liked, disliked or favourite thing; "to hike" becomes "hiking". */
export function parseThing(rest: string, commas: CommaRule = "cut"): string | null {
  let thing = cleanValue(commas === "list" ? rest : cutClause(rest, "cut"));
  const toVerb = /^to\s+(\S+)(.*)$/i.exec(thing);
  if (toVerb !== null) {
    const verb = toVerb[1]!.toLowerCase();
    if (politeVerbs.has(verb)) return null;
    thing = /^go\s+\S+ing\b/i.test(`${verb}${toVerb[2]}`) ? toVerb[2]!.trim() : `${toGerund(verb)}${toVerb[2]}`;
  }
  const thingWords = thing.split(" ");
  const first = thingWords[0]!.toLowerCase();
  const second = thingWords[1]?.toLowerCase();
  if (thing.length === 0 || thingWords.length > 5 || notInterestOpeners.has(first)) return null;
  // "learning more", "reading about it": about the conversation, not a lasting interest.
  if (/^(?:more|this|that|it|them|these|those|you|yours)$/i.test(thingWords.at(-1)!)) return null;
  if (first === "the" && second !== undefined && conversationNouns.has(second)) return null;
  return thing;
}

export function parsePreferred(rest: string): string | null {
  const preferred = cleanValue(cutClause(rest, "cut"));
  const first = preferred.split(" ")[0]!.toLowerCase();
  if (preferred.length === 0 || preferred.split(" ").length > 12) return null;
  if (/^not\s+to\s+(?:say|answer|share|disclose|tell|comment|talk|discuss)\b/i.test(preferred)) return null;
  if (first !== "to" && first !== "not" && notInterestOpeners.has(first)) return null;
  return `prefers ${preferred}`;
}

/** "Please always answer in French" is a standing preference; "never mind" is not. */
export function parseInstruction(polarity: string, rest: string): string | null {
  const instruction = cleanValue(cutClause(rest, "cut"));
  const first = instruction.split(" ")[0]!.toLowerCase();
  if (instruction.length === 0 || instruction.split(" ").length > 16) return null;
  if (/^(?:been|had|have|has|was|were|wanted|thought|liked|loved|mind|again|ever|heard|seen|knew|know|i|i'm|i've)$/.test(first)) return null;
  // "Always call me Sam" is already the name.
  if (polarity === "always" && /^call\s+me\b/i.test(instruction)) return null;
  return `${polarity} ${instruction}`;
}

export function parseLanguages(rest: string, context: SentenceContext): string | null {
  const languages = cleanValue(cutClause(rest, "list"));
  if (!context.caseInformative || !/^\p{Lu}/u.test(languages) || languages.split(" ").length > 8) return null;
  return `speaks ${languages}`;
}

/** Cuts a value where its clause ends: punctuation, a conjunction, or a new subject ("…, and I …"). */
function cutClause(rest: string, commas: CommaRule, options: { andEndsClause?: boolean; caseInformative?: boolean } = {}): string {
  let end = rest.length;
  const earliest = (pattern: RegExp, from = 0) => {
    const match = pattern.exec(rest.slice(from));
    if (match !== null && match.index + from < end) end = match.index + from;
  };
  earliest(hardStop);
  earliest(clauseWord);
  earliest(timePhrase);
  earliest(newClause, 1);
  if (options.andEndsClause === true) earliest(/\s(?:and|or|&)\s/i);
  if (commas === "cut") earliest(/,/);
  if (commas === "place") {
    // "Portland, Oregon" continues; "Paris, it's lovely" does not.
    const comma = rest.indexOf(",");
    const continuation = /^,\s*\p{Lu}[\p{L}\u2024'-]*/u.exec(rest.slice(comma));
    const continues = comma >= 0 && options.caseInformative === true && continuation !== null && !/^,\s*(?:I|It|We|You|He|She|They|My|But|And|So|Then)\b/.test(rest.slice(comma));
    if (comma >= 0 && !continues) earliest(/,/);
    if (continues) earliest(/,/, comma + 1);
  }
  return rest.slice(0, end);
}

/** Trims punctuation, filler ("now", "too", "lol") and dangling small words from the end of a value. */
function cleanValue(value: string): string {
  let cleaned = value.replace(/\s+/g, " ").trim();
  for (let changed = true; changed; ) {
    changed = false;
    const before = cleaned;
    cleaned = cleaned.replace(/[\s,.'"!?]+$/, "");
    const lower = cleaned.toLowerCase();
    const filler = trailingFillers.find((phrase) => lower === phrase || lower.endsWith(` ${phrase}`));
    if (filler !== undefined) cleaned = cleaned.slice(0, cleaned.length - filler.length).trimEnd();
    const lastWord = cleaned.split(" ").at(-1)?.toLowerCase() ?? "";
    if (cleaned.includes(" ") && danglingWords.has(lastWord)) cleaned = cleaned.slice(0, cleaned.length - lastWord.length).trimEnd();
    changed = cleaned !== before;
  }
  return cleaned;
}

function toGerund(verb: string): string {
  if (verb.endsWith("ie")) return `${verb.slice(0, -2)}ying`;
  if (/[^aeiou]e$/.test(verb) && verb !== "be") return `${verb.slice(0, -1)}ing`;
  if (/^[^aeiou]*[aeiou][^aeiouwxy]$/.test(verb)) return `${verb}${verb.at(-1)}ing`;
  return `${verb}ing`;
}

export function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** "sam" and "SAM" become "Sam"; "AJ", "McKenzie" and "O'Neil" stay as written. */
function normaliseNameCase(word: string): string {
  const uniform = word === word.toLowerCase() || (word === word.toUpperCase() && word.length > 2);
  return uniform ? word.toLowerCase().replace(/(^|[-'])(\p{L})/gu, (_, lead: string, letter: string) => lead + letter.toUpperCase()) : word;
}

