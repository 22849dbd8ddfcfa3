import { makeDocx, makeMarkdown, makePdf, makeStripedPng, sampleParagraph } from "@recall/document-parser/testing";
import type { ChatRequestInfo } from "@recall/fake-ollama";
import type { DocumentView } from "@recall/schema";
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectStream, startHarness, testConfig, type Harness, type RecallClient } from "../testing/harness.ts";

/**
 * Documents over the real API: multipart upload through the tRPC client, processing in the
 * background (a parsing worker, the chunker, the SQLite FTS5 index), retrieval into the
 * prompt, citations on the reply, and ownership. The fake model answers like a grounded
 * model: from a numbered passage that holds the asked-for fact, citing it; else it asks back.
 */
const facts: Array<{ keyword: RegExp; answer: string }> = [
  { keyword: /pressure/i, answer: "The pump reached 42 bar" },
  { keyword: /torque/i, answer: "The torque was 310 newton metres" },
  { keyword: /warranty/i, answer: "The warranty lasts 7 years" },
];

function groundedReply(request: ChatRequestInfo): { text: string } | undefined {
  const asked = facts.find((fact) => fact.keyword.test(request.lastUserMessage));
  if (!asked) return undefined;
  // This turn's block is the last system message before the question.
  const block = request.messages.filter((message) => message.role === "system").at(-1)?.content ?? "";
  const passages = [...block.matchAll(/^\[(\d+)\] ([\s\S]*?)(?=^\[\d+\] |(?![\s\S]))/gm)];
  const found = passages.find((match) => asked.keyword.test(match[2]!));
  if (!found) return { text: "I could not find that in your documents. Which document or section do you mean?" };
  return { text: `${asked.answer} [${found[1]}].` };
}

let harness: Harness;

beforeAll(async () => {
  // Smaller files and fewer pages than the defaults, so the limit tests stay small.
  harness = await startHarness({ fake: { reply: groundedReply }, config: { documents: { ...testConfig().documents, maxBytes: 2 * 1024 * 1024, maxPages: 50 } } });
});

afterAll(async () => {
  await harness?.close();
});

function form(bytes: Uint8Array, name: string, sessionId?: string): FormData {
  const data = new FormData();
  data.append("file", new File([bytes], name));
  if (sessionId) data.append("sessionId", sessionId);
  return data;
}

async function settled(client: RecallClient, documentId: string): Promise<DocumentView> {
  for (let attempt = 0; attempt < 400; attempt += 1) {
    const document = await client.document.get.query({ documentId });
    if (document.state !== "processing") return document;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the document never finished processing");
}

async function ask(client: RecallClient, sessionId: string, content: string) {
  const { assistantMessage } = await client.message.send.mutate({ sessionId, content });
  await collectStream(client, assistantMessage.id);
  const thread = await client.message.thread.query({ sessionId });
  return thread.messages.find((message) => message.id === assistantMessage.id)!;
}

async function codeOf(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call;
    return "OK";
  } catch (error) {
    if (!(error instanceof TRPCClientError)) throw error;
    return (error.data as { code?: string } | undefined)?.code;
  }
}

const report = makeMarkdown({
  title: "Pump test report",
  sections: [
    { heading: "Setup", paragraphs: [sampleParagraph(1), sampleParagraph(2)] },
    { heading: "Results", paragraphs: [sampleParagraph(3), "During the final run the pump pressure held at 42 bar for the whole hour.", sampleParagraph(4)] },
    { heading: "Maintenance", paragraphs: [sampleParagraph(5)] },
  ],
});

describe("documents over the API", () => {
  it("uploads Markdown into a chat, answers from it with a citation that opens the passage", async () => {
    const { client } = await harness.newUser();
    const session = await client.session.create.mutate({});
    const uploaded = await client.document.upload.mutate(form(report, "../../etc/report.md", session.id));
    expect(uploaded).toMatchObject({ name: "report.md", state: "processing", sessionIds: [session.id], sizeBytes: report.byteLength });
    const ready = await settled(client, uploaded.id);
    expect(ready).toMatchObject({ state: "ready", kind: "markdown", error: null });
    expect(ready.chunkCount).toBeGreaterThan(1);
    expect(await client.document.list.query({ sessionId: session.id })).toEqual([expect.objectContaining({ id: uploaded.id })]);

    const reply = await ask(client, session.id, "What pressure did the pump hold?");
    expect(reply.content).toMatch(/42 bar \[\d\]/);
    const cited = reply.sources!.citations.filter((citation) => citation.cited);
    expect(cited).toHaveLength(1);
    expect(cited[0]).toMatchObject({ documentId: uploaded.id, documentName: "report.md", pageStart: 1, section: expect.stringContaining("Results") });
    expect(reply.sources!.nothingRelevant).toBe(false);
    const passage = await client.document.passage.query({ chunkId: cited[0]!.chunkId });
    expect(passage.text).toContain("42 bar");

    // Nothing in the document about this: no passage, the model asks back, the reply says so.
    const unrelated = await ask(client, session.id, "How long does the warranty last?");
    expect(unrelated.sources).toEqual({ citations: [], nothingRelevant: true });
    expect(unrelated.content).toMatch(/could not find/);
  });

  it("keeps page numbers of a PDF and finds a fact in a DOCX table", async () => {
    const { client } = await harness.newUser();
    const session = await client.session.create.mutate({});
    const pdf = await makePdf({
      title: "Drive train",
      pages: [
        { heading: "Overview", paragraphs: [sampleParagraph(11), sampleParagraph(12)] },
        { heading: "Gearbox", paragraphs: [sampleParagraph(13)] },
        { heading: "Measurements", paragraphs: [sampleParagraph(14), "The measured torque at the output shaft was 310 newton metres."] },
      ],
    });
    const docx = await makeDocx({
      title: "Terms",
      sections: [{ heading: "Coverage", paragraphs: [sampleParagraph(21)] }],
      table: [
        ["Item", "Warranty"],
        ["Pump housing", "7 years"],
        ["Seals", "1 year"],
      ],
    });
    const [pdfDocument, docxDocument] = await Promise.all([
      client.document.upload.mutate(form(pdf, "drive.pdf", session.id)),
      client.document.upload.mutate(form(docx, "terms.docx", session.id)),
    ]);
    expect(await settled(client, pdfDocument.id)).toMatchObject({ state: "ready", kind: "pdf", pageCount: 3 });
    expect(await settled(client, docxDocument.id)).toMatchObject({ state: "ready", kind: "docx" });

    const torque = await ask(client, session.id, "What torque was measured at the output shaft?");
    const torqueSource = torque.sources!.citations.find((citation) => citation.cited)!;
    expect(torqueSource).toMatchObject({ documentName: "drive.pdf", pageStart: 3, pageEnd: 3 });

    const warranty = await ask(client, session.id, "What warranty does the pump housing have?");
    const warrantySource = warranty.sources!.citations.find((citation) => citation.cited)!;
    expect(warrantySource.documentName).toBe("terms.docx");
    expect((await client.document.passage.query({ chunkId: warrantySource.chunkId })).text).toMatch(/Pump housing \| 7 years/);

    const text = await client.document.text.query({ documentId: pdfDocument.id });
    expect(text.pages.map((page) => page.number)).toEqual([1, 2, 3]);
    expect(text.pages[2]!.text).toContain("310 newton metres");
  });

  it("refuses what it cannot read with a specific reason, and what is too big before reading it", async () => {
    const { client } = await harness.newUser();
    const session = await client.session.create.mutate({});
    const image = await client.document.upload.mutate(form(makeStripedPng(64, 64), "scan.pdf", session.id));
    const failed = await settled(client, image.id);
    expect(failed.state).toBe("failed");
    expect(failed.error?.code).toBe("unsupported_type");
    expect(failed.error?.message).toMatch(/PNG/);

    const tooBig = new Uint8Array(3 * 1024 * 1024).fill(65);
    expect(await codeOf(client.document.upload.mutate(form(tooBig, "big.txt", session.id)))).toBe("PAYLOAD_TOO_LARGE");
    expect(await codeOf(client.document.upload.mutate(form(new Uint8Array(0), "empty.txt", session.id)))).toBe("BAD_REQUEST");
  });

  it("lets nobody else list, open, cite, attach or delete a document, and detaching deletes what nothing keeps", async () => {
    const owner = await harness.newUser();
    const other = await harness.newUser();
    const session = await owner.client.session.create.mutate({});
    const uploaded = await owner.client.document.upload.mutate(form(report, "report.md", session.id));
    await settled(owner.client, uploaded.id);
    const reply = await ask(owner.client, session.id, "What pressure did the pump hold?");
    const chunkId = reply.sources!.citations[0]!.chunkId;
    const otherSession = await other.client.session.create.mutate({});

    expect(await codeOf(other.client.document.get.query({ documentId: uploaded.id }))).toBe("NOT_FOUND");
    expect(await codeOf(other.client.document.text.query({ documentId: uploaded.id }))).toBe("NOT_FOUND");
    expect(await codeOf(other.client.document.passage.query({ chunkId }))).toBe("NOT_FOUND");
    expect(await codeOf(other.client.document.list.query({ sessionId: session.id }))).toBe("NOT_FOUND");
    expect(await codeOf(other.client.document.attach.mutate({ documentId: uploaded.id, sessionId: otherSession.id }))).toBe("NOT_FOUND");
    expect(await codeOf(other.client.document.delete.mutate({ documentId: uploaded.id }))).toBe("NOT_FOUND");
    expect(await other.client.document.library.query()).toEqual([]);
    // The other user's chat never retrieves the owner's passages, even asked the same question.
    const otherReply = await ask(other.client, otherSession.id, "What pressure did the pump hold?");
    expect(otherReply.sources).toBeNull();

    // Kept in the library, it outlives the chat it came in; unkept and detached, it is deleted.
    await owner.client.document.keep.mutate({ documentId: uploaded.id, kept: true });
    expect(await owner.client.document.detach.mutate({ documentId: uploaded.id, sessionId: session.id })).toEqual({ deleted: false });
    expect((await owner.client.document.library.query()).map((document) => document.id)).toEqual([uploaded.id]);
    await owner.client.document.attach.mutate({ documentId: uploaded.id, sessionId: session.id });
    await owner.client.document.keep.mutate({ documentId: uploaded.id, kept: false });
    expect(await owner.client.document.detach.mutate({ documentId: uploaded.id, sessionId: session.id })).toEqual({ deleted: true });
    expect(await codeOf(owner.client.document.passage.query({ chunkId }))).toBe("NOT_FOUND");
    expect(await harness.database.prisma.documentChunk.count({ where: { documentId: uploaded.id } })).toBe(0);
  });

  it("deletes a chat's documents with the chat, and a temporary chat's stay in memory", async () => {
    const { client, userId } = await harness.newUser();
    const session = await client.session.create.mutate({});
    const uploaded = await client.document.upload.mutate(form(report, "report.md", session.id));
    await settled(client, uploaded.id);
    await client.session.delete.mutate({ sessionId: session.id });
    expect(await codeOf(client.document.get.query({ documentId: uploaded.id }))).toBe("NOT_FOUND");
    expect(await harness.database.prisma.document.count({ where: { userId } })).toBe(0);

    const temporary = await client.session.create.mutate({ ephemeral: true });
    const held = await client.document.upload.mutate(form(report, "report.md", temporary.id));
    expect(await settled(client, held.id)).toMatchObject({ state: "ready", ephemeral: true });
    expect(await harness.database.prisma.document.count({ where: { userId } })).toBe(0);
    const reply = await ask(client, temporary.id, "What pressure did the pump hold?");
    expect(reply.content).toMatch(/42 bar/);
    expect(await codeOf(client.document.keep.mutate({ documentId: held.id, kept: true }))).toBe("BAD_REQUEST");
  });
});
