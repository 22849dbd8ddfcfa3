import type { ChatRequestInfo } from "@recall/fake-ollama";
import { episodeInstructions } from "@recall/memory";
import type { Message, Session } from "@recall/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectStream, startHarness, type Harness, type RecallClient } from "../testing/harness.ts";

const isEpisodeRequest = (request: ChatRequestInfo): boolean => request.messages[0]?.content === episodeInstructions;

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({
    fake: {
      reply: (request) => {
        if (isEpisodeRequest(request)) return { text: JSON.stringify({ summary: "The user compared sourdough starters.", facts: ["Bakes on Sundays"] }) };
        if (request.lastUserMessage.startsWith("Slow:")) return { text: "A long answer that takes its time to arrive word by word", tokensPerSecond: 5 };
        return { text: `Answer to: ${request.lastUserMessage}` };
      },
    },
    config: { episodeMinimumMessages: 2 },
  });
});
afterAll(async () => {
  await harness?.close();
});

async function say(client: RecallClient, sessionId: string, content: string, parentId?: string) {
  const exchange = await client.message.send.mutate({ sessionId, content, ...(parentId ? { parentId } : {}) });
  await collectStream(client, exchange.assistantMessage.id);
  return exchange;
}

const today = (): string => new Date().toISOString().slice(0, 10);

interface ExportedJson {
  exportedAt: string;
  app: string;
  chats: Array<{ session: Session; messages: Message[] }>;
  profile?: Array<{ kind: string; value: string }>;
  episodes?: Array<{ sessionId: string; summary: string; facts: string[] }>;
}

describe("exporting chats", () => {
  it("exports a chat as JSON with every branch and as Markdown with the newest branch", async () => {
    const { client } = await harness.newUser();
    const session = await client.session.create.mutate({ title: "Crème brûlée: tips & tricks!" });
    const first = await say(client, session.id, "How long do I bake it?");
    const edited = await say(client, session.id, "How long do I bake it at 150 °C?\n\nWith **water bath**.");
    const slow = await client.message.send.mutate({ sessionId: session.id, content: "Slow: and the caramel?" });
    await collectStream(client, slow.assistantMessage.id, { until: (collected) => collected.text.length > 0 });
    await client.message.stop.mutate({ messageId: slow.assistantMessage.id });

    const json = await client.export.chat.query({ sessionId: session.id, format: "json" });
    expect(json.filename).toBe(`recall-creme-brulee-tips-tricks-${today()}.json`);
    expect(json.mimeType).toMatch(/^application\/json/);
    const document = JSON.parse(json.content) as ExportedJson;
    expect(document.app).toBe("Recall");
    expect(new Date(document.exportedAt).getTime()).not.toBeNaN();
    expect(document.chats).toHaveLength(1);
    expect(document.chats[0]!.session).toMatchObject({ id: session.id, title: "Crème brûlée: tips & tricks!", ephemeral: false });
    const messages = document.chats[0]!.messages;
    expect(messages).toHaveLength(6);
    expect(messages.map((message) => message.id)).toEqual([
      first.userMessage.id,
      first.assistantMessage.id,
      edited.userMessage.id,
      edited.assistantMessage.id,
      slow.userMessage.id,
      slow.assistantMessage.id,
    ]);
    expect(messages[1]).toMatchObject({ parentId: first.userMessage.id, role: "assistant", status: "complete", model: "llama3.2", content: "Answer to: How long do I bake it?" });
    expect(messages[2]).toMatchObject({ parentId: first.assistantMessage.id });
    expect(messages[5]).toMatchObject({ status: "interrupted" });

    const markdown = await client.export.chat.query({ sessionId: session.id, format: "markdown" });
    expect(markdown.filename).toBe(`recall-creme-brulee-tips-tricks-${today()}.md`);
    expect(markdown.mimeType).toMatch(/^text\/markdown/);
    const text = markdown.content;
    expect(text.startsWith("# Crème brûlée: tips & tricks!\n")).toBe(true);
    expect(text).toContain("**You**\n\nHow long do I bake it at 150 °C?\n\nWith **water bath**.\n");
    expect(text).toContain("**Assistant (llama3.2)**\n\nAnswer to: How long do I bake it at 150 °C?");
    expect(text).toMatch(/\*\*You\*\*\n\nSlow: and the caramel\?\n\n\*\*Assistant \(llama3\.2\)\*\*\n\nA[^]*\n\n> _Interrupted: Stopped\._\n$/);
    // One branch: the whole chat, in order, and no note about other branches.
    expect(text.indexOf("How long do I bake it?")).toBeLessThan(text.indexOf("150 °C"));
    expect(text).not.toContain("other branches");
  });

  it("shows the newest branch in Markdown and says how many messages are elsewhere", async () => {
    const { client } = await harness.newUser();
    const session = await client.session.create.mutate({});
    const original = await say(client, session.id, "Which flour for bread?");
    await say(client, session.id, "And for pizza?");
    // Regenerate-style branch: a new question under the first reply replaces "And for pizza?".
    await say(client, session.id, "And for pasta?", original.assistantMessage.id);
    const markdown = (await client.export.chat.query({ sessionId: session.id, format: "markdown" })).content;
    expect(markdown).toContain("Which flour for bread?");
    expect(markdown).toContain("And for pasta?");
    expect(markdown).not.toContain("And for pizza?");
    expect(markdown).toContain("2 more messages are on other branches of this chat; the JSON export holds every branch.");
    const json = JSON.parse((await client.export.chat.query({ sessionId: session.id, format: "json" })).content) as ExportedJson;
    expect(json.chats[0]!.messages.map((message) => message.content)).toContain("And for pizza?");
  });

  it("exports ephemeral chats from memory, and someone else's chat is NOT_FOUND", async () => {
    const alice = await harness.newUser();
    const bob = await harness.newUser();
    const ephemeral = await alice.client.session.create.mutate({ ephemeral: true });
    await say(alice.client, ephemeral.id, "Off the record: a secret recipe.");
    const markdown = await alice.client.export.chat.query({ sessionId: ephemeral.id, format: "markdown" });
    expect(markdown.content).toContain("Off the record: a secret recipe.");
    expect(markdown.content).toContain("ephemeral chat");
    expect(markdown.filename).toBe(`recall-off-the-record-a-secret-recipe-${today()}.md`);

    const saved = await alice.client.session.create.mutate({});
    await expect(bob.client.export.chat.query({ sessionId: saved.id, format: "json" })).rejects.toMatchObject({ data: { code: "NOT_FOUND" } });
    await expect(bob.client.export.chat.query({ sessionId: ephemeral.id, format: "json" })).rejects.toMatchObject({ data: { code: "NOT_FOUND" } });
    await expect(alice.client.export.chat.query({ sessionId: saved.id, format: "pdf" as "json" })).rejects.toMatchObject({
      data: { code: "BAD_REQUEST" },
      message: 'Export as "markdown" or "json".',
    });
  });

  it("exports all chats with the profile and episodes, nothing of anyone else", async () => {
    const alice = await harness.newUser();
    const bob = await harness.newUser();
    await say(bob.client, (await bob.client.session.create.mutate({})).id, "Bob's private question.");
    const bread = await alice.client.session.create.mutate({});
    await say(alice.client, bread.id, "My name is Ada. Which sourdough starter is best?");
    const cakes = await alice.client.session.create.mutate({});
    await harness.recall.services.episodes.idle();
    await say(alice.client, cakes.id, "How do I stop a cake from sinking?");
    const ephemeral = await alice.client.session.create.mutate({ ephemeral: true });
    await say(alice.client, ephemeral.id, "A passing thought.");
    await harness.recall.services.episodes.idle();
    await alice.client.profile.add.mutate({ kind: "interest", value: "baking" });

    const json = await alice.client.export.all.query({ format: "json" });
    expect(json.filename).toBe(`recall-export-${today()}.json`);
    const document = JSON.parse(json.content) as ExportedJson;
    expect(document.chats.map((chat) => chat.session.id)).toEqual([ephemeral.id, cakes.id, bread.id]);
    expect(document.chats.flatMap((chat) => chat.messages)).toHaveLength(6);
    expect(document.profile?.map((fact) => `${fact.kind}: ${fact.value}`).sort()).toEqual(["interest: baking", "name: Ada"]);
    // Starting the ephemeral chat ended the cakes chat: it has its episode too.
    expect(document.episodes).toEqual([
      expect.objectContaining({ sessionId: cakes.id, sessionTitle: "How do I stop a cake from sinking?" }),
      expect.objectContaining({ sessionId: bread.id, summary: "The user compared sourdough starters.", facts: ["Bakes on Sundays"] }),
    ]);
    expect(json.content).not.toContain("Bob's private question.");

    const markdown = await alice.client.export.all.query({ format: "markdown" });
    expect(markdown.filename).toBe(`recall-export-${today()}.md`);
    for (const text of ["# A passing thought.", "# How do I stop a cake from sinking?", "# My name is Ada. Which sourdough starter is best?", "- name: Ada", "- interest: baking", "The user compared sourdough starters.", "- Bakes on Sundays"]) {
      expect(markdown.content).toContain(text);
    }
    expect(markdown.content).not.toContain("Bob's private question.");
  });

  it("exports an empty account as a valid, empty file", async () => {
    const { client } = await harness.newUser();
    const document = JSON.parse((await client.export.all.query({ format: "json" })).content) as ExportedJson;
    expect(document).toMatchObject({ app: "Recall", chats: [], profile: [], episodes: [] });
    expect((await client.export.all.query({ format: "markdown" })).content).toContain("No remembered facts.");
  });
});
