import { limits } from "@recall/schema";
import { describe, expect, it } from "vitest";
import { collectStream, type Harness, type RecallClient, trpcRejection } from "../testing/harness.ts";
import { harnessPerFile } from "../testing/harness-per-file.ts";

let harness: Harness;
let client: RecallClient;

harnessPerFile({}, (context) => ({ harness, client } = context));

/** A chat with its own title (so a message never retitles it) and these user messages. */
async function chat(title: string, contents: string[], options: { ephemeral?: boolean; as?: RecallClient } = {}) {
  const caller = options.as ?? client;
  const session = await caller.session.create.mutate({ title, ephemeral: options.ephemeral ?? false });
  const userMessageIds: string[] = [];
  for (const content of contents) {
    harness.fake.queueScript({ text: "Noted." });
    const { userMessage, assistantMessage } = await caller.message.send.mutate({ sessionId: session.id, content });
    await collectStream(caller, assistantMessage.id);
    userMessageIds.push(userMessage.id);
  }
  return { session, userMessageIds };
}

async function search(query: string, limit?: number, as: RecallClient = client) {
  return (await as.session.search.query({ query, ...(limit ? { limit } : {}) })).items;
}

describe("session.search", () => {
  it("finds chats by title and by message content, ignoring case, newest first, each once", async () => {
    const byTitle = await chat("Lisbon itinerary", []);
    const byContent = await chat("Holidays", ["Is LISBON warm in May?", "What about lisbon in June?"]);
    await chat("Recipes", ["How do I bake bread?"]);

    const items = await search("lisbon");
    expect(items.map((item) => [item.session.id, item.match])).toEqual([
      [byContent.session.id, "content"],
      [byTitle.session.id, "title"],
    ]);
    // The oldest matching message gives the snippet; a title match has none.
    expect(items[0]).toMatchObject({ messageId: byContent.userMessageIds[0], snippet: "Is LISBON warm in May?" });
    expect(items[1]).toMatchObject({ snippet: null, messageId: null, session: { title: "Lisbon itinerary", ephemeral: false } });
    expect(await search("ITINERARY")).toHaveLength(1);
    expect(await search("Tokyo")).toEqual([]);
  });

  it("matches %, _ and \\ literally", async () => {
    const percent = await chat("Deals", ["Shoes at 100% off today"]);
    await chat("Other deals", ["Shoes at 1000 off today"]);
    const underscore = await chat("Code", ["rename it to snake_case please"]);
    await chat("More code", ["rename it to snakeXcase please"]);
    const backslash = await chat("Paths", ["files live in C:\\temp\\logs"]);
    await chat("Other paths", ["files live in C:temp"]);

    expect((await search("100%")).map((item) => item.session.id)).toEqual([percent.session.id]);
    expect((await search("e_c")).map((item) => item.session.id)).toEqual([underscore.session.id]);
    expect((await search("c:\\TEMP")).map((item) => item.session.id)).toEqual([backslash.session.id]);
    expect(await search("%")).toHaveLength(1);
    expect(await search("_")).toHaveLength(1);
  });

  it("searches ephemeral chats too, in the same newest-first order", async () => {
    const saved = await chat("Garden", ["When should I plant tomatoes?"]);
    const ephemeral = await chat("Secret garden", ["Tomatoes for a surprise party"], { ephemeral: true });
    const items = await search("tomatoes");
    expect(items.map((item) => [item.session.id, item.match])).toEqual([
      [ephemeral.session.id, "content"],
      [saved.session.id, "content"],
    ]);
    expect(items[0]).toMatchObject({ messageId: ephemeral.userMessageIds[0], snippet: "Tomatoes for a surprise party", session: { ephemeral: true } });
    expect((await search("SECRET")).map((item) => [item.session.id, item.match])).toEqual([[ephemeral.session.id, "title"]]);
  });

  it("never shows another user's chats, saved or ephemeral", async () => {
    await chat("Alice's plans", ["My passport number is XK-4471"]);
    await chat("Alice's secrets", ["The safe code is XK-4471 too"], { ephemeral: true });
    const bob = await harness.newUser();
    await chat("Bob's list", ["Buy milk"], { as: bob.client });
    expect(await search("XK-4471", undefined, bob.client)).toEqual([]);
    expect(await search("Alice", undefined, bob.client)).toEqual([]);
    expect((await search("Bob", undefined, bob.client)).map((item) => item.session.title)).toEqual(["Bob's list"]);
    expect(await search("XK-4471")).toHaveLength(2);
  });

  it("returns at most `limit` chats, the newest", async () => {
    const created = [];
    for (let index = 0; index < 3; index += 1) created.push(await chat(`Project ${index}`, []));
    expect((await search("project", 2)).map((item) => item.session.title)).toEqual(["Project 2", "Project 1"]);
    expect(await search("project")).toHaveLength(3);
  });

  it("cuts a snippet of about 120 characters around a match deep in a long message", async () => {
    const long = `${"filler words before ".repeat(20)}the hidden Needle is here ${"and more words after ".repeat(20)}`;
    await chat("Long read", [long]);
    const [item] = await search("needle");
    expect(item?.snippet).toContain("the hidden Needle is here");
    expect(item!.snippet!.startsWith("…")).toBe(true);
    expect(item!.snippet!.endsWith("…")).toBe(true);
    expect(item!.snippet!.length).toBeLessThanOrEqual(122);
    expect(item!.snippet!.length).toBeGreaterThan(100);
  });

  it("rejects an empty or oversized query and a bad limit with typed errors", async () => {
    expect(await trpcRejection(client.session.search.query({ query: "   " }))).toEqual({ code: "BAD_REQUEST", message: "Type something to search for." });
    expect(await trpcRejection(client.session.search.query({ query: "x".repeat(limits.searchQueryMaxChars + 1) }))).toEqual({
      code: "BAD_REQUEST",
      message: "Search for at most 200 characters.",
    });
    expect(await trpcRejection(client.session.search.query({ query: "x", limit: 51 }))).toEqual({ code: "BAD_REQUEST", message: "A search returns at most 50 chats." });
    // Surrounding spaces are not part of the query.
    await chat("Weekend", []);
    expect(await search("  weekend  ")).toHaveLength(1);
  });
});
