import { demonyms, notRoleOpeners, notInterestOpeners } from "./profile-words.ts";
import { prepareUserText, restoreDots, splitIntoSentences, type Sentence } from "./profile-text.ts";
import {
  capitalise,
  parseInstruction,
  parseInterests,
  parseLanguages,
  parseName,
  parsePlace,
  parsePreferred,
  parseRole,
  parseStudy,
  parseThing,
  parseWork,
  wordPattern,
  type SentenceContext,
} from "./profile-values.ts";

export type ProfileFactKind = "name" | "role" | "interest" | "preference" | "location" | "other";

export interface ProfileFact {
  kind: ProfileFactKind;
  value: string;
  /** The sentence the fact came from, as the user wrote it. */
  evidence: string;
}

interface Candidate {
  kind: ProfileFactKind;
  value: string;
  at: number;
}

const greeting = /^(?:hi|hello|hey|heya|hiya|howdy|greetings|good\s+(?:morning|afternoon|evening)|yo)\b(?:\s+(?:there|all|everyone|guys|folks))?[\s,!-]*/i;
const greetingThisIs = new RegExp(`${greeting.source}this\\s+is\\s+`, "gi");
const politeRequest = /^(?:(?:ok|okay|so|and|also|hey|hi|oh)[\s,]+)?(?:please[\s,]+)?(?:can|could|would|will)\s+you\b/i;
const interrogativeStart =
  /^(?:what|why|how|where|who|whom|whose|which|is|are|am|do|does|did|was|were|have|has|should|shall|can|could|would|will|may|might|isn't|aren't|don't|doesn't|didn't|wasn't|weren't)\b/i;
/** Before a cue in the same sentence, these mean the words are not the user's own statement about themselves. */
const notAboutUser =
  /\b(?:if|pretend(?:ing)?|imagine|suppose|supposing|let's\s+say|lets\s+say|as\s+if|as\s+though|what\s+if|said|says|told|tells|asked|asks|wrote|writes|replied|quote|quoting|story|poem|novel|character|roleplay|role-play|role\s+play|script|dialogue|example|for\s+instance|translate|translation|sentence|phrase|wish|dreamt|dreamed|act\s+as|acting\s+as|playing)\b/i;
const negatedCall = /\b(?:don't|do\s+not|dont|never|not|stop|nobody|no\s+one|doesn't|didn't|won't|wouldn't|shouldn't|can't|used\s+to)\s+(?:\S+\s+){0,2}$/i;

/**
 * Cheap profile facts from one user message: name, role, interests, preferences, location and a
 * few others (age, nationality, languages). Built for precision: a missed fact is left to the
 * model-based extraction, a wrong one would be shown to the user as something they said. Text in
 * code, quotes and block quotes, questions, and hypothetical or reported speech are ignored.
 */
export function extractProfileFacts(text: string): ProfileFact[] {
  const prepared = prepareUserText(text);
  const facts: ProfileFact[] = [];
  const seen = new Set<string>();
  let previousWasGreeting = false;
  for (const sentence of splitIntoSentences(prepared)) {
    const greetingOnly = greeting.test(sentence.text) && sentence.text.replace(greeting, "").trim().length === 0;
    const context: SentenceContext = {
      caseInformative: /\p{Ll}/u.test(sentence.text),
      afterGreeting: previousWasGreeting || greeting.test(sentence.text),
    };
    previousWasGreeting = greetingOnly;
    if (isQuestion(sentence)) continue;
    const evidence = text.slice(sentence.start, sentence.end).trim();
    for (const candidate of matchSentence(sentence.text, context).sort((left, right) => left.at - right.at)) {
      const restored = restoreDots(candidate.value);
      // "I'M A TEACHER": shouting is not part of the value (names are already normalised).
      const value = context.caseInformative || candidate.kind === "name" ? restored : restored.toLowerCase();
      const key = `${candidate.kind}\u0000${value.toLowerCase()}`;
      if (seen.has(key)) continue;
      seen.add(key);
      facts.push({ kind: candidate.kind, value, evidence });
    }
  }
  return facts;
}

function isQuestion(sentence: Sentence): boolean {
  const text = sentence.text.replace(greeting, "");
  if (politeRequest.test(text)) return false;
  return sentence.question || interrogativeStart.test(text);
}

function matchSentence(sentence: string, context: SentenceContext): Candidate[] {
  const candidates: Candidate[] = [];
  const add = (kind: ProfileFactKind, value: string | null, at: number) => {
    if (value !== null && value.length > 0) candidates.push({ kind, value, at });
  };
  for (const { at, rest } of cues(sentence, /\b(?:my\s+(?:first\s+|given\s+|full\s+)?name(?:'s|\s+is)|^name's)\s+(?:(?:actually|really|just|officially|legally)\s+)?/gi)) {
    add("name", parseName(rest, context, "explicit")?.value ?? null, at);
  }
  for (const { at, rest, prefix } of cues(sentence, /\bcalls?\s+me\s+/gi)) {
    if (negatedCall.test(prefix)) continue;
    add("name", parseName(rest, context, "called")?.value ?? null, at);
  }
  if (context.afterGreeting) {
    for (const { at, rest } of cues(sentence, greetingThisIs)) {
      add("name", parseName(rest, context, "stated")?.value ?? null, at);
    }
  }
  for (const { at, rest } of cues(sentence, /\b(?:i'm|i\s+am|im)\s+/gi)) {
    for (const candidate of matchIAm(rest, context)) add(candidate.kind, candidate.value, at);
  }
  for (const { at, rest, match } of cues(
    sentence,
    /\bi\s+(?:(?:currently|now|still|also|actually|mainly|mostly|just|only)\s+)?work\s+(?:(?:full[- ]time|part[- ]time|currently|now|mainly|mostly|remotely|freelance)\s+)?(as|at|for|in)\s+/gi,
  )) {
    add("role", parseWork(match[1]!.toLowerCase(), rest, context), at);
  }
  for (const { at, rest } of cues(sentence, /\bmy\s+(?:job\s+title|title|profession|occupation|position)\s+is\s+/gi)) {
    add("role", parseRole(rest), at);
  }
  for (const { at, rest } of cues(sentence, /\bi\s+(?:also\s+|currently\s+)?(?:study|major\s+in)\s+/gi)) {
    add("role", parseStudy(rest), at);
  }
  for (const { at, rest, match } of cues(
    sentence,
    /\bi\s+(?:(?:currently|now|still|also|actually)\s+)?(?:live|reside|moved|relocated|am\s+living|am\s+based|am\s+located)\s+(in|to|near|outside(?:\s+of)?|close\s+to|just\s+outside(?:\s+of)?)\s+/gi,
  )) {
    const place = parsePlace(rest, context);
    const preposition = match[1]!.toLowerCase();
    add("location", place === null ? null : preposition === "in" || preposition === "to" ? place : `${preposition} ${place}`, at);
  }
  for (const { at, rest } of cues(sentence, /\bi\s+(?:originally\s+)?come\s+from\s+/gi)) add("location", parsePlace(rest, context), at);
  for (const { at, rest } of cues(sentence, /\bi\s+grew\s+up\s+in\s+/gi)) {
    const place = parsePlace(rest, context);
    add("other", place === null ? null : `grew up in ${place}`, at);
  }
  for (const { at, rest } of cues(
    sentence,
    /\bi\s+(?:(?:really|truly|absolutely|also|just|totally|genuinely|especially|do|kinda|quite|still|kind\s+of|sort\s+of|very\s+much)\s+)*(?:like|love|enjoy|adore|dig)\s+/gi,
  )) {
    for (const interest of parseInterests(rest)) add("interest", interest, at);
  }
  for (const { at, rest } of cues(sentence, /\bmy\s+hobb(?:y|ies)\s+(?:is|are|include|includes)\s+/gi)) {
    for (const interest of parseInterests(rest)) add("interest", interest, at);
  }
  for (const { at, rest } of cues(
    sentence,
    /\bi\s+(?:(?:really|truly|absolutely|also|just|totally|genuinely|honestly|kinda|still)\s+)*(?:(?:don't|do\s+not|dont)\s+(?:really\s+|particularly\s+|much\s+)?(?:like|enjoy|care\s+for)|dislike|hate|detest|loathe|can't\s+stand|cannot\s+stand|can't\s+bear)\s+/gi,
  )) {
    const disliked = parseThing(rest);
    add("preference", disliked === null ? null : `dislikes ${disliked}`, at);
  }
  for (const { at, rest } of cues(sentence, /\bi(?:'d|\s+would)?\s+(?:(?:really|much|generally|usually|always|strongly|definitely|also|still)\s+)*prefer\s+/gi)) {
    add("preference", parsePreferred(rest), at);
  }
  for (const { at, rest, match } of cues(
    sentence,
    /(?:^|\bplease[\s,]+|\bfrom\s+now\s+on,?\s+(?:please\s+)?|\b(?:can|could|would|will)\s+you\s+(?:please\s+)?)(always|never)\s+/gi,
  )) {
    add("preference", parseInstruction(match[1]!.toLowerCase(), rest), at);
  }
  for (const { at, rest, match } of cues(sentence, /\bmy\s+(?:all[- ]time\s+)?favou?rite\s+((?:[\p{L}-]+\s+){0,2}?[\p{L}-]+)\s+(?:is|are)\s+/giu)) {
    const favourite = parseThing(rest);
    add("preference", favourite === null ? null : `favorite ${match[1]!.toLowerCase()}: ${favourite}`, at);
  }
  for (const { at, rest } of cues(sentence, /\bmy\s+pronouns\s+are\s+/gi)) {
    const pronouns = /^([a-z]+\/[a-z]+(?:\/[a-z]+)?)\b/i.exec(rest);
    add("other", pronouns === null ? null : `pronouns: ${pronouns[1]!.toLowerCase()}`, at);
  }
  for (const { at, rest } of cues(sentence, /\bi\s+(?:also\s+)?speak\s+(?:(?:fluent|some|a\s+little|basic|native)\s+)?/gi)) {
    add("other", parseLanguages(rest, context), at);
  }
  return candidates;
}

/** Everything after "I'm" / "I am": age, place, interest, diet, role, nationality, then a name. */
function matchIAm(rest: string, context: SentenceContext): Array<Omit<Candidate, "at">> {
  // "I'm 34 years old", or a bare "I'm 34" with nothing after it ("I'm 5 minutes away" is not an age).
  const age = /^(\d{1,3})\s*(?:(?:years?|yrs?)[\s-]*old\b|y\/o\b|yo\b|$)/i.exec(rest);
  if (age !== null) {
    const years = Number(age[1]);
    return years >= 5 && years <= 120 ? [{ kind: "other", value: `${years} years old` }] : [];
  }
  const afterAdverbs = rest.replace(/^(?:(?:currently|now|also|actually|still|just|only|basically|officially|technically|really|originally)\s+)+/i, "");
  const branch = (pattern: RegExp) => {
    const match = pattern.exec(afterAdverbs);
    return match === null ? null : { match, rest: afterAdverbs.slice(match[0].length) };
  };
  const one = (kind: ProfileFactKind, value: string | null) => (value === null ? [] : [{ kind, value }]);
  const many = (kind: ProfileFactKind, values: string[]) => values.map((value) => ({ kind, value }));

  const place = branch(/^(?:from|based\s+in|based\s+out\s+of|located\s+in|living\s+in)\s+/i);
  if (place !== null) return one("location", parsePlace(place.rest, context));
  const interest = branch(
    /^(?:(?:really|very|super|so|quite|deeply|extremely)\s+)?(?:into|interested\s+in|passionate\s+about|obsessed\s+with|fascinated\s+by|keen\s+on|crazy\s+about|mad\s+about)\s+/i,
  );
  if (interest !== null) return many("interest", parseInterests(interest.rest));
  const allergy = branch(/^(?:(?:very|severely|mildly|deathly)\s+)?allergic\s+to\s+/i);
  if (allergy !== null) {
    const allergen = parseThing(allergy.rest);
    return one("other", allergen === null ? null : `allergic to ${allergen}`);
  }
  const diet = branch(/^(?:(?:a|an|strictly|mostly)\s+)?(vegetarian|vegan|pescatarian)\b/i);
  if (diet !== null) return one("preference", diet.match[1]!.toLowerCase());
  const state = branch(/^(retired|semi-retired|unemployed|self-employed|between\s+jobs)\b/i);
  if (state !== null) return one("role", state.match[1]!.toLowerCase().replace(/\s+/g, " "));
  const working = branch(/^(?:working|employed)\s+(as|at|for|in|by)\s+/i);
  if (working !== null) {
    const preposition = working.match[1]!.toLowerCase();
    return one("role", parseWork(preposition === "by" ? "for" : preposition, working.rest, context));
  }
  const studying = branch(/^(?:studying|majoring\s+in)\s+/i);
  if (studying !== null) return one("role", parseStudy(studying.rest));
  const fanOf = branch(/^(?:a|an)\s+(?:(?:big|huge|massive|great|long-?time|lifelong|die-?hard|total|real|true)\s+)*fan\s+of\s+/i);
  if (fanOf !== null) return many("interest", parseInterests(fanOf.rest));
  const enthusiast = branch(
    /^(?:a|an)\s+(?:(?:big|huge|massive|great|total|real|true|die-?hard|lifelong)\s+)*((?:[\p{L}\p{N}'-]+\s+){0,2}?[\p{L}\p{N}'-]+)\s+(?:fan|lover|enthusiast|buff|nerd|geek|junkie|aficionado|fanatic)\b/iu,
  );
  if (enthusiast !== null) {
    const subject = enthusiast.match[1]!;
    const opener = subject.split(/\s+/)[0]!.toLowerCase();
    return notRoleOpeners.has(opener) || notInterestOpeners.has(opener) ? [] : one("interest", subject);
  }
  const role = branch(/^(?:a|an)\s+/i);
  if (role !== null) return one("role", parseRole(role.rest));
  // "I'm the CTO of a startup", but not "I'm the worst at this" or "I'm the one who…".
  const definiteRole = branch(/^the\s+(?=(?:[\p{L}-]+\s+){1,3}?(?:of|at|for)\s+\S)/iu);
  if (definiteRole !== null) return one("role", parseRole(definiteRole.rest));

  const firstWord = wordPattern.exec(rest)?.[1]?.toLowerCase();
  if (firstWord !== undefined && demonyms.has(firstWord)) return one("other", capitalise(firstWord));
  const name = parseName(rest, context, "stated");
  if (name === null) return [];
  const facts = one("name", name.value);
  const apposition = /^\s*,\s*(?:a|an)\s+/i.exec(name.remaining);
  if (apposition !== null) facts.push(...one("role", parseRole(name.remaining.slice(apposition[0].length))));
  return facts;
}

/** How far around a cue to look: values are short, and bounded windows keep a pasted wall of text linear. */
const prefixWindow = 160;
const valueWindow = 240;

/** Each place a cue matches, with what precedes it (for guards) and what follows (the value). */
function* cues(sentence: string, pattern: RegExp): Generator<{ at: number; rest: string; prefix: string; match: RegExpExecArray }> {
  for (const match of sentence.matchAll(pattern)) {
    const prefix = sentence.slice(Math.max(0, match.index - prefixWindow), match.index);
    if (notAboutUser.test(prefix) || /['"“‘«]\s*$/.test(prefix)) continue;
    const valueStart = match.index + match[0].length;
    yield { at: match.index, rest: sentence.slice(valueStart, valueStart + valueWindow), prefix, match: match as RegExpExecArray };
  }
}
