/**
 * What the model reads about a chat's documents: the answering rule, the overview of the
 * attached documents, and each retrieved passage with its source line. The memory engine
 * numbers the passages [1], [2], … in the order it places them.
 */

/** The system-prompt rule when a chat has documents. Kept short: small models follow short rules. */
export const documentsAnswerRule = [
  "This chat has documents. When the question is about them, answer from the numbered passages below and cite each passage you use as [n], for example [2] or [1][3].",
  "If the passages do not contain the answer, say that the documents do not say, and ask one short follow-up question (which document, section or term to look for) instead of guessing.",
  "Do not cite a passage for something it does not say.",
].join(" ");

/** Said in the prompt when retrieval found nothing convincing, so the model does not stretch weak passages into an answer. */
export const weakRetrievalNote =
  "No passage below clearly matches this question. Say that you could not find it in the documents and ask a short follow-up question.";

/** How much of a document's summary the overview shows: the prompt has a budget, and a summary is a pointer, not the content. */
export const overviewSummaryChars = 300;

export interface DocumentOverviewEntry {
  name: string;
  pageCount: number | null;
  summary: string | null;
}

/** One line per document: name, pages and a clipped summary. Empty when there are none. */
export function renderDocumentsOverview(docs: readonly DocumentOverviewEntry[]): string {
  if (docs.length === 0) return "";
  const lines = docs.map((doc) => {
    const pages = doc.pageCount === null ? "" : ` (${doc.pageCount} ${doc.pageCount === 1 ? "page" : "pages"})`;
    const summary = doc.summary === null ? "" : clipAtWord(oneLine(doc.summary), overviewSummaryChars);
    return `- ${oneLine(doc.name)}${pages}${summary.length > 0 ? `: ${summary}` : ""}`;
  });
  return ["Documents in this chat:", ...lines].join("\n");
}

export interface PromptPassage {
  text: string;
  documentName: string;
  pageStart: number;
  pageEnd: number;
  section: string | null;
}

/** A source line (document, page or pages, section), then the passage's text. */
export function renderPassageForPrompt(passage: PromptPassage): string {
  const pages = passage.pageStart === passage.pageEnd ? `page ${passage.pageStart}` : `pages ${passage.pageStart}-${passage.pageEnd}`;
  const section = passage.section === null || passage.section.trim().length === 0 ? "" : `, section "${oneLine(passage.section)}"`;
  return `From "${oneLine(passage.documentName)}", ${pages}${section}:\n${passage.text.trim()}`;
}

/** Names and summaries come from files: a line break in one must not start a line of its own in the prompt. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function clipAtWord(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit - 1);
  const lastSpace = cut.lastIndexOf(" ");
  return `${(lastSpace > limit / 2 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}
