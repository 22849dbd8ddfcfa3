/**
 * What makes a realistic set as hard as real chats (the `plain` style leaves all of it out):
 * questions that share no word with their evidence, assistants that restate a fact in their
 * own words, everyday turns that share a question's words but not its answer, facts given as
 * answers to the assistant's question, events told with relative dates ("last Saturday") and
 * asked about by date or the other way round, and open-ended requests that need a fact the
 * user never tied to the request's words.
 */
import * as values from "./fact-values.ts";
import { monthDay, type ValueDrawer } from "./fact-values.ts";
import type { BlueprintFactory, FactBlueprint } from "./planted-facts.ts";

/** Extras for the plain fact kinds, by key. Static text: the plain style draws the same random numbers as before. */
export interface RealisticExtras {
  /** Questions that share no content word with any statement of the fact. */
  indirectQuestions?: readonly string[];
  /** Acknowledgements that restate the topic in other words, never the value. */
  echoes?: readonly string[];
  /** User turns elsewhere in the set that share the question's words but not the answer. */
  distractors?: readonly string[];
}

export const extrasByKey: Readonly<Record<string, RealisticExtras>> = {
  "user-name": {
    indirectQuestions: ["How should you address me?", "What am I called?"],
    distractors: ["What's a good name for a sourdough starter? Mine needs one.", "Should I use my full name on my CV or the short version?"],
  },
  "sister-name": {
    indirectQuestions: ["What's my sibling called?", "What's my sibling's name?"],
    echoes: ["Sounds like you two are close. Siblings like that are worth a lot."],
    distractors: ["My friend's sister just had a baby. What's a thoughtful gift?", "How do I tell my sister I can't lend her money again?"],
  },
  "partner-name": {
    indirectQuestions: ["What's the name of my other half?", "Who am I in a relationship with?"],
    echoes: ["Relationships take work, and it sounds like you both care."],
    distractors: ["My partner snores. Any tips that actually work?", "How do I split chores fairly with my partner?"],
  },
  "pet-name": {
    indirectQuestions: ["What's our animal called?", "Who's the furry member of the family, name-wise?"],
    echoes: ["Animals really do run the place once they settle in."],
    distractors: ["Is it safe to give a dog peanut butter?", "How do I stop a cat scratching the sofa?"],
  },
  "friend-name": {
    indirectQuestions: ["Who's my closest mate?", "Who's my oldest pal?"],
    echoes: ["Old friendships like that are rare."],
    distractors: ["My friend keeps cancelling plans last minute. How do I bring it up?", "What's a good gift for a friend who has everything?"],
  },
  "manager-name": {
    indirectQuestions: ["Who's my boss?", "Who is in charge of me at my job?"],
    echoes: ["Bosses like that can make a job exhausting."],
    distractors: ["How do I ask my manager for a day off at short notice?", "My manager never gives feedback. Should I ask for it?"],
  },
  "flight-date": {
    indirectQuestions: ["When does my holiday abroad start?", "What day do I set off on my trip?"],
    echoes: ["Exciting, a trip abroad! Let me know if you want help with the itinerary."],
    distractors: ["How early should I get to the airport for a flight in the morning?", "Any tips for sleeping on a long flight?"],
  },
  "mother-birthday": {
    indirectQuestions: ["When do we celebrate my mother's special day?", "On which day does my mother get older?"],
    echoes: ["Celebrating a parent is always tricky to get right; happy to brainstorm presents."],
    distractors: ["What's a good birthday cake for someone who doesn't like chocolate?", "My mom keeps forgetting to take her vitamins. How do I help?"],
  },
  "dentist-date": {
    indirectQuestions: ["When are my teeth getting checked?", "When is my next check-up for my teeth?"],
    echoes: ["Nobody enjoys a check-up, but better to get it done."],
    distractors: ["Is it normal for a dentist to charge for a cleaning separately?", "How do I stop feeling anxious before an appointment?"],
  },
  "interview-date": {
    indirectQuestions: ["When am I meeting that company about the job?", "What day is my job application meeting?"],
    echoes: ["Good luck! A hiring process is nerve-racking."],
    distractors: ["What questions should I ask at the end of an interview?", "How do I answer 'what's your biggest weakness' in an interview?"],
  },
  "anniversary-date": {
    indirectQuestions: ["When did we get married, day-wise?", "What day do we celebrate as a couple?"],
    echoes: ["A milestone like that deserves a celebration."],
    distractors: ["What's a traditional gift for a tenth anniversary?", "My parents' anniversary is coming up. Any ideas for a card?"],
  },
  diet: {
    indirectQuestions: ["Anything I avoid that you should keep in mind for a menu?", "Cook something for me tonight; keep my restrictions in mind."],
    echoes: ["That's an important thing to know for any recipe I suggest."],
    distractors: ["What can I eat before a run that won't upset my stomach?", "How do I plan a dinner party on a budget?"],
  },
  "disliked-ingredient": {
    indirectQuestions: ["Which food can't I stand?", "What should never end up on my plate?"],
    echoes: ["Everyone has one flavour they can't stand; I'll steer clear."],
    distractors: ["Which ingredient makes a tomato sauce taste richer?", "I hate doing the dishes after cooking. Any shortcuts?"],
  },
  "coffee-order": {
    indirectQuestions: ["How do I like my caffeine?", "What do I drink to wake up?"],
    echoes: ["A good morning drink makes a real difference."],
    distractors: ["Is coffee after 3pm really that bad for sleep?", "What's a good coffee grinder for under fifty euros?"],
  },
  "programming-language": {
    indirectQuestions: ["What do I code in?", "Which tech do I use for my software projects?"],
    echoes: ["Picking one tool and getting fluent in it pays off."],
    distractors: ["Which programming language is best for a first-year student?", "How do I learn a new language quickly, say Spanish?"],
  },
  "loved-book": {
    indirectQuestions: ["Which novel blew me away recently?", "What was that novel I was raving about?"],
    echoes: ["A story that sticks with you like that is a gift."],
    distractors: ["Can you recommend a book for a long train ride?", "How do I get back into reading after a long break?"],
  },
  "dad-gift": {
    indirectQuestions: ["What did my father get from me?", "What did my father receive from me on his special day?"],
    echoes: ["I'm sure your father will appreciate the thought."],
    distractors: ["My dad is impossible to shop for. Any ideas?", "What's a good gift for a dad who likes gardening?"],
  },
  "car-repair": {
    indirectQuestions: ["What was wrong with my vehicle?", "What part had to be fixed on my vehicle?"],
    echoes: ["Garage bills always come at the worst time."],
    distractors: ["How often should a car be serviced?", "Is it worth buying a car with high mileage?"],
  },
  "race-time": {
    indirectQuestions: ["How long did my 21k take me?", "What was my finishing result for that 21-kilometre event?"],
    echoes: ["That's a great result; take a few easy days now."],
    distractors: ["How do I train for a marathon in sixteen weeks?", "What should I eat the night before a half marathon?"],
  },
  restaurant: {
    indirectQuestions: ["Where did we eat out that I loved?", "Which eatery did I rave about?"],
    echoes: ["A meal worth going back for is a good find."],
    distractors: ["How much should I tip at a restaurant in Europe?", "Can you suggest a restaurant-style pasta I can make at home?"],
  },
  "evening-class": {
    indirectQuestions: ["What hobby course am I taking?", "What am I learning in my weekly course?"],
    echoes: ["Learning something new after work is brave; enjoy it."],
    distractors: ["Is a class or an app better for learning to dance?", "How do I find an evening course that isn't too expensive?"],
  },
  "home-city": {
    indirectQuestions: ["What's my current address, town-wise?", "Which place am I based in at present?"],
    echoes: ["Moving house is a lot; hope you settle in quickly."],
    distractors: ["Which city is nicer to visit in winter, north or south?", "How do I find a good GP after I move?"],
  },
  employer: {
    indirectQuestions: ["Who's my employer at present?", "Who pays my salary these days?"],
    echoes: ["A new job is a big change; hope the team is good."],
    distractors: ["How do I negotiate working from home two days a week?", "Is it normal to work weekends in a startup?"],
  },
  phone: {
    indirectQuestions: ["What's my current mobile?", "Which handset am I using at present?"],
    echoes: ["A new handset always takes a few days to get used to."],
    distractors: ["How do I make my phone battery last longer?", "Should I buy a phone case or just be careful?"],
  },
  car: {
    indirectQuestions: ["What vehicle is parked outside my place?", "What's my current ride?"],
    echoes: ["Nothing beats a reliable vehicle."],
    distractors: ["How do I get rid of the smell in an old car?", "Is it cheaper to lease a car or buy one?"],
  },
  "sister-city-and-wedding": {
    echoes: ["Big family news! That's lovely."],
    distractors: ["What do I wear to a wedding with a 'smart casual' dress code?", "My sister never answers her phone. Should I worry?"],
  },
  "trip-hotel-and-departure": {
    echoes: ["That sounds like a lovely getaway."],
    distractors: ["Is it better to book a hotel directly or through a website?", "How do I pack for a trip where it might rain?"],
  },
  "partner-job-and-meeting": {
    echoes: ["Sounds like you two make it work."],
    distractors: ["How do I support my partner through a stressful job?", "Where do people meet someone new these days?"],
  },
  "brother-study-and-graduation": {
    echoes: ["Your family must be proud."],
    distractors: ["What's a good graduation present for a friend?", "My brother wants to borrow my car. How do I say no nicely?"],
  },
};

const replyQuestionFacts: BlueprintFactory[] = [
  ({ take, random }) => {
    const city = take(values.cities);
    return reply("summer-plans", "Any plans for the summer?", ["What did I say my plans for the summer were?", "Remind me of my summer plans?"], random.pick([`Moving to ${city} in June, actually! Still sorting out the paperwork.`, `We're relocating to ${city}. Boxes everywhere already.`]), city, ["A fresh start, how exciting!"]);
  },
  ({ take, random }) => {
    const role = take(values.roles);
    return reply("day-job", "What do you do for work, if you don't mind me asking?", ["What did I tell you I do for work?", "Remind me what work I do?"], random.pick([`I'm ${role}. Long days, but I like it.`, `Honestly? I'm ${role}, have been for six years.`]), role.replace(/^an? /, ""), ["That sounds like demanding but meaningful work."]);
  },
  ({ take, random }) => {
    const city = take(values.cities);
    return reply("grew-up", "Where did you grow up, by the way?", ["Where did I grow up?", "Which town did I grow up in?"], random.pick([`Small place outside ${city}. Couldn't wait to leave at eighteen.`, `In ${city}, until I was twelve, then we moved around a lot.`]), city);
  },
  ({ take, random }) => {
    const instrument = take(values.instruments);
    return reply("instrument", "Do you play any instruments yourself?", ["Which instrument do I play?", "What instrument did I say I play?"], random.pick([`The ${instrument}, since I was seven. Badly, but with feeling.`, `I've been on the ${instrument} for years; my neighbours suffer.`]), instrument, ["Music is a lovely thing to keep up."]);
  },
  ({ take, random }) => {
    const mode = take(values.commuteModes);
    return reply("commute", "How do you usually get to the office?", ["How do I get to the office?", "What did I say about getting to the office?"], random.pick([`By ${mode}, forty minutes each way.`, `${capitalise(mode)}, most days. Unless it's pouring.`]), mode);
  },
  ({ take, random }) => {
    const title = take(values.bookTitles);
    return reply("current-read", "What are you reading at the moment?", ["What book am I reading at the moment?", "What did I say I was reading?"], random.pick([`${title}, a few pages a night before bed.`, `Working my way through ${title}. Slowly.`]), title);
  },
];

/**
 * Events told relative to when they are said ("last Saturday"), with two rival events of the same
 * kind weeks apart: only the time tells them apart. The question asks by date, or asks "two weeks
 * ago" about an event told on the day.
 */
const temporalFacts: BlueprintFactory[] = [
  (drawer) =>
    temporal(drawer, "gig", values.bands, "told-relative", (band, when) => drawer.random.pick([`Saw ${band} live ${when}; my ears are still ringing.`, `${capitalise(when)} I finally saw ${band} live. Best gig in years.`]), (date) => `Which band did I see live ${date}?`, ["Thinking of seeing a band live soon. How do I protect my ears?", "What do I bring to a standing gig?"]),
  (drawer) =>
    temporal(drawer, "hike", values.mountains, "told-relative", (mountain, when) => drawer.random.pick([`Hiked up ${mountain} ${when}, my legs are still complaining.`, `${capitalise(when)} we hiked ${mountain}. Views for days.`]), (date) => `Which mountain did I hike ${date}?`, ["What boots are good for hiking on wet rock?", "How do I hike in the cold without freezing?"]),
  (drawer) =>
    temporal(drawer, "treat", values.treats, "asked-relative", (item) => drawer.random.pick([`Treated myself today: a ${item}. No regrets.`, `Just treated myself to a ${item}, first splurge in months.`]), (when) => `What did I treat myself to ${when}?`, ["Should I treat myself after finishing a big project, or is that silly?", "How do I stop impulse buys when I want to treat myself?"]),
  (drawer) =>
    temporal(drawer, "cinema", values.films, "asked-relative", (film) => drawer.random.pick([`Watched ${film} at the cinema tonight. Still thinking about the ending.`, `Cinema night: we saw ${film}. Loved it.`]), (when) => `Which film did I see at the cinema ${when}?`, ["Are cinema snacks ever worth the price?", "Is it weird to go to the cinema alone?"]),
];

/** Requests pieced together from something said in passing plus general knowledge. */
const openEndedFacts: BlueprintFactory[] = [
  ({ take, random }) => {
    const hobby = take(values.hobbies);
    return open("partner-gift", ["What should I get my partner for our anniversary?", "Gift ideas for my partner? Something they'd actually use."], "shared-word", [random.pick([`My partner has been obsessed with ${hobby} lately, it's all they talk about.`, `My partner spent the whole weekend on ${hobby} again.`])], hobby, ["What's a good gift for a partner's birthday under fifty euros?", "My partner and I never agree on weekend plans. Any tips?"]);
  },
  ({ take, random }) => {
    const allergen = take(values.allergens);
    return open("dinner-menu", ["Six people are coming round on Saturday; plan me a menu I can safely serve myself too.", "Plan a three-course meal for guests this weekend, keeping me in mind."], "no-shared-word", [random.pick([`I'm allergic to ${allergen}, found out the hard way at a wedding.`, `Turns out I'm allergic to ${allergen}. The clinic confirmed it.`])], allergen, ["How many courses does a dinner party need?", "What can I prepare the day before guests arrive?"]);
  },
  ({ take, random }) => {
    const part = take(values.injuries);
    return open("workout-plan", ["Suggest a weekly workout plan that won't make my injury worse.", "Put together an exercise routine I can stick to, given my injury."], "shared-word", [random.pick([`Tore my ${part} skiing, a proper injury; the physio says nothing high-impact for months.`, `My ${part} injury from the fall is still healing, so no jumping around for a while.`])], part, ["How long does a sports injury usually take to heal?", "Is a routine of three sessions a week enough?"]);
  },
  ({ take, random }) => {
    const name = take(values.personNames);
    return open("family-day-out", ["Plan a family day out for this Saturday, something everyone will enjoy.", "What could we do as a family on Sunday?"], "no-shared-word", [random.pick([`Our son ${name} just turned two and naps at one sharp, or the whole afternoon falls apart.`, `${name}, our toddler, is finally walking. Chaos.`])], name, ["How do I plan a day out with the family when it might rain?", "Any family board games that aren't too long?"]);
  },
];

function reply(key: string, prompt: string, questions: string[], statement: string, answer: string, echoes?: string[]): FactBlueprint {
  return { key, type: "reply-to-question", statementCount: 1, questions, wording: "no-shared-word", prompts: [prompt], ...(echoes ? { echoes } : {}), render: () => ({ statements: [statement], answer }) };
}

function open(key: string, questions: string[], wording: "shared-word" | "no-shared-word", statements: string[], answer: string, distractors: string[]): FactBlueprint {
  return { key, type: "open-ended", statementCount: statements.length, questions, wording, distractors, render: () => ({ statements, answer }) };
}

const weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const day = 86_400_000;

/**
 * Three statements about the same kind of event with different values, in chats at least two
 * weeks apart; one (chosen at random) is the evidence, the others rivals no question asks for.
 * "told-relative": the statement dates the event relative to when it is said and the question
 * names the date; "asked-relative": the statement is about today and the question says how long ago.
 */
function temporal(
  drawer: ValueDrawer,
  key: string,
  pool: readonly string[],
  mode: "told-relative" | "asked-relative",
  statement: (value: string, when: string) => string,
  question: (when: string) => string,
  distractors: string[],
): FactBlueprint {
  const valuesSaid = [drawer.take(pool), drawer.take(pool), drawer.take(pool)];
  const evidenceIndex = drawer.random.integer(0, valuesSaid.length - 1);
  const eventDates: Date[] = [];
  return {
    key,
    type: "temporal",
    statementCount: valuesSaid.length,
    questions: [],
    wording: "shared-word",
    evidenceStatements: [evidenceIndex],
    minimumDaysApart: 14,
    askWithinDays: mode === "asked-relative" ? 60 : undefined,
    distractors,
    render: (times) => {
      const statements = valuesSaid.map((value, index) => {
        const said = times[index]!;
        if (mode === "asked-relative") {
          eventDates[index] = said;
          return statement(value, "today");
        }
        const daysBefore = drawer.random.integer(1, 6);
        eventDates[index] = new Date(said.getTime() - daysBefore * day);
        return statement(value, daysBefore === 1 ? "yesterday" : `last ${weekdays[eventDates[index].getUTCDay()]}`);
      });
      return { statements, answer: valuesSaid[evidenceIndex]! };
    },
    askAt: (askedAt) => {
      const event = eventDates[evidenceIndex]!;
      if (mode === "told-relative") {
        return question(drawer.random.chance(0.5) ? `on ${monthDay(event)}` : `in ${partOfMonth(event)}${monthNames[event.getUTCMonth()]}`);
      }
      return question(howLongAgo(event, askedAt));
    },
  };
}

function partOfMonth(date: Date): string {
  const dayOfMonth = date.getUTCDate();
  return dayOfMonth <= 10 ? "early " : dayOfMonth <= 20 ? "mid-" : "late ";
}

/** How a person says when something happened, from the calendar days between then and now (UTC). */
export function howLongAgo(event: Date, now: Date): string {
  const days = Math.round((Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - Date.UTC(event.getUTCFullYear(), event.getUTCMonth(), event.getUTCDate())) / day);
  if (days <= 1) return "yesterday";
  if (days <= 6) return `on ${weekdays[event.getUTCDay()]}`;
  if (days <= 10) return "about a week ago";
  if (days <= 17) return "two weeks ago";
  if (days <= 24) return "three weeks ago";
  if (days <= 40) return "about a month ago";
  if (days <= 75) return "two months ago";
  return `back in ${monthNames[event.getUTCMonth()]}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export const realisticFactories = {
  "reply-to-question": replyQuestionFacts,
  temporal: temporalFacts,
  "open-ended": openEndedFacts,
} as const;

/** The plain fact kinds with their realistic extras attached. */
export function withExtras(blueprint: FactBlueprint): FactBlueprint {
  const extras = extrasByKey[blueprint.key];
  return extras === undefined ? blueprint : { ...blueprint, ...extras };
}
