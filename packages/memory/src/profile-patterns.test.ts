import { describe, expect, it } from "vitest";
import { extractProfileFacts, type ProfileFactKind } from "./profile-patterns.ts";

type Expected = Array<[ProfileFactKind, string]>;

/** What users really write, each with exactly the facts it should give. */
const positives: Array<[string, Expected]> = [
  ["My name is Sarah.", [["name", "Sarah"]]],
  ["my name is john", [["name", "John"]]],
  ["MY NAME IS BOB", [["name", "Bob"]]],
  ["Hi! My name's Tom Baker and I live in Leeds.", [["name", "Tom Baker"], ["location", "Leeds"]]],
  ["My first name is Ngozi, but most people say Ngo.", [["name", "Ngozi"]]],
  ["I'm Priya, a data scientist from Pune.", [["name", "Priya"], ["role", "data scientist"]]],
  ["Hello, I’m Marco!", [["name", "Marco"]]],
  ["hey i'm sam", [["name", "Sam"]]],
  ["Good morning! I'm Jürgen.", [["name", "Jürgen"]]],
  ["I’m Dr. Sarah Chen, and I’m a pediatrician.", [["name", "Dr. Sarah Chen"], ["role", "pediatrician"]]],
  ["I'm Sam by the way", [["name", "Sam"]]],
  ["Hi, this is Kenji from accounting.", [["name", "Kenji"]]],
  ["Call me Ishmael.", [["name", "Ishmael"]]],
  ["You can call me Liz.", [["name", "Liz"]]],
  ["please call me alex", [["name", "Alex"]]],
  ["Everyone calls me DJ.", [["name", "DJ"]]],
  ["Can you call me Sam from now on?", [["name", "Sam"]]],
  ["I'm Ana and I work for Shopify as a designer.", [["name", "Ana"], ["role", "works for Shopify"]]],
  ["I work as a nurse.", [["role", "nurse"]]],
  ["I work as an electrician in Manchester.", [["role", "electrician in Manchester"]]],
  ["I currently work as a senior software engineer, mostly on backend systems.", [["role", "senior software engineer"]]],
  ["I'm a teacher.", [["role", "teacher"]]],
  ["I am an architect and I love old buildings.", [["role", "architect"], ["interest", "old buildings"]]],
  ["I'm a software developer at Spotify", [["role", "software developer at Spotify"]]],
  ["I'm a nurse at St. Mary's Hospital.", [["role", "nurse at St. Mary's Hospital"]]],
  ["I am a freelance translator.", [["role", "freelance translator"]]],
  ["I'm a student.", [["role", "student"]]],
  ["I work at Google.", [["role", "works at Google"]]],
  ["I work for the city council, but I want a change.", [["role", "works for the city council"]]],
  ["I work in healthcare.", [["role", "works in healthcare"]]],
  ["I'm retired.", [["role", "retired"]]],
  ["I study law at Edinburgh.", [["role", "studies law at Edinburgh"]]],
  ["I live in Berlin.", [["location", "Berlin"]]],
  ["I live in Portland, Oregon, and I love it.", [["location", "Portland, Oregon"]]],
  ["i live in berlin now", [["location", "Berlin"]]],
  ["I live in St. Louis.", [["location", "St. Louis"]]],
  ["I'm from Brazil but I live in Lisbon.", [["location", "Brazil"], ["location", "Lisbon"]]],
  ["I'm based in NYC.", [["location", "NYC"]]],
  ["I moved to Austin last year.", [["location", "Austin"]]],
  ["I come from a small village near Krakow.", [["location", "a small village near Krakow"]]],
  ["I love hiking, climbing and photography.", [["interest", "hiking"], ["interest", "climbing"], ["interest", "photography"]]],
  ["I really enjoy cooking Italian food.", [["interest", "cooking Italian food"]]],
  ["I like to run.", [["interest", "running"]]],
  ["I love to go hiking on weekends", [["interest", "hiking on weekends"]]],
  ["I love mac and cheese", [["interest", "mac and cheese"]]],
  ["I'm really into jazz.", [["interest", "jazz"]]],
  ["I'm a huge fan of Tolkien.", [["interest", "Tolkien"]]],
  ["I'm a coffee enthusiast.", [["interest", "coffee"]]],
  ["My hobbies are chess, knitting, and running.", [["interest", "chess"], ["interest", "knitting"], ["interest", "running"]]],
  ["I prefer short answers.", [["preference", "prefers short answers"]]],
  ["I'd prefer metric units, please.", [["preference", "prefers metric units"]]],
  ["Please always answer in British English.", [["preference", "always answer in British English"]]],
  ["Please never use emojis.", [["preference", "never use emojis"]]],
  ["From now on, always reply in Spanish.", [["preference", "always reply in Spanish"]]],
  ["I don't like cilantro.", [["preference", "dislikes cilantro"]]],
  ["I don’t really like horror movies, they scare me.", [["preference", "dislikes horror movies"]]],
  ["I hate waiting in line", [["preference", "dislikes waiting in line"]]],
  ["I can't stand long meetings.", [["preference", "dislikes long meetings"]]],
  ["I'm vegetarian.", [["preference", "vegetarian"]]],
  ["My favorite band is Radiohead.", [["preference", "favorite band: Radiohead"]]],
  ["I'm 34 years old.", [["other", "34 years old"]]],
  ["I'm Canadian.", [["other", "Canadian"]]],
  ["I'm allergic to peanuts.", [["other", "allergic to peanuts"]]],
  ["I speak French and German.", [["other", "speaks French and German"]]],
  ["My pronouns are they/them.", [["other", "pronouns: they/them"]]],
  ["I grew up in Lagos.", [["other", "grew up in Lagos"]]],
  ["I'm the CTO of a small startup.", [["role", "CTO of a small startup"]]],
  ["I work in IT.", [["role", "works in IT"]]],
  ["I'M A TEACHER", [["role", "teacher"]]],
  ["I'm 25.", [["other", "25 years old"]]],
  ["My wife and I live in Denver.", [["location", "Denver"]]],
  ["I like cats more than dogs.", [["interest", "cats"]]],
  ["I'm a nurse. I'm 40. I live in Ohio.", [["role", "nurse"], ["other", "40 years old"], ["location", "Ohio"]]],
];

/** Sentences that look like a cue but say nothing lasting about the user: the classic traps. */
const negatives: string[] = [
  "I'm tired.",
  "I'm going to the store.",
  "I'm not sure.",
  "I'm sorry, I didn't get that.",
  "I'm fine, thanks.",
  "I'm Looking for a good book.",
  "I'm Not Sure What You Mean",
  "I'M SO TIRED",
  "im good",
  "I'm a bit tired today.",
  "I'm a little confused by your answer.",
  "I'm a bit of a perfectionist.",
  "I'm a huge mess right now.",
  "I'm an idiot.",
  "I'm a fast learner.",
  "I'm a people person.",
  "I'm happy to help.",
  "I'm Ready for the next step.",
  "I'm Working on a project.",
  "I'm Learning TypeScript.",
  "I'm Feeling Lucky",
  "I'm Happy With The Result",
  "I'm Actually pretty busy.",
  "I'm new here.",
  "I'm on it.",
  "I'm just saying.",
  "I am so done with this.",
  "I'm confused about the second step.",
  "I'm interested in your opinion.",
  "I'm Interested in learning more.",
  "I'm from the future.",
  "When I'm bored I watch TV.",
  "Is my name Bob?",
  "What's my name?",
  "Do you like jazz?",
  "Do you think I'm a good writer",
  "Use `my name is Bob` as the test string.",
  "```\nprint('I am a robot')\nmy name is Bob\nI live in Paris\n```",
  'He said "my name is Bob, and I live in Paris" to me.',
  "> I'm Sarah and I live in Rome",
  "Translate 'my name is Bob' into French.",
  "Pretend I'm a pirate named Jack.",
  "Write a story where my name is Bob.",
  "My boss said I'm a genius.",
  "If I'm a contractor, do I pay this tax",
  "My name is not important.",
  "Call me back later.",
  "Call me when you're done.",
  "Don't call me Bobby.",
  "Call me crazy, but I think it works.",
  "I like it.",
  "I love you!",
  "I'd like to know more about Rust.",
  "I would love a shorter version.",
  "I like the second option better.",
  "I like the way you explained it.",
  "I love how this works.",
  "I enjoy it a lot.",
  "I don't like it when that happens.",
  "I hate to say it, but this is wrong.",
  "I prefer not to say.",
  "I prefer it this way.",
  "Never mind.",
  "I live in fear of deadlines.",
  "I live in a van down by the river.",
  "I used to live in Paris.",
  "I work at night.",
  "I work from home.",
  "I work for hours every day.",
  "I'm in London this week.",
  "My kids call me Dad.",
  "I'm 5 minutes away.",
  "I'm the worst at this.",
  "I love that idea!",
  "I'm at work right now.",
  "I'm Google's biggest fan.",
  "I need help with my resume. I'm applying for a job as a nurse.",
];

function facts(sentence: string): Expected {
  return extractProfileFacts(sentence).map((fact) => [fact.kind, fact.value]);
}

describe("extractProfileFacts", () => {
  it("has a table large enough to mean something", () => {
    expect(positives.length).toBeGreaterThanOrEqual(40);
    expect(negatives.length).toBeGreaterThanOrEqual(40);
  });

  it.each(positives)("finds the facts in %j", (sentence, expected) => {
    expect(facts(sentence)).toEqual(expected);
  });

  it.each(negatives)("finds nothing in %j", (sentence) => {
    expect(facts(sentence)).toEqual([]);
  });

  it("quotes the user's own sentence as evidence, curly apostrophes and all", () => {
    const found = extractProfileFacts("Thanks! I’m Marco, a chef. Anyway, back to the recipe.");
    expect(found).toEqual([
      { kind: "name", value: "Marco", evidence: "I’m Marco, a chef." },
      { kind: "role", value: "chef", evidence: "I’m Marco, a chef." },
    ]);
  });

  it("reads a long message sentence by sentence and skips the code and the question in it", () => {
    const message = [
      "Hi there! I'm Dana and I work as a paramedic in Leeds.",
      "Here's my script:",
      "```python",
      "name = 'my name is Bob'  # I'm Bob",
      "```",
      "Is my name Bob in the output? I love climbing, by the way.",
    ].join("\n");
    expect(facts(message)).toEqual([
      ["name", "Dana"],
      ["role", "paramedic in Leeds"],
      ["interest", "climbing"],
    ]);
  });

  it("reports each fact once per message", () => {
    expect(facts("My name is Sam. Call me Sam. I'm Sam.")).toEqual([["name", "Sam"]]);
  });

  it("returns nothing for empty or whitespace text", () => {
    expect(extractProfileFacts("")).toEqual([]);
    expect(extractProfileFacts("  \n ")).toEqual([]);
  });
});
