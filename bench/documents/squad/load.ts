import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ExtractedBlock, ExtractedPage } from "@recall/documents";
import { splitSentences } from "@recall/memory";
import type { NamedDocument } from "../generate.ts";

/**
 * The public set: the first five articles of the SQuAD 2.0 development set (CC BY-SA 4.0, see
 * LICENSE.md here), 173 paragraphs and 1,407 crowd-written questions, about half of them written
 * to be unanswerable from the article. Each article becomes one document (four paragraphs a
 * page, the title as its heading); an answerable question's relevant text is the sentence that
 * holds its first answer, so a chunk answers it when it contains that sentence.
 */
export const squadSubsetPath = fileURLToPath(new URL("./dev-v2.0-first-5-articles.json", import.meta.url));

interface SquadFile {
  version: string;
  data: Array<{
    title: string;
    paragraphs: Array<{
      context: string;
      qas: Array<{ id: string; question: string; is_impossible?: boolean; answers: Array<{ text: string; answer_start: number }> }>;
    }>;
  }>;
}

export interface SquadRetrievalSet {
  documents: NamedDocument[];
  questions: Array<{ id: string; text: string; kind: "squad-answerable" | "unanswerable-adversarial"; relevant: Array<{ documentIndex: number; answerText: string }> }>;
}

const paragraphsPerPage = 4;

export function loadSquadRetrievalSet(path: string = squadSubsetPath): SquadRetrievalSet {
  const file = JSON.parse(readFileSync(path, "utf8")) as SquadFile;
  const documents: NamedDocument[] = [];
  const questions: SquadRetrievalSet["questions"] = [];
  file.data.forEach((article, documentIndex) => {
    const title = article.title.replaceAll("_", " ");
    const pages: ExtractedPage[] = [];
    article.paragraphs.forEach((paragraph, index) => {
      if (index % paragraphsPerPage === 0) pages.push({ number: pages.length + 1, blocks: index === 0 ? [{ kind: "heading", level: 1, text: title }] : [] });
      const block: ExtractedBlock = { kind: "paragraph", text: paragraph.context };
      pages.at(-1)!.blocks.push(block);
      for (const qa of paragraph.qas) {
        const answer = qa.answers[0];
        if (qa.is_impossible === true || answer === undefined) {
          questions.push({ id: qa.id, text: qa.question, kind: "unanswerable-adversarial", relevant: [] });
          continue;
        }
        questions.push({ id: qa.id, text: qa.question, kind: "squad-answerable", relevant: [{ documentIndex, answerText: sentenceAround(paragraph.context, answer.answer_start, answer.text) }] });
      }
    });
    documents.push({ name: `${article.title}.txt`, kind: "text", title, pageCount: pages.length, pages });
  });
  return { documents, questions };
}

/** The sentence holding the answer span, or the answer itself when it crosses a sentence boundary. */
function sentenceAround(context: string, start: number, answer: string): string {
  let offset = 0;
  for (const sentence of splitSentences(context)) {
    const end = offset + sentence.length;
    if (start >= offset && start + answer.length <= end) return sentence.trim();
    offset = end;
  }
  return answer;
}
