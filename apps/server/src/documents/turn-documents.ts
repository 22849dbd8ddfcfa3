import { documentsAnswerRule, extractCitations, renderDocumentsOverview, renderPassageForPrompt } from "@recall/documents";
import type { ContextPassage, PromptLayoutState } from "@recall/memory";
import type { DocumentSources, PassageView } from "@recall/schema";
import type { TurnDocuments } from "../memory/context-builder.ts";
import type { Documents, PassageHit } from "./documents.ts";

export interface PreparedTurnDocuments {
  /** For the context builder; null when the chat has no documents (the prompt is as before). */
  context: TurnDocuments | null;
  /**
   * The reply's sources once its text is known: the passages this turn's prompt held (by the
   * ids the builder reports, in its order, so [n] is what the model saw) and which it cited.
   */
  sourcesFor(passageIds: readonly string[], reply: string): DocumentSources | null;
}

/** A chat without documents: nothing added to the prompt, no sources. */
export const noTurnDocuments: PreparedTurnDocuments = { context: null, sourcesFor: () => null };

type PassageSource = Pick<PassageHit, "chunkId" | "documentId" | "documentName" | "text" | "pageStart" | "pageEnd" | "section">;

function toContextPassage(passage: PassageSource, score: number): ContextPassage {
  return { id: passage.chunkId, documentId: passage.documentId, text: renderPassageForPrompt(passage), score };
}

/**
 * What a chat's documents bring to one turn: the question's convincing passages, the passages
 * earlier turns put in the prompt (rendered again byte for byte so the model's cache holds),
 * and the system prompt's documents rule and overview. A chat without documents costs one
 * query and changes nothing.
 */
export async function prepareTurnDocuments(
  documents: Pick<Documents, "overview" | "search" | "passages">,
  input: { userId: string; sessionId: string; question: string; limit: number; previousLayout: PromptLayoutState | null },
): Promise<PreparedTurnDocuments> {
  const overview = await documents.overview(input.userId, input.sessionId);
  if (overview.length === 0) return noTurnDocuments;
  const earlierIds = [...new Set((input.previousLayout?.blocks ?? []).flatMap((block) => block.passageIds))];
  const [hits, earlier] = await Promise.all([
    documents.search({ userId: input.userId, sessionId: input.sessionId, query: input.question, limit: input.limit }),
    documents.passages(input.userId, earlierIds),
  ]);
  const convincing = hits.filter((hit) => hit.convincing);
  const known = new Map<string, PassageSource>();
  for (const passage of earlier) known.set(passage.chunkId, passage);
  for (const hit of convincing) known.set(hit.chunkId, hit);
  const earlierPassages = new Map(earlier.map((passage) => [passage.chunkId, toContextPassage(passage, 0)]));
  const anyReady = overview.some((document) => document.ready);
  // The model learns of a document still being read, so it says so rather than answering without it.
  const described = overview.map((document) => (document.ready ? document : { ...document, name: `${document.name} (still being read: not searchable yet)` }));
  return {
    context: {
      passages: convincing.map((hit) => toContextPassage(hit, hit.score)),
      passageById: (id) => earlierPassages.get(id),
      systemSection: `${documentsAnswerRule}\n${renderDocumentsOverview(described)}`,
    },
    sourcesFor(passageIds, reply) {
      const shown = passageIds.flatMap((id) => {
        const passage = known.get(id);
        return passage ? [passage] : [];
      });
      const cited = new Set(extractCitations(reply, shown.length));
      return {
        citations: shown.map((passage, index) => ({
          n: index + 1,
          chunkId: passage.chunkId,
          documentId: passage.documentId,
          documentName: passage.documentName,
          pageStart: passage.pageStart,
          pageEnd: passage.pageEnd,
          section: passage.section,
          cited: cited.has(index + 1),
        })),
        // Only when there was something to search: a chat whose documents are still being read is not "nothing relevant".
        nothingRelevant: anyReady && shown.length === 0,
      };
    },
  };
}

export type { PassageView };
