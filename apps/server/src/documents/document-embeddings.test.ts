import { makeMarkdown, sampleParagraph } from "@recall/document-parser/testing";
import { afterEach, describe, expect, it } from "vitest";
import { collectStream, startHarness, type Harness } from "../testing/harness.ts";

/**
 * What the README says of embeddings and summaries, over the API: with an embedding model the
 * passages are embedded through /api/embed and vectors join the ranking; a model that fails
 * leaves the document ready and searchable by words; the one-time summary is written and the
 * next reply's prompt carries it in the documents overview.
 */
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const report = makeMarkdown({
  title: "Valve report",
  sections: [
    { heading: "Setup", paragraphs: [sampleParagraph(41), sampleParagraph(42)] },
    { heading: "Findings", paragraphs: ["The bypass valve sticks below four degrees Celsius.", sampleParagraph(43)] },
  ],
});

async function upload(current: Harness) {
  const { client, userId } = await current.newUser();
  const session = await client.session.create.mutate({});
  const form = new FormData();
  form.append("file", new File([report], "valves.md"));
  form.append("sessionId", session.id);
  const document = await client.document.upload.mutate(form);
  await current.recall.services.documents.idle();
  return { client, userId, sessionId: session.id, documentId: document.id };
}

const embedCalls = (current: Harness) => current.fake.requests.filter((request) => request.path === "/api/embed");

describe("document embeddings and summaries", () => {
  it("embeds every passage with the configured model, and the question too", async () => {
    harness = await startHarness({ config: { embeddingModel: "nomic-embed-text" } });
    const { client, userId, sessionId, documentId } = await upload(harness);
    const document = await client.document.get.query({ documentId });
    expect(document.state).toBe("ready");
    const embedded = embedCalls(harness).flatMap((request) => (request.body as { input: string | string[] }).input);
    expect(embedded.length).toBe(document.chunkCount);
    harness.fake.requests.length = 0;
    const hits = await harness.recall.services.documents.search({ userId, sessionId, query: "When does the bypass valve stick?", limit: 3 });
    expect(hits[0]?.text).toContain("sticks below four degrees");
    expect(embedCalls(harness)).toHaveLength(1);
  });

  it("leaves a document ready and searchable by words when the embedding model fails", async () => {
    harness = await startHarness({ config: { embeddingModel: "no-such-embedding-model" } });
    const { client, userId, sessionId, documentId } = await upload(harness);
    expect(embedCalls(harness).length).toBeGreaterThan(0);
    expect(await client.document.get.query({ documentId })).toMatchObject({ state: "ready", error: null });
    const hits = await harness.recall.services.documents.search({ userId, sessionId, query: "When does the bypass valve stick?", limit: 3 });
    expect(hits[0]?.text).toContain("sticks below four degrees");
  });

  it("writes the one-time summary and gives it to the model in the next reply's overview", async () => {
    harness = await startHarness({
      fake: { reply: (request) => (/summarize documents/i.test(request.messages[0]?.content ?? "") ? { text: "A field report on a bypass valve that sticks in the cold." } : undefined) },
    });
    const { client, sessionId, documentId } = await upload(harness);
    expect((await client.document.get.query({ documentId })).summary).toBe("A field report on a bypass valve that sticks in the cold.");
    harness.fake.requests.length = 0;
    const { assistantMessage } = await client.message.send.mutate({ sessionId, content: "What is this document about?" });
    await collectStream(client, assistantMessage.id);
    const reply = harness.fake.requests.find((request) => request.path === "/api/chat");
    const system = (reply!.body as { messages: Array<{ role: string; content: string }> }).messages[0]!.content;
    expect(system).toContain("valves.md");
    expect(system).toContain("A field report on a bypass valve that sticks in the cold.");
  });
});
