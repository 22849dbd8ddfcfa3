/**
 * What a document chat costs a local model: one generated report uploaded into a chat, then 20
 * questions about it, against the fake Ollama in its faithful cost mode (Llama 3 tokenizer, one
 * slot with a prompt cache reused by longest common prefix). Recall runs as the real server
 * (upload, parsing worker, FTS5 index, passages in the turn block); the baselines build their
 * prompts here with the same chunks and an in-memory BM25 and call Ollama's API directly:
 *   - "passages in the user message": the question is wrapped in a RAG template with the top
 *     passages, the history keeps plain messages (Open WebUI's default);
 *   - "passages in the system prompt": the top passages replace a context block in the system
 *     prompt each turn (the shape AnythingLLM and LibreChat's file context use).
 * Writes bench/results/documents-cache.{md,json}.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { chunkDocument, renderPassageForPrompt } from "@recall/documents";
import { startFakeOllama } from "@recall/fake-ollama";
import { collectStream, startHarness, testConfig } from "@recall/server/testing";
import { Ollama } from "ollama";
import { llamaTokenize, model } from "./cost/replay.ts";
import { bm25Ranker, rankableChunks } from "./documents/evaluate.ts";
import { containsAnswer, generateRetrievalSet, type NamedDocument } from "./documents/generate.ts";
import { markdownTable } from "./stats.ts";
import { updateReadmeSection } from "./shared.ts";

const numCtx = 2000;
const questionsAsked = 20;
const passagesPerQuestion = 4;
const systemPrompt = "You are Recall, a helpful assistant. Answer clearly and concisely.";

interface TurnCost {
  /** The question's planted answer is somewhere in the prompt the model read. */
  answerInPrompt: boolean;
  promptTokens: number;
  cachedTokens: number;
  prefilledTokens: number;
  truncated: boolean;
}

interface StrategyResult {
  strategy: string;
  turns: TurnCost[];
  reloads: number;
}

const costOptions = { numParallel: 1, tokenize: llamaTokenize, timeScale: 0, keepAlive: -1 } as const;

/** A reply of realistic length that cites its first passage, as a grounded model would. */
function replyFor(question: string): string {
  return `From the report: ${question.replace(/\?$/, "")} is answered in the passage about it [1]. The figures there are the current ones, and the section lists the conditions that apply.`;
}

function toMarkdown(document: NamedDocument): string {
  return document.pages
    .flatMap((page) => page.blocks.map((block) => (block.kind === "heading" ? `${"#".repeat(Math.min(6, block.level ?? 2))} ${block.text}` : block.text)))
    .join("\n\n");
}

interface Question {
  text: string;
  answer: string;
}

function holdsAnswer(messages: ReadonlyArray<{ content: string }>, answer: string): boolean {
  return containsAnswer(messages.map((message) => message.content).join("\n"), answer);
}

async function recallStrategy(document: NamedDocument, questions: readonly Question[]): Promise<StrategyResult> {
  const harness = await startHarness({
    fake: { cost: costOptions, recordRequests: true, reply: (request) => (request.format === undefined && request.lastUserMessage ? { text: replyFor(request.lastUserMessage) } : undefined) },
    config: { systemPrompt, maxContextTokens: numCtx, defaultModel: model, documents: { ...testConfig().documents, passagesPerQuestion } },
  });
  try {
    const { client } = await harness.newUser();
    const session = await client.session.create.mutate({ model });
    const form = new FormData();
    form.append("file", new File([toMarkdown(document)], `${document.name}.md`));
    form.append("sessionId", session.id);
    await client.document.upload.mutate(form);
    await harness.recall.services.documents.idle();
    const turns: TurnCost[] = [];
    for (const question of questions) {
      harness.fake.requests.length = 0;
      const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: question.text });
      await collectStream(client, assistantMessage.id);
      await harness.recall.services.summaries.idle();
      const reply = harness.fake.requests.find((request) => request.path === "/api/chat" && (request.body as { messages?: Array<{ content: string }> }).messages?.[0]?.content.startsWith(systemPrompt));
      if (!reply?.cost) throw new Error("no cost recorded for a reply");
      const sent = (reply.body as { messages: Array<{ content: string }> }).messages;
      turns.push({ answerInPrompt: holdsAnswer(sent, question.answer), promptTokens: reply.cost.promptTokens, cachedTokens: reply.cost.cachedTokens, prefilledTokens: reply.cost.prefilledTokens, truncated: reply.truncated ?? false });
    }
    return { strategy: "Recall (passages in the turn block, earlier ones kept in place)", turns, reloads: harness.fake.costs.reloads };
  } finally {
    await harness.close();
  }
}

type Placement = "user" | "system";

async function baselineStrategy(document: NamedDocument, questions: readonly Question[], placement: Placement): Promise<StrategyResult> {
  const fake = await startFakeOllama({ cost: costOptions, recordRequests: true });
  const ollama = new Ollama({ host: fake.url });
  const chunks = rankableChunks({ documents: [document], questions: [] }, [chunkDocument(document)]);
  const history: Array<{ role: "user" | "assistant"; content: string }> = [];
  const turns: TurnCost[] = [];
  try {
    for (const { text: question, answer } of questions) {
      const ranked = (await bm25Ranker(question, chunks)).slice(0, passagesPerQuestion);
      const context = ranked
        .map((id, index) => {
          const chunk = chunks.find((candidate) => candidate.id === id)!;
          return `[${index + 1}] ${renderPassageForPrompt({ ...chunk.chunk, documentName: document.name })}`;
        })
        .join("\n");
      const messages =
        placement === "user"
          ? [{ role: "system", content: systemPrompt }, ...history, { role: "user", content: `Use the following context to answer.\n<context>\n${context}\n</context>\n\nQuestion: ${question}` }]
          : [{ role: "system", content: `${systemPrompt}\n\nContext from the user's documents:\n${context}` }, ...history, { role: "user", content: question }];
      fake.queueScript({ text: replyFor(question) });
      await ollama.chat({ model, messages, stream: false, options: { num_ctx: numCtx } });
      const record = fake.requests.at(-1);
      if (!record?.cost) throw new Error("no cost recorded");
      turns.push({ answerInPrompt: holdsAnswer(messages, answer), promptTokens: record.cost.promptTokens, cachedTokens: record.cost.cachedTokens, prefilledTokens: record.cost.prefilledTokens, truncated: record.truncated ?? false });
      history.push({ role: "user", content: question }, { role: "assistant", content: replyFor(question) });
      fake.requests.length = 0;
    }
    return { strategy: placement === "user" ? "passages in the user message (Open WebUI's RAG template)" : "passages in the system prompt (AnythingLLM, LibreChat)", turns, reloads: fake.costs.reloads };
  } finally {
    await fake.close();
  }
}

function summarize(result: StrategyResult) {
  const continuing = result.turns.slice(1);
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  const prompt = sum(continuing.map((turn) => turn.promptTokens));
  return {
    strategy: result.strategy,
    servedFromCache: prompt === 0 ? 0 : sum(continuing.map((turn) => turn.cachedTokens)) / prompt,
    prefilledPerTurn: sum(continuing.map((turn) => turn.prefilledTokens)) / continuing.length,
    promptPerTurn: prompt / continuing.length,
    truncatedTurns: result.turns.filter((turn) => turn.truncated).length,
    answerInPrompt: result.turns.filter((turn) => turn.answerInPrompt).length / result.turns.length,
    reloads: result.reloads,
  };
}

const set = generateRetrievalSet(1);
const documentIndex = 0;
const document = set.documents[documentIndex]!;
const questions = set.questions
  .filter((question) => question.relevant.some((relevant) => relevant.documentIndex === documentIndex))
  .slice(0, questionsAsked)
  .map((question) => ({ text: question.text, answer: question.relevant.find((relevant) => relevant.documentIndex === documentIndex)!.answerText }));
if (questions.length < questionsAsked) throw new Error(`only ${questions.length} questions about the document`);

const results = [await recallStrategy(document, questions), await baselineStrategy(document, questions, "user"), await baselineStrategy(document, questions, "system")];
const rows = results.map(summarize);
const table = markdownTable(
  ["strategy", "answer in the prompt", "served from cache (questions 2-20)", "prefilled tokens / question", "prompt tokens / question", "truncated by num_ctx", "reloads"],
  rows.map((row) => [row.strategy, `${(row.answerInPrompt * 100).toFixed(0)}%`, `${(row.servedFromCache * 100).toFixed(0)}%`, row.prefilledPerTurn.toFixed(0), row.promptPerTurn.toFixed(0), String(row.truncatedTurns), String(row.reloads)]),
);
const pages = document.pageCount;
const output = `### Prompt cache in a document chat\n\nOne generated report (${pages} pages, seed 1) uploaded into a chat, then ${questionsAsked} questions about it; ${passagesPerQuestion} passages per question; num_ctx ${numCtx}; fake Ollama's cost mode (Llama 3 tokenizer, 1 slot, longest-common-prefix reuse).\n\n${table}\n`;
console.log(output);
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
writeFileSync(new URL("./results/documents-cache.md", import.meta.url), output);
writeFileSync(new URL("./results/documents-cache.json", import.meta.url), `${JSON.stringify({ numCtx, questionsAsked, passagesPerQuestion, pages, results: rows, turns: results }, null, 2)}\n`);
updateReadmeSection("documents-cache", output);
