import { describe, expect, it } from "vitest";
import { collectStream, type Harness, type RecallClient, trpcRejection } from "../testing/harness.ts";
import { harnessPerFile } from "../testing/harness-per-file.ts";

let harness: Harness;
let client: RecallClient;
let userId: string;

harnessPerFile({}, (context) => ({ harness, client, userId } = context));

async function say(sessionId: string, content: string, parentId?: string | null) {
  const exchange = await client.message.send.mutate({ sessionId, content, ...(parentId !== undefined ? { parentId } : {}) });
  await collectStream(client, exchange.assistantMessage.id);
  return exchange;
}

describe("message.thread", () => {
  it("returns every branch of the chat with its parent links, oldest first", async () => {
    const session = await client.session.create.mutate({});
    const first = await say(session.id, "Plan a trip to Lisbon.");
    const second = await say(session.id, "Make it three days.");
    const edited = await say(session.id, "Make it a week.", first.assistantMessage.id);

    const thread = await client.message.thread.query({ sessionId: session.id });
    expect(thread.truncated).toBe(false);
    expect(thread.messages.map((message) => [message.role, message.parentId])).toEqual([
      ["user", null],
      ["assistant", first.userMessage.id],
      ["user", first.assistantMessage.id],
      ["assistant", second.userMessage.id],
      ["user", first.assistantMessage.id],
      ["assistant", edited.userMessage.id],
    ]);
    expect(thread.messages.map((message) => message.id)).toEqual([
      first.userMessage.id,
      first.assistantMessage.id,
      second.userMessage.id,
      second.assistantMessage.id,
      edited.userMessage.id,
      edited.assistantMessage.id,
    ]);
    // Finished replies come back with their text and final state, and nothing internal.
    expect(thread.messages[3]).toMatchObject({ status: "complete", model: "llama3.2" });
    expect(thread.messages[3]!.content.length).toBeGreaterThan(0);
    expect(Object.keys(thread.messages[0]!)).not.toContain("contextJson");
    expect(Object.keys(thread.messages[0]!)).not.toContain("userId");
  });

  it("a new root (parentId: null) keeps the first message as a sibling branch, and the title", async () => {
    const session = await client.session.create.mutate({});
    const original = await say(session.id, "What is the capital of Australia?");
    await say(session.id, "And its population?");
    const resent = await say(session.id, "What is the capital of Canada?", null);
    expect(resent.userMessage.parentId).toBeNull();
    // The edited first message starts from no history at all.
    const prompt = harness.fake.requests.filter((request) => request.path === "/api/chat").at(-1)?.body as { messages: Array<{ role: string; content: string }> };
    expect(prompt.messages.filter((message) => message.role !== "system").map((message) => message.content)).toEqual(["What is the capital of Canada?"]);

    const thread = await client.message.thread.query({ sessionId: session.id });
    const roots = thread.messages.filter((message) => message.parentId === null);
    expect(roots.map((message) => message.id)).toEqual([original.userMessage.id, resent.userMessage.id]);
    expect(thread.messages).toHaveLength(6);
    // The title comes from the first message ever sent, and an edit does not change it.
    const listed = await client.session.list.query();
    expect(listed.items.find((item) => item.id === session.id)?.title).toBe("What is the capital of Australia?");
  });

  it("works for ephemeral chats", async () => {
    const session = await client.session.create.mutate({ ephemeral: true });
    const first = await say(session.id, "Just between us.");
    const edited = await say(session.id, "Actually, forget that.", null);
    const thread = await client.message.thread.query({ sessionId: session.id });
    expect(thread.messages.map((message) => message.id)).toEqual([
      first.userMessage.id,
      first.assistantMessage.id,
      edited.userMessage.id,
      edited.assistantMessage.id,
    ]);
    expect(thread.messages[3]?.parentId).toBe(edited.userMessage.id);
  });

  it("is owner-scoped and answers NOT_FOUND for anyone else's chat", async () => {
    const session = await client.session.create.mutate({});
    await say(session.id, "Private thoughts.");
    const ephemeral = await client.session.create.mutate({ ephemeral: true });
    const other = await harness.newUser();
    expect((await trpcRejection(other.client.message.thread.query({ sessionId: session.id }))).code).toBe("NOT_FOUND");
    expect((await trpcRejection(other.client.message.thread.query({ sessionId: ephemeral.id }))).code).toBe("NOT_FOUND");
    expect((await trpcRejection(client.message.thread.query({ sessionId: "no-such-chat" }))).code).toBe("NOT_FOUND");
    // An empty chat of one's own is not an error.
    const empty = await client.session.create.mutate({});
    expect(await client.message.thread.query({ sessionId: empty.id })).toEqual({ messages: [], truncated: false });
  });

  it("returns only the newest messages, flagged truncated, past the limit", async () => {
    const store = harness.recall.services.chats;
    for (const ephemeral of [false, true]) {
      const session = await client.session.create.mutate({ ephemeral });
      const exchanges = [];
      for (const content of ["one", "two", "three"]) exchanges.push(await say(session.id, content));
      const thread = await store.thread(userId, session.id, 3);
      expect(thread.truncated).toBe(true);
      expect(thread.messages.map((message) => message.id)).toEqual([
        exchanges[1]!.assistantMessage.id,
        exchanges[2]!.userMessage.id,
        exchanges[2]!.assistantMessage.id,
      ]);
      expect((await store.thread(userId, session.id, 6)).truncated).toBe(false);
    }
  });
});
