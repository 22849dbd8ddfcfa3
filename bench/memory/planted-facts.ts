import * as values from "./fact-values.ts";
import { monthDay, spokenDate, type ValueDrawer } from "./fact-values.ts";
import { realisticFactories } from "./realistic-facts.ts";

/**
 * Every question type, in report order: the one list the generator, the scorer and the
 * benchmark's table read. The plain style asks only the first six (`plainQuestionTypes`).
 */
export const questionTypes = ["name", "date", "preference", "earlier-chat", "changed-fact", "two-facts", "reply-to-question", "temporal", "open-ended"] as const;
export type QuestionType = (typeof questionTypes)[number];
/** The types of the plain style: the generator as it was before realistic sets. */
export const plainQuestionTypes: readonly QuestionType[] = questionTypes.slice(0, 6);

/**
 * A fact the user states in one or more turns, and the questions that probe it.
 * Changed facts have one statement per value (the last is current); two-fact
 * blueprints have one statement per fact.
 */
export interface FactBlueprint {
  key: string;
  type: QuestionType;
  statementCount: number;
  /** Paraphrases: each shares a content word with the statements but not their wording. */
  questions: readonly string[];
  /** Texts are rendered once the turns are placed, because dates are relative to when they are said. */
  render(statementTimes: readonly Date[]): { statements: string[]; answer: string };
  // Everything below is used by realistic sets only (see realistic-facts.ts).
  /** Whether `questions` share a content word with every evidence turn (the default) or none. */
  wording?: "shared-word" | "no-shared-word";
  /** Questions that share no content word with any statement. */
  indirectQuestions?: readonly string[];
  /** Acknowledgements that restate the topic in other words, never the value. */
  echoes?: readonly string[];
  /** User turns elsewhere that share the question's words but not its answer. */
  distractors?: readonly string[];
  /** One per statement: the assistant's question that ends the reply before it, which the statement answers. */
  prompts?: readonly string[];
  /** Which statements are evidence (default all but, for changed facts, the latest); the others are rivals no question asks for. */
  evidenceStatements?: readonly number[];
  /** Statements go in chats at least this many days apart. */
  minimumDaysApart?: number;
  /** The question comes at most this many days after the evidence, when a chat then allows it. */
  askWithinDays?: number;
  /** The question's text, once its time is known (for questions that say "two weeks ago"). */
  askAt?(askedAt: Date): string;
}

export type BlueprintFactory = (drawer: ValueDrawer) => FactBlueprint;

function single(key: string, type: QuestionType, questions: string[], statement: string, answer: string): FactBlueprint {
  return { key, type, statementCount: 1, questions, render: () => ({ statements: [statement], answer }) };
}

/** A fact with a date in it, said 10 to 70 days ahead of the date. */
function dated(drawer: ValueDrawer, key: string, type: QuestionType, questions: string[], phrasings: Array<(date: string) => string>): FactBlueprint {
  return {
    key,
    type,
    statementCount: 1,
    questions,
    render: ([time]) => {
      const date = drawer.dateAfter(time!);
      return { statements: [drawer.random.pick(phrasings)(spokenDate(date, drawer.random))], answer: monthDay(date) };
    },
  };
}

function changing(drawer: ValueDrawer, key: string, questions: string[], pool: readonly string[], first: Array<(value: string) => string>, update: Array<(value: string) => string>): FactBlueprint {
  const history = Array.from({ length: drawer.random.chance(0.3) ? 3 : 2 }, () => drawer.take(pool));
  return {
    key,
    type: "changed-fact",
    statementCount: history.length,
    questions,
    render: () => ({
      statements: history.map((value, index) => drawer.random.pick(index === 0 ? first : update)(value)),
      answer: history.at(-1)!,
    }),
  };
}

function pair(key: string, questions: string[], render: FactBlueprint["render"]): FactBlueprint {
  return { key, type: "two-facts", statementCount: 2, questions, render };
}

const nameFacts: BlueprintFactory[] = [
  ({ take, random }) => {
    const name = take(values.personNames);
    const said = random.pick([`By the way, my name is ${name}; I never introduced myself properly.`, `I'm ${name}, by the way. Feels odd that I never told you my name.`, `Quick thing: the account says "user" but my name's ${name}.`, `Feel free to use my name when you reply, it's ${name}.`]);
    return single("user-name", "name", ["Do you remember my name?", "What name did I give you for me?", "Which name should you use when you address me?"], said, name);
  },
  ({ take, random }) => {
    const name = take(values.personNames);
    const said = random.pick([`My sister ${name} is visiting next week and I have no idea what to cook.`, `${name}, my younger sister, just passed her driving test!`, `My sister ${name} keeps sending me memes at 2 a.m.`, `Talked to my sister ${name} for two hours last night.`]);
    return single("sister-name", "name", ["What's my sister called?", "Remind me of my sister's name?", "Who's my sister again, what was her name?"], said, name);
  },
  ({ take, random }) => {
    const name = take(values.personNames);
    const said = random.pick([`My partner ${name} and I are arguing about paint colours again.`, `${name}, my partner, thinks I work too much.`, `My partner ${name} surprised me with concert tickets.`]);
    return single("partner-name", "name", ["What's my partner's name?", "Remind me what my partner is called?", "Who is my partner, name-wise?"], said, name);
  },
  ({ take, random }) => {
    const name = take(values.petNames);
    const species = random.pick(values.petSpecies);
    const said = random.pick([`Our ${species} ${name} chewed through another charger.`, `I have a ${species} named ${name} and she basically runs the household.`, `${name}, my ${species}, has been sleeping on my keyboard all week.`, `Our ${species} ${name} had a vet check-up today, all fine.`]);
    return single("pet-name", "name", [`What's my ${species} called?`, `What did I say my ${species}'s name was?`, `Remind me of my ${species}'s name?`], said, name);
  },
  ({ take, random }) => {
    const name = take(values.personNames);
    const said = random.pick([`My best friend ${name} is turning forty and I need a gift idea.`, `${name}, my best friend since school, is moving abroad and I'm gutted.`]);
    return single("friend-name", "name", ["What's my best friend's name?", "Who did I say my best friend was?"], said, name);
  },
  ({ take, random }) => {
    const name = take(values.personNames);
    const said = random.pick([`My manager ${name} wants a status report every Friday now.`, `I had a tense meeting with ${name}, my manager, today.`]);
    return single("manager-name", "name", ["What's my manager's name?", "Who's my manager again?"], said, name);
  },
];

const dateFacts: BlueprintFactory[] = [
  (drawer) => {
    const city = drawer.take(values.cities);
    return dated(drawer, "flight-date", "date", [`What date did I say my flight to ${city} was?`, `When was I flying out to ${city}?`, `Which day do I fly to ${city}?`], [
      (date) => `My flight to ${city} is on ${date}.`,
      (date) => `I finally booked it: ${city}, leaving ${date}!`,
      (date) => `Flying to ${city} on ${date}, so I need to pack light.`,
    ]);
  },
  (drawer) =>
    dated(drawer, "mother-birthday", "date", ["When is my mom's birthday?", "What date is my mother's birthday?"], [
      (date) => `My mom's birthday is ${date} and I still haven't ordered anything.`,
      (date) => `Mum's birthday falls on ${date} this year. Any gift ideas?`,
    ]),
  (drawer) =>
    dated(drawer, "dentist-date", "date", ["When's my dentist appointment?", "What day did I say I'm seeing the dentist?"], [
      (date) => `I have a dentist appointment on ${date}, ugh.`,
      (date) => `Dentist on ${date}. They finally had an opening.`,
    ]),
  (drawer) => {
    const company = drawer.take(values.companies);
    return dated(drawer, "interview-date", "date", [`When did I say my interview with ${company} was?`, `What date is the ${company} interview?`], [
      (date) => `The interview at ${company} is on ${date}; I'm nervous.`,
      (date) => `Got an interview with ${company}! It's on ${date}.`,
    ]);
  },
  (drawer) =>
    dated(drawer, "anniversary-date", "date", ["What's the date of our anniversary?", "When is our anniversary again?"], [
      (date) => `Our anniversary is on ${date} and I want to plan something special.`,
      (date) => `${date} is our wedding anniversary. Ten years!`,
    ]),
];

const preferenceFacts: BlueprintFactory[] = [
  ({ take, random }) => {
    const diet = take(values.diets, (item) => item.answer);
    return single("diet", "preference", ["Is there anything I don't eat? I'm planning a dinner party.", "What did I tell you about what I eat?", "Plan me a dinner, and remember what I can and can't eat."], random.pick(diet.statements), diet.answer);
  },
  ({ take, random }) => {
    const ingredient = take(values.dislikedIngredients);
    const said = random.pick([`I hate ${ingredient}; it ruins any dish for me.`, `Honestly I hate ${ingredient}, so please leave it out of recipes.`, `Fun fact: I hate ${ingredient}. Always have.`]);
    return single("disliked-ingredient", "preference", ["Which ingredient did I say I hate?", "Is there a food I hate that you should leave out?", "What do I hate finding in my food?"], said, ingredient);
  },
  ({ take, random }) => {
    const order = take(values.coffeeOrders);
    const said = random.pick([`My coffee order is always a ${order}, nothing fancier.`, `Only a ${order} for me. Coffee is non-negotiable in the morning.`, `I'm boring with coffee: a ${order}, every single day.`]);
    return single("coffee-order", "preference", ["How do I take my coffee?", "What's my usual coffee order?"], said, order);
  },
  ({ take, random }) => {
    const language = take(values.programmingLanguages);
    const said = random.pick([`My go-to programming language is ${language} these days.`, `I write almost everything in ${language} now; it's my favourite language.`, `At work and at home, ${language} is the language I reach for.`]);
    return single("programming-language", "preference", ["Which programming language do I prefer?", "What's my go-to language for side projects?"], said, language);
  },
];

const earlierChatFacts: BlueprintFactory[] = [
  ({ take, random }) => {
    const title = take(values.bookTitles);
    const said = random.pick([`I just finished ${title}, the best book I've read in years.`, `Finally read ${title}. What a book; I can't stop thinking about it.`]);
    return single("loved-book", "earlier-chat", ["A while back I told you about a book I loved. Which one was it?", "Which book did I rave about in an earlier chat?"], said, title);
  },
  ({ take, random }) => {
    const gift = take(values.gifts);
    const said = random.pick([`I bought my dad ${gift} for his birthday, fingers crossed he likes it.`, `Got my dad ${gift} as a present. It was a splurge.`]);
    return single("dad-gift", "earlier-chat", ["What did I say I got my dad?", "Remind me what present I bought for my dad a while ago?"], said, gift);
  },
  ({ take, random }) => {
    const repair = take(values.carRepairs);
    const said = random.pick([`The mechanic says my car needs ${repair}. There goes the weekend budget.`, `Took the car in: apparently it needs ${repair}.`]);
    return single("car-repair", "earlier-chat", ["What did the mechanic say my car needed?", "Some time ago I mentioned a problem with my car. What was it?"], said, repair);
  },
  ({ take, random }) => {
    const time = take(values.raceTimes);
    const said = random.pick([`I ran the half marathon on Sunday in ${time}! My legs are dead.`, `Half marathon done: ${time}, a personal best.`]);
    return single("race-time", "earlier-chat", ["What was my time in the half marathon I told you about?", "How fast did I run that half marathon?"], said, time);
  },
  ({ take, random }) => {
    const restaurant = take(values.restaurants, (item) => item.name);
    const said = random.pick([`We tried a ${restaurant.cuisine} place called ${restaurant.name} last night. Incredible.`, `Had dinner at ${restaurant.name}, a little ${restaurant.cuisine} restaurant; I want to go back.`]);
    return single("restaurant", "earlier-chat", [`What was the ${restaurant.cuisine} restaurant I told you about called?`, `Which ${restaurant.cuisine} place did I say I wanted to go back to?`], said, restaurant.name);
  },
  ({ take, random }) => {
    const course = take(values.eveningClasses);
    const said = random.pick([`I signed up for a ${course} class on Thursday evenings.`, `Started a ${course} class this week. I'm terrible but it's fun.`]);
    return single("evening-class", "earlier-chat", ["What class did I say I'd started?", "Which evening class did I tell you about a while ago?"], said, course);
  },
];

const changedFacts: BlueprintFactory[] = [
  (drawer) =>
    changing(drawer, "home-city", ["Which city do I live in now?", "Where do I live these days?"], values.cities, [
      (city) => `I live in ${city}, so anything outdoors depends on the weather.`,
      (city) => `Here in ${city}, where I live, rents are getting absurd.`,
    ], [
      (city) => `Big news: we moved! I live in ${city} now.`,
      (city) => `Settling in after the move. I live in ${city} now and still can't find anything.`,
    ]),
  (drawer) => {
    const role = drawer.take(values.roles);
    return changing(drawer, "employer", ["Where do I work at the moment?", "Which company do I work for now?"], values.companies, [
      (company) => `I work at ${company} as ${role}.`,
      (company) => `Work at ${company} has been hectic this quarter.`,
    ], [
      (company) => `I started a new job! I work at ${company} now.`,
      (company) => `Last week was my first at ${company}; that's where I work now.`,
    ]);
  },
  (drawer) =>
    changing(drawer, "phone", ["What phone do I have now?", "Which phone am I using these days?"], values.phones, [
      (phone) => `My phone is a ${phone} and the battery is dead by lunch.`,
    ], [
      (phone) => `Replaced my phone, it's a ${phone} now.`,
      (phone) => `New phone day: I switched to a ${phone}.`,
    ]),
  (drawer) =>
    changing(drawer, "car", ["What car do I drive now?", "Which car am I driving these days?"], values.cars, [
      (car) => `I drive a ${car}; nothing fancy, but the car never lets me down.`,
    ], [
      (car) => `Sold the old car; I drive a ${car} now.`,
      (car) => `Traded in my car. I drive a ${car} these days.`,
    ]),
];

const twoFactFacts: BlueprintFactory[] = [
  (drawer) => {
    const city = drawer.take(values.cities);
    return pair("sister-city-and-wedding", ["Which city does my sister live in, and when is her wedding?", "Where does my sister live, and what's the date of her wedding?"], ([, weddingTime]) => {
      const date = drawer.dateAfter(weddingTime!);
      const spoken = spokenDate(date, drawer.random);
      return {
        statements: [
          drawer.random.pick([`My sister lives in ${city} now and loves it.`, `My sister's flat in ${city} is tiny, but she says living there is worth it.`]),
          drawer.random.pick([`My sister's wedding is on ${spoken}! I'm giving a speech.`, `Wedding season: my sister gets married on ${spoken}.`]),
        ],
        answer: `${city}; ${monthDay(date)}`,
      };
    });
  },
  (drawer) => {
    const city = drawer.take(values.cities);
    const hotel = drawer.take(values.hotels);
    return pair("trip-hotel-and-departure", [`For my trip to ${city}, which hotel did I book and when do we leave?`, `Where are we staying in ${city}, and what day does that trip start?`], ([, departureTime]) => {
      const date = drawer.dateAfter(departureTime!);
      const spoken = spokenDate(date, drawer.random);
      return {
        statements: [
          drawer.random.pick([`For the ${city} trip I booked a room at ${hotel}.`, `We're staying at ${hotel} when we go to ${city}.`]),
          drawer.random.pick([`We leave for ${city} on ${spoken}.`, `The ${city} trip starts ${spoken}, can't wait.`]),
        ],
        answer: `${hotel}; ${monthDay(date)}`,
      };
    });
  },
  (drawer) => {
    const role = drawer.take(values.roles);
    const place = drawer.take(values.meetingPlaces);
    return pair("partner-job-and-meeting", ["What does my partner do for a living, and where did we meet?", "Where did my partner and I meet, and what's their job?"], () => ({
      statements: [
        drawer.random.pick([`My partner works as ${role}; long shifts this month.`, `My partner is ${role}, so our schedules never line up.`]),
        drawer.random.pick([`My partner and I met at ${place}, of all places.`, `Fun fact: my partner and I first met at ${place}.`]),
      ],
      answer: `${role}; ${place}`,
    }));
  },
  (drawer) => {
    const subject = drawer.take(values.studySubjects);
    return pair("brother-study-and-graduation", ["What is my brother studying, and when does he graduate?", "When is my brother's graduation, and what's his degree in?"], ([, graduationTime]) => {
      const date = drawer.dateAfter(graduationTime!);
      const spoken = spokenDate(date, drawer.random);
      return {
        statements: [
          drawer.random.pick([`My brother is studying ${subject} and I understand none of it.`, `My brother switched his degree to ${subject}.`]),
          drawer.random.pick([`My brother graduates on ${spoken}; we're all going.`, `Graduation for my brother is ${spoken}.`]),
        ],
        answer: `${subject}; ${monthDay(date)}`,
      };
    });
  },
];

export const blueprintFactories: Record<QuestionType, readonly BlueprintFactory[]> = {
  name: nameFacts,
  date: dateFacts,
  preference: preferenceFacts,
  "earlier-chat": earlierChatFacts,
  "changed-fact": changedFacts,
  "two-facts": twoFactFacts,
  ...realisticFactories,
};
