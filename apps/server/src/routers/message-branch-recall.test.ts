import { describe, expect, it } from "vitest";
import { collectStream, type Harness, type RecallClient } from "../testing/harness.ts";
import { harnessPerFile } from "../testing/harness-per-file.ts";

let harness: Harness;
let client: RecallClient;

harnessPerFile({}, (context) => ({ harness, client } = context));

async function send(sessionId: string, content: string, parentId?: string | null) {
  const exchange = await client.message.send.mutate({ sessionId, content, ...(parentId === undefined ? {} : { parentId }) });
  await collectStream(client, exchange.assistantMessage.id);
  return exchange;
}

function lastPromptText(): string {
  const chat = harness.fake.requests.filter((request) => request.path === "/api/chat").at(-1);
  return JSON.stringify((chat?.body as { messages: unknown[] }).messages);
}

describe("memory after an edit", () => {
  it("does not recall what the user said on a branch they edited away", async () => {
    const session = await client.session.create.mutate({});
    const original = await send(session.id, "My travel budget is 500 euros for the whole trip.");
    // The user corrects their first message: a new first message, the old branch kept but abandoned.
    const corrected = await send(session.id, "My travel budget is 800 euros for the whole trip.", null);
    await send(session.id, "What is my travel budget?", corrected.assistantMessage.id);

    const prompt = lastPromptText();
    expect(prompt).toContain("800 euros");
    expect(prompt).not.toContain("500 euros");
    const reply = (await client.message.thread.query({ sessionId: session.id })).messages.at(-1)!;
    const metadata = (await client.message.context.query({ messageId: reply.id })).metadata!;
    expect(metadata.recalledMessageIds).not.toContain(original.userMessage.id);
    expect(metadata.recalledMessageIds).not.toContain(original.assistantMessage.id);
  });

  it("leaves out the edited message already in the reply to the edit itself", async () => {
    const session = await client.session.create.mutate({});
    const greeting = await send(session.id, "Hello there.");
    await send(session.id, "My travel budget is 500 euros for the whole trip.");
    // Edit the second message: the fork exists only once this new version is saved.
    await send(session.id, "My travel budget is 800 euros for the whole trip. What is my travel budget?", greeting.assistantMessage.id);
    const prompt = lastPromptText();
    expect(prompt).toContain("800 euros");
    expect(prompt).not.toContain("500 euros");
  });

  it("recalls that branch again when the user goes back to it", async () => {
    const session = await client.session.create.mutate({});
    const original = await send(session.id, "My travel budget is 500 euros for the whole trip.");
    await send(session.id, "My travel budget is 800 euros for the whole trip.", null);
    // Back on the first branch, its own turns are the history, not something to hide.
    await send(session.id, "What is my travel budget?", original.assistantMessage.id);
    const prompt = lastPromptText();
    expect(prompt).toContain("500 euros");
    expect(prompt).not.toContain("800 euros");
  });
});
