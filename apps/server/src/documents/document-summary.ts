import { documentSummaryPrompt, type ExtractedDocument } from "@recall/documents";
import type { LlmClient } from "@recall/ollama";

/** The summary is short: it rides in every prompt of the chats the document is in. */
const summaryMaxTokens = 160;

/**
 * The one-time summary of a document ("what is this about" without retrieval luck): one model
 * call on the start of the document (headings and the first pages, as much as the model's
 * context holds), with the same num_ctx every call to that model uses.
 */
export async function summarizeDocument(
  llm: LlmClient,
  input: { model: string; numCtx: number; name: string; document: ExtractedDocument },
): Promise<string | null> {
  const messages = documentSummaryPrompt({ name: input.name, document: input.document, maxChars: Math.max(2000, (input.numCtx - summaryMaxTokens - 200) * 3) });
  const result = await llm.completeChat({ model: input.model, messages, numCtx: input.numCtx, maxTokens: summaryMaxTokens });
  const text = result.text.trim();
  return text.length > 0 ? text : null;
}
