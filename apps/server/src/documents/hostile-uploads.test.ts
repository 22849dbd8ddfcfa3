import {
  makeDocx,
  makeEncryptedPdf,
  makePdf,
  makePdfWithEmbeddedFile,
  makePdfWithJavaScript,
  makeScannedPdf,
  makeStripedPng,
  makeZipBomb,
  sampleParagraph,
  truncate,
} from "@recall/document-parser/testing";
import type { DocumentView } from "@recall/schema";
import { TRPCClientError } from "@trpc/client";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness, type RecallClient } from "../testing/harness.ts";

/**
 * Hostile files through the real upload path, one server for all of them: each fails its own
 * upload with a specific reason, and the server stays ready, answers, and keeps its memory.
 */
let harness: Harness;

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

/** Heap in use after a full collection: what is really held, not what the allocator kept. */
function heapHeld(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

beforeAll(async () => {
  harness = await startHarness({
    config: {
      documents: {
        maxBytes: 1024 * 1024,
        maxPages: 20,
        storageBytesPerUser: 50 * 1024 * 1024,
        documentsPerUser: 300,
        documentsPerChat: 10_000,
        parseTimeoutMs: 20_000,
        workerMemoryMb: 128,
        workers: 1,
        passagesPerQuestion: 4,
        summaries: false,
      },
    },
  });
});

afterAll(async () => {
  await harness?.close();
});

function form(bytes: Uint8Array, name: string, sessionId: string): FormData {
  const data = new FormData();
  data.append("file", new File([bytes], name));
  data.append("sessionId", sessionId);
  return data;
}

async function settled(client: RecallClient, documentId: string): Promise<DocumentView> {
  await harness.recall.services.documents.idle();
  return client.document.get.query({ documentId });
}

async function healthy(): Promise<void> {
  const response = await fetch(`${harness.url}/readyz`);
  expect(response.status).toBe(200);
}

describe("hostile uploads", () => {
  it("refuses each hostile file with its own reason while the server stays ready and its memory bounded", async () => {
    const { client } = await harness.newUser();
    const session = await client.session.create.mutate({});
    const longName = `${"a".repeat(5000)}.pdf`;
    const ordinaryPdf = await makePdf({ pages: [{ heading: "Ordinary", paragraphs: [sampleParagraph(1)] }] });
    const cases: Array<{ name: string; bytes: Uint8Array; expect: { state: DocumentView["state"]; code?: string; message?: RegExp } }> = [
      { name: "bomb.docx", bytes: await makeZipBomb(), expect: { state: "failed", code: "zip_bomb" } },
      { name: "malformed.pdf", bytes: new TextEncoder().encode("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF"), expect: { state: "failed", code: "corrupt" } },
      { name: "truncated.pdf", bytes: truncate(ordinaryPdf, 0.5), expect: { state: "failed", code: "corrupt" } },
      { name: "locked.pdf", bytes: makeEncryptedPdf(), expect: { state: "failed", code: "encrypted", message: /password/i } },
      { name: "scan.pdf", bytes: await makeScannedPdf(), expect: { state: "failed", code: "no_text", message: /OCR/ } },
      { name: "photo.pdf", bytes: makeStripedPng(32, 32), expect: { state: "failed", code: "unsupported_type" } },
      { name: "program.docx", bytes: new Uint8Array([0x4d, 0x5a, 0x90, 0x00, ...new Array(200).fill(0)]), expect: { state: "failed", code: "unsupported_type" } },
      // Read for their text; the script and the attachment are never run or unpacked.
      { name: "scripted.pdf", bytes: await makePdfWithJavaScript(), expect: { state: "ready" } },
      { name: "attachment.pdf", bytes: await makePdfWithEmbeddedFile(), expect: { state: "ready" } },
      { name: "../../../../etc/passwd", bytes: new TextEncoder().encode("Plain notes about valves and seals.\n"), expect: { state: "ready" } },
      { name: longName, bytes: ordinaryPdf, expect: { state: "ready" } },
      { name: "table.docx", bytes: await makeDocx({ sections: [{ heading: "Parts", paragraphs: [sampleParagraph(2)] }], table: [["Part", "Count"], ["Seal", "4"]] }), expect: { state: "ready" } },
    ];
    const before = process.memoryUsage().rss;
    for (const hostile of cases) {
      const uploaded = await client.document.upload.mutate(form(hostile.bytes, hostile.name, session.id));
      const document = await settled(client, uploaded.id);
      expect({ name: hostile.name.slice(0, 40), state: document.state, code: document.error?.code }).toEqual({
        name: hostile.name.slice(0, 40),
        state: hostile.expect.state,
        code: hostile.expect.code,
      });
      if (hostile.expect.message) expect(document.error?.message).toMatch(hostile.expect.message);
      expect(document.name.length).toBeLessThanOrEqual(200);
      expect(document.name).not.toMatch(/[/\\]/);
      await healthy();
    }
    // The bomb inflates to 200 MB: none of it may reach this process.
    expect(process.memoryUsage().rss - before).toBeLessThan(150 * 1024 * 1024);
    const names = (await client.document.list.query({ sessionId: session.id })).map((document) => document.name);
    expect(names).toContain("passwd");
    expect(names.some((name) => name.endsWith(".pdf") && name.length <= 200 && name.startsWith("aaaa"))).toBe(true);
  }, 120_000);

  it("takes 10,000 tiny uploads from one user: the quota refuses the rest in words and the server stays ready", async () => {
    const { client } = await harness.newUser();
    const session = await client.session.create.mutate({});
    const refused = new Map<string, number>();
    let accepted = 0;
    const before = heapHeld();
    const total = 10_000;
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const index = next++;
        try {
          await client.document.upload.mutate(form(new TextEncoder().encode(`Note ${index}: seal ${index % 7} replaced.`), `note-${index}.txt`, session.id));
          accepted += 1;
        } catch (error) {
          if (!(error instanceof TRPCClientError)) throw error;
          const key = `${(error.data as { code?: string }).code}: ${error.message}`;
          refused.set(key, (refused.get(key) ?? 0) + 1);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await harness.recall.services.documents.idle();
    expect(accepted).toBe(300);
    expect([...refused.keys()]).toEqual([expect.stringMatching(/^TOO_MANY_REQUESTS: You have 300 documents, the most allowed/)]);
    expect(refused.values().next().value).toBe(total - 300);
    const documents = await client.document.list.query({ sessionId: session.id });
    expect(documents.filter((document) => document.state === "ready")).toHaveLength(300);
    await healthy();
    // 300 documents' rows and indexes live in SQLite, not here: what the heap holds afterwards is small.
    expect(heapHeld() - before).toBeLessThan(64 * 1024 * 1024);
  }, 300_000);
});
