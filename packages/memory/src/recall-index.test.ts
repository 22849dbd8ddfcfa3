import { beforeEach, describe, expect, it } from "vitest";
import { RecallIndex, type RecallTurn } from "./recall-index.ts";
import { fuseRankings } from "./rank-fusion.ts";

/** Deterministic noise: a small seeded generator (mulberry32) so failures reproduce. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

// Noise shares the planted facts' vocabulary ("wedding", "car", "park", "tell") so ranking, not luck, finds them.
const subjects = ["my brother", "my manager", "the team", "our neighbour", "my friend Tom", "the landlord", "my mother"];
const verbs = ["talked about", "complained about", "asked me about", "planned", "forgot", "loved", "cancelled"];
const objects = [
  "the wedding photos", "a trip to Lisbon", "the quarterly report", "a new car", "the park near the river",
  "the TypeScript migration", "a pasta recipe", "the football match", "the rent increase", "a birthday party",
  "the broken dishwasher", "a yoga class", "the train strike", "a podcast episode", "the garden fence",
];
const tails = ["yesterday", "last week", "on Friday", "again", "in the morning", "for hours", "twice"];
const replies = [
  "That sounds stressful, do you want to talk it through?", "Here is a short plan you could follow.",
  "I can tell that matters to you.", "Good idea; remember to keep a copy.", "Want me to draft a message about it?",
];

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)]!;
}

function noiseTurns(count: number, seed: number): RecallTurn[] {
  const random = seededRandom(seed);
  const start = Date.UTC(2025, 0, 1);
  return Array.from({ length: count }, (_, index) => ({
    id: `noise-${index}`,
    sessionId: `noise-session-${Math.floor(index / 100)}`,
    role: index % 2 === 0 ? "user" : "assistant",
    content:
      index % 2 === 0
        ? `${pick(random, subjects)} ${pick(random, verbs)} ${pick(random, objects)} ${pick(random, tails)}.`
        : pick(random, replies),
    createdAt: new Date(start + index * 60_000),
  }));
}

function turn(id: string, sessionId: string, role: RecallTurn["role"], content: string, minute: number): RecallTurn {
  return { id, sessionId, role, content, createdAt: new Date(Date.UTC(2025, 5, 1, 12, minute)) };
}

const plantedFacts = [
  turn("fact-sister", "old-chat", "user", "My sister Anna is getting married in June", 0),
  turn("fact-sister-reply", "old-chat", "assistant", "Congratulations to Anna! June weddings are lovely.", 1),
  turn("fact-dentist", "old-chat", "user", "Note for later: dentist appointment on Tuesday at 3pm", 2),
  turn("fact-dentist-reply", "old-chat", "assistant", "Noted.", 3),
  turn("fact-parking", "old-chat", "user", "I parked the car on level 4 of the airport garage", 4),
];

describe("RecallIndex search", () => {
  let index: RecallIndex;

  beforeEach(() => {
    index = new RecallIndex();
    for (const noise of noiseTurns(2_000, 7)) index.add(noise);
    for (const fact of plantedFacts) index.add(fact);
  });

  it.each([
    ["What did I tell you about my sister's wedding?", "fact-sister"],
    ["when is my sister getting married", "fact-sister"],
    ["When was my appointment with the dentist?", "fact-dentist"],
    ["where did I park my car", "fact-parking"],
  ])("finds the planted fact among 2,000 noise turns for %j", (question, factId) => {
    const results = index.search(question, { limit: 5 });
    expect(results[0]?.id).toBe(factId);
  });

  it("reports which query terms each turn matched", () => {
    const [best] = index.search("my sister's wedding", { limit: 1 });
    expect(best).toEqual({ id: "fact-sister", sessionId: "old-chat", score: expect.any(Number), matchedTerms: ["sister"] });
  });

  it("touches only the turns that contain a query term", () => {
    const results = index.search("dentist appointment", { limit: 10 });
    expect(results.map((result) => result.id)).toEqual(["fact-dentist"]);
    expect(index.lastSearchCost).toEqual({ termsLookedUp: 2, postingsVisited: 2, turnsScored: 1 });

    index.search("car", { limit: 10 });
    const turnsWithCar = noiseTurns(2_000, 7).filter((noise) => /\bcar\b/i.test(noise.content)).length + 1;
    expect(index.lastSearchCost.postingsVisited).toBe(turnsWithCar);
    expect(turnsWithCar).toBeLessThan(400);
  });

  it("returns nothing and looks nothing up for a stopword-only query", () => {
    expect(index.search("what did you say about it?", { limit: 5 })).toEqual([]);
    expect(index.lastSearchCost).toEqual({ termsLookedUp: 0, postingsVisited: 0, turnsScored: 0 });
    expect(index.search("", { limit: 5 })).toEqual([]);
  });

  it("skips turns already in the context", () => {
    const excludeIds = new Set(["fact-sister", "fact-sister-reply"]);
    const results = index.search("my sister Anna", { limit: 5, excludeIds });
    expect(results.map((result) => result.id)).toEqual([]);
  });

  it("searches only the current chat unless asked for the others", () => {
    index.add(turn("current-1", "current-chat", "user", "Let's plan the wedding speech", 10));
    const thisChat = index.search("sister wedding", { limit: 5, sessionId: "current-chat" });
    expect(thisChat.map((result) => result.id)).toEqual(["current-1"]);
    const everyChat = index.search("sister wedding", { limit: 5, sessionId: "current-chat", includeOtherSessions: true });
    expect(everyChat[0]?.id).toBe("fact-sister");
    expect(everyChat.some((result) => result.id === "current-1")).toBe(true);
  });

  it("forgets removed turns and removed sessions", () => {
    expect(index.remove("fact-dentist")).toBe(true);
    expect(index.remove("fact-dentist")).toBe(false);
    expect(index.search("dentist", { limit: 5 })).toEqual([]);
    expect(index.has("fact-dentist")).toBe(false);

    const before = index.size;
    expect(index.removeSession("old-chat")).toBe(4);
    expect(index.size).toBe(before - 4);
    expect(index.search("sister Anna airport garage", { limit: 5 })).toEqual([]);
    expect(index.removeSession("old-chat")).toBe(0);
  });

  it("honours limit and minScore", () => {
    expect(index.search("wedding", { limit: 3 })).toHaveLength(3);
    expect(index.search("wedding", { limit: 0 })).toEqual([]);
    expect(index.search("wedding", { limit: 5, minScore: 1_000 })).toEqual([]);
    expect(() => index.search("wedding", { limit: -1 })).toThrow(RangeError);
    expect(() => index.search("wedding", { limit: 1.5 })).toThrow(RangeError);
  });
});

describe("RecallIndex scoring", () => {
  it("computes BM25 with k1 = 1.2 and b = 0.75", () => {
    const index = new RecallIndex({ userTurnWeight: 1 });
    index.add(turn("both", "s", "user", "apple banana", 0));
    index.add(turn("apple", "s", "user", "apple", 1));
    // N = 2, df(banana) = 1: idf = ln(1 + 1.5 / 1.5) = ln 2; |d| = 2, avgdl = 1.5:
    // ln 2 * 1 * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 2 / 1.5)) = ln 2 * 2.2 / 2.5
    expect(index.search("banana", { limit: 5 })).toEqual([
      { id: "both", sessionId: "s", score: expect.closeTo(Math.LN2 * 0.88, 12), matchedTerms: ["banana"] },
    ]);
  });

  it("weights the user's own turns above an assistant turn with the same text", () => {
    const index = new RecallIndex();
    index.add(turn("said-by-user", "s", "user", "my cousin Lena lives in Oslo", 0));
    index.add(turn("said-by-assistant", "s", "assistant", "my cousin Lena lives in Oslo", 1));
    const [first, second] = index.search("where does Lena live", { limit: 5 });
    expect(first?.id).toBe("said-by-user");
    expect(first!.score).toBeCloseTo(second!.score * 1.25, 10);
  });

  it("ranks a turn that matches more rare terms higher, and a shorter turn above a longer one", () => {
    const index = new RecallIndex();
    for (const noise of noiseTurns(200, 3)) index.add(noise);
    index.add(turn("short", "s", "user", "Zanzibar ferry", 0));
    index.add(turn("long", "s", "user", "Zanzibar ferry with lots of other words padding this particular sentence out", 1));
    index.add(turn("both", "s", "user", "Zanzibar ferry with Margarida", 2));
    const ranked = index.search("Margarida Zanzibar ferry", { limit: 3 }).map((result) => result.id);
    expect(ranked).toEqual(["both", "short", "long"]);
  });

  it("breaks ties by recency, then id, whatever the insertion order", () => {
    const turns = [
      turn("b", "s", "user", "the blue bicycle", 5),
      turn("a", "s", "user", "the blue bicycle", 5),
      turn("newer", "s", "user", "the blue bicycle", 9),
      turn("other", "s", "user", "a red kite", 1),
    ];
    for (const order of [turns, [...turns].reverse()]) {
      const index = new RecallIndex();
      for (const item of order) index.add(item);
      expect(index.search("bicycle", { limit: 5 }).map((result) => result.id)).toEqual(["newer", "a", "b"]);
    }
  });

  it("replaces a turn that is added again under the same id", () => {
    const index = new RecallIndex();
    index.add(turn("reply", "s", "assistant", "Thinking", 0));
    index.add(turn("reply", "s", "assistant", "Paris is the capital of France", 0));
    expect(index.size).toBe(1);
    expect(index.search("thinking", { limit: 5 })).toEqual([]);
    expect(index.search("capital", { limit: 5 }).map((result) => result.id)).toEqual(["reply"]);
  });
});

describe("RecallIndex temporal cues", () => {
  const day = 86_400_000;
  const askedAt = new Date(Date.UTC(2026, 2, 23, 12));
  let index: RecallIndex;

  beforeEach(() => {
    index = new RecallIndex();
    // Three gigs weeks apart, the same words each time: only the time tells them apart.
    index.add({ id: "gig-feb", sessionId: "a", role: "user", content: "Saw Wet Leg live last Tuesday, what a gig.", createdAt: new Date(askedAt.getTime() - 40 * day) });
    index.add({ id: "gig-mar", sessionId: "b", role: "user", content: "Saw Big Thief live yesterday, what a gig.", createdAt: new Date(askedAt.getTime() - 14 * day) });
    index.add({ id: "gig-late", sessionId: "c", role: "user", content: "Saw Parcels live on Friday, what a gig.", createdAt: new Date(askedAt.getTime() - 2 * day) });
    for (const noise of noiseTurns(300, 11)) index.add(noise);
  });

  it("boosts the turns said in the period the question names, relative or absolute", () => {
    const relative = index.search("Which band did I see live two weeks ago?", { limit: 3, queryTime: askedAt });
    expect(relative[0]).toMatchObject({ id: "gig-mar", inQueryPeriod: true });
    // The gig was the day before the turn that told it: March 8 names the period the turn falls in.
    expect(index.search("Which band did I see live on March 8?", { limit: 3, queryTime: askedAt })[0]!.id).toBe("gig-mar");
    expect(index.search("Which band did I see live in mid-February?", { limit: 3, queryTime: askedAt })[0]!.id).toBe("gig-feb");
  });

  it("changes nothing without a query time or a time expression, and never searches the relative words", () => {
    const plain = index.search("Which band did I see live?", { limit: 3 });
    expect(index.search("Which band did I see live?", { limit: 3, queryTime: askedAt })).toEqual(plain);
    expect(plain.every((result) => result.inQueryPeriod === undefined)).toBe(true);
    // "two weeks ago" alone names a period but no words: nothing to rank.
    expect(index.search("two weeks ago", { limit: 3, queryTime: askedAt })).toEqual([]);
  });
});

describe("RecallIndex.expandToExchanges", () => {
  let index: RecallIndex;

  beforeEach(() => {
    index = new RecallIndex();
    const chat = [
      turn("system", "chat", "system", "You are helpful; mention turtles only if asked", 0),
      turn("u1", "chat", "user", "My favourite animal is the turtle", 1),
      turn("a1", "chat", "assistant", "Turtles live for a long time!", 2),
      turn("u2", "chat", "user", "What should I name a pet?", 3),
      turn("a2", "chat", "assistant", "How about Shelly, for a turtle?", 4),
      turn("u3", "chat", "user", "I also like owls", 5),
    ];
    // Backfilled out of order: pairing must follow timestamps, not arrival.
    for (const item of [...chat].reverse()) index.add(item);
  });

  it("adds the reply to a matched user turn and the question to a matched reply, oldest first", () => {
    const exchanges = index.expandToExchanges(index.search("name a pet", { limit: 5 }));
    expect(exchanges).toEqual([
      { sessionId: "chat", turnIds: ["u2", "a2"], matchedIds: ["u2"], score: expect.any(Number), matchedTerms: ["name", "pet"] },
    ]);
    const reply = index.expandToExchanges([{ id: "a1", score: 1 }]);
    expect(reply.map((exchange) => exchange.turnIds)).toEqual([["u1", "a1"]]);
  });

  it("lists each turn once when both halves of an exchange match", () => {
    const results = index.search("turtle", { limit: 10 });
    const exchanges = index.expandToExchanges(results, { excludeIds: new Set(["system"]) });
    const turnIds = exchanges.flatMap((exchange) => exchange.turnIds);
    expect(new Set(turnIds).size).toBe(turnIds.length);
    // a2 asks a question, so it brings the user's answer after it too.
    expect(exchanges.map((exchange) => exchange.turnIds)).toEqual(
      expect.arrayContaining([
        ["u1", "a1"],
        ["u2", "a2", "u3"],
      ]),
    );
    const first = exchanges.find((exchange) => exchange.turnIds[0] === "u1")!;
    expect(first.matchedIds.sort()).toEqual(["a1", "u1"]);
    expect(first.score).toBe(Math.max(...results.filter((result) => ["u1", "a1"].includes(result.id)).map((result) => result.score)));
  });

  it("brings the user's answer after a matched reply that asked a question, keeping the question before it", () => {
    const exchanges = index.expandToExchanges([{ id: "a2", score: 1 }]);
    expect(exchanges).toEqual([{ sessionId: "chat", turnIds: ["u2", "a2", "u3"], matchedIds: ["a2"], score: 1, matchedTerms: [] }]);
    // A reply that asks nothing brings only its question; `answers: false` keeps the old pairing.
    expect(index.expandToExchanges([{ id: "a1", score: 1 }])[0]!.turnIds).toEqual(["u1", "a1"]);
    expect(index.expandToExchanges([{ id: "a2", score: 1 }], { answers: false })[0]!.turnIds).toEqual(["u2", "a2"]);
    expect(index.expandToExchanges([{ id: "a2", score: 1 }], { excludeIds: new Set(["u3"]) })[0]!.turnIds).toEqual(["u2", "a2"]);
  });

  it("never lists a turn in two exchanges when an answer is also another exchange's question", () => {
    const exchanges = index.expandToExchanges([
      { id: "a2", score: 3 },
      { id: "a1", score: 2 },
    ]);
    index.add(turn("a3", "chat", "assistant", "Owls are great.", 6));
    const withReply = index.expandToExchanges([
      { id: "a2", score: 3 },
      { id: "a3", score: 2 },
    ]);
    expect(exchanges.map((exchange) => exchange.turnIds)).toEqual([
      ["u2", "a2", "u3"],
      ["u1", "a1"],
    ]);
    // u3 answered a2 and was asked back by a3: it stays with a2, a3 comes alone.
    expect(withReply.map((exchange) => exchange.turnIds)).toEqual([["u2", "a2", "u3"], ["a3"]]);
  });

  it("leaves out halves already in the context and keeps system and unanswered turns alone", () => {
    expect(index.expandToExchanges([{ id: "u2", score: 1 }], { excludeIds: new Set(["a2"]) })[0]!.turnIds).toEqual(["u2"]);
    expect(index.expandToExchanges([{ id: "a2", score: 1 }], { excludeIds: new Set(["a2"]) })).toEqual([]);
    expect(index.expandToExchanges([{ id: "system", score: 1 }])[0]!.turnIds).toEqual(["system"]);
    expect(index.expandToExchanges([{ id: "u3", score: 1 }])[0]!.turnIds).toEqual(["u3"]);
  });

  it("expands fused rankings and drops ids that left the index", () => {
    const fused = fuseRankings([index.search("owls", { limit: 5 }), [{ id: "u1" }, { id: "gone" }]]);
    index.remove("a1");
    expect(index.expandToExchanges(fused).map((exchange) => exchange.turnIds)).toEqual([["u3"], ["u1"]]);
  });
});
