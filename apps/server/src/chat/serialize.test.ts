import type { DocumentSources } from "@recall/schema";
import { describe, expect, it } from "vitest";
import { resolveSourceNames, storedSourcesJson, titleFromContent, toMessage } from "./serialize.ts";

describe("titleFromContent", () => {
  it("uses a short first message as is, on one line", () => {
    expect(titleFromContent("  How do I\nbake bread?  ")).toBe("How do I bake bread?");
  });

  it("cuts a long message at a word boundary and marks the cut", () => {
    const title = titleFromContent("Please explain the difference between a monad and a burrito in terms my grandmother would understand");
    expect(title.endsWith("…")).toBe(true);
    expect(title.length).toBeLessThanOrEqual(61);
    expect(title).not.toMatch(/ …$/);
  });
});

describe("a reply's document sources", () => {
  const sources: DocumentSources = {
    citations: [
      { n: 1, chunkId: "k1", documentId: "d1", documentName: "Secret plans.pdf", pageStart: 3, pageEnd: 4, section: "Budget", cited: true },
      { n: 2, chunkId: "k2", documentId: "d2", documentName: "Gone.docx", pageStart: 1, pageEnd: 1, section: null, cited: false },
    ],
    nothingRelevant: false,
  };
  const row = { id: "m1", sessionId: "c1", parentId: null, role: "assistant", content: "See [1].", status: "complete", model: "m", promptTokens: null, completionTokens: null, error: null, createdAt: new Date(0), updatedAt: new Date(0) };

  it("stores ids, numbers and pages only: no document name or section", () => {
    const stored = storedSourcesJson(sources);
    expect(stored).not.toContain("Secret plans");
    expect(stored).not.toContain("Budget");
    expect(toMessage({ ...row, sourcesJson: stored }).sources).toEqual({
      citations: sources.citations.map((citation) => ({ ...citation, documentName: "", section: null })),
      nothingRelevant: false,
    });
    expect(toMessage(row).sources).toBeNull();
    expect(toMessage({ ...row, sourcesJson: "not json" }).sources).toBeNull();
    expect(toMessage({ ...row, sourcesJson: '{"citations":[{"n":"one"}],"nothingRelevant":false}' }).sources).toBeNull();
  });

  it("fills names and sections from the passages in one look-up, and drops citations of deleted documents", async () => {
    const messages = [toMessage({ ...row, sourcesJson: storedSourcesJson(sources) }), toMessage(row), toMessage({ ...row, id: "m2", sourcesJson: storedSourcesJson({ citations: [], nothingRelevant: true }) })];
    const asked: string[][] = [];
    const resolved = await resolveSourceNames(messages, async (chunkIds) => {
      asked.push(chunkIds);
      return [{ chunkId: "k1", documentName: "Secret plans.pdf", section: "Budget" }];
    });
    expect(asked).toEqual([["k1", "k2"]]);
    expect(resolved[0]?.sources).toEqual({ citations: [sources.citations[0]], nothingRelevant: false });
    expect(resolved[1]?.sources).toBeNull();
    expect(resolved[2]?.sources).toEqual({ citations: [], nothingRelevant: true });
    // Every cited document deleted: no sources left to show.
    expect((await resolveSourceNames([messages[0]!], async () => []))[0]?.sources).toBeNull();
  });
});
