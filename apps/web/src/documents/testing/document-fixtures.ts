import type { ChatDocument, Citation } from "../../trpc.ts";

/** A ready document with every field filled; tests override what they look at. */
export function documentView(overrides: Partial<ChatDocument> = {}): ChatDocument {
  return {
    id: "doc-1",
    name: "report.pdf",
    kind: "pdf",
    sizeBytes: 1_288_490,
    pageCount: 12,
    state: "ready",
    stage: null,
    progress: 1,
    error: null,
    summary: null,
    chunkCount: 30,
    kept: false,
    sessionIds: ["chat-1"],
    ephemeral: false,
    createdAt: "2025-03-01T10:00:00.000Z",
    updatedAt: "2025-03-01T10:00:00.000Z",
    ...overrides,
  };
}

export function citation(overrides: Partial<Citation> = {}): Citation {
  return {
    n: 1,
    chunkId: "chunk-1",
    documentId: "doc-1",
    documentName: "report.pdf",
    pageStart: 3,
    pageEnd: 3,
    section: null,
    cited: true,
    ...overrides,
  };
}
