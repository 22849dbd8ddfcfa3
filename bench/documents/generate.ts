import type { ExtractedBlock, ExtractedDocument, ExtractedPage } from "@recall/documents";
import { createRandom, type Random } from "../memory/random.ts";
import { attributes, capitalise, ValueSource, type AnswerableKind, type Attribute } from "./facts.ts";
import { chapterTitles, definedTerms, fillerSentences, offTopicQuestions, productNames, productTypes, roles, siteNames } from "./vocabulary.ts";

/**
 * A seeded retrieval set: several documents of 10-40 pages about one fictional water utility,
 * sharing products, sites, people and topic words, with answers planted once each (numbers,
 * names, dates, definitions), distractor sentences about the same subjects with other values,
 * and questions that paraphrase, change word forms or barely name their subject, plus
 * questions the documents cannot answer. The same seed always gives the same set.
 */
/** Unanswerable questions ask for an attribute never stated of a subject the documents discuss (`in-domain`), or about something they never mention (`off-topic`). */
export type QuestionKind = AnswerableKind | "unanswerable-in-domain" | "unanswerable-off-topic";

export interface NamedDocument extends ExtractedDocument {
  name: string;
}

export interface RetrievalQuestion {
  id: string;
  text: string;
  /** Where the answer is: a chunk is relevant when it contains `answerText` (as whole words). Empty when unanswerable. */
  relevant: Array<{ documentIndex: number; answerText: string }>;
  kind: QuestionKind;
}

export interface RetrievalSet {
  documents: NamedDocument[];
  questions: RetrievalQuestion[];
}

export interface GenerateOptions {
  /** Products that get facts (at most 12). Default 10. */
  products?: number;
  /** Questions per planted fact, each of a different kind where the attribute allows. Default 2. */
  questionsPerFact?: number;
}

const documentPlans: ReadonlyArray<{ name: string; title: string; pages: readonly [number, number] }> = [
  { name: "annual-operations-report-2025.pdf", title: "Annual Operations Report 2025", pages: [24, 40] },
  { name: "fleet-technical-manual.pdf", title: "Pump and Valve Fleet Technical Manual", pages: [20, 36] },
  { name: "westmoor-field-trial.pdf", title: "Westmoor Field Trial Study", pages: [10, 18] },
  { name: "supplier-audit-findings.pdf", title: "Supplier Audit Findings 2025", pages: [10, 20] },
  { name: "safety-maintenance-handbook.pdf", title: "Safety and Maintenance Handbook", pages: [14, 28] },
  { name: "board-minutes-2025.pdf", title: "Board Minutes 2025", pages: [10, 16] },
];

interface Subjects {
  products: string[];
  sites: string[];
  /** People named in filler and asked about by role; never an answer of another fact. */
  people: string[];
}

export function generateRetrievalSet(seed: number, options: GenerateOptions = {}): RetrievalSet {
  const random = createRandom(seed);
  const values = new ValueSource(random);
  const subjects: Subjects = {
    products: random.shuffle(productNames).slice(0, Math.min(options.products ?? 10, productNames.length)).map((name) => `${name} ${random.pick(productTypes)}`),
    sites: [...siteNames],
    people: Array.from({ length: 8 }, () => values.person()),
  };
  const documents = documentPlans.map((plan) => buildDocument(plan, random, subjects));
  const questions: RetrievalQuestion[] = [];
  const planted = new Map<string, Set<string>>();
  const addQuestion = (text: string, kind: QuestionKind, relevant: RetrievalQuestion["relevant"]): void => {
    questions.push({ id: `q${questions.length + 1}`, text, kind, relevant });
  };

  const plant = (attribute: Attribute, subject: string, value: string): void => {
    const documentIndex = pickDocument(random, attribute.documents);
    insertSentence(documents[documentIndex]!, attribute.statement(subject, value, values), random);
    for (const distractor of attribute.distractors(subject, values)) insertSentence(random.pick(documents), distractor, random);
    if (!planted.has(subject)) planted.set(subject, new Set());
    planted.get(subject)!.add(attribute.key);
    const kinds = random.shuffle(Object.keys(attribute.questions) as AnswerableKind[]).slice(0, options.questionsPerFact ?? 2);
    for (const kind of kinds) addQuestion(random.pick(attribute.questions[kind]!)(subject), kind, [{ documentIndex, answerText: value }]);
  };

  const productAttributes = attributes.filter((attribute) => attribute.subject === "product");
  const siteAttributes = attributes.filter((attribute) => attribute.subject === "site");
  for (const product of subjects.products) {
    for (const attribute of random.shuffle(productAttributes).slice(0, 2)) plant(attribute, product, attribute.value(values));
  }
  for (const site of subjects.sites) {
    for (const attribute of random.shuffle(siteAttributes).slice(0, 2)) plant(attribute, site, attribute.value(values));
  }
  const definition = attributes.find((attribute) => attribute.key === "definition")!;
  for (const [term, meaning] of random.shuffle(definedTerms).slice(0, 8)) plant(definition, term, meaning);
  const role = attributes.find((attribute) => attribute.key === "role")!;
  const shuffledRoles = random.shuffle(roles);
  subjects.people.slice(0, 6).forEach((person, index) => plant(role, person, shuffledRoles[index]!));

  // Unanswerable: an attribute never planted for a subject the documents do talk about…
  const missing = [...productAttributes.flatMap((attribute) => subjects.products.map((subject) => ({ attribute, subject }))), ...siteAttributes.flatMap((attribute) => subjects.sites.map((subject) => ({ attribute, subject })))]
    .filter(({ attribute, subject }) => planted.get(subject)?.has(attribute.key) !== true);
  for (const { attribute, subject } of random.shuffle(missing).slice(0, 10)) {
    const kind = random.pick(Object.keys(attribute.questions) as AnswerableKind[]);
    addQuestion(random.pick(attribute.questions[kind]!)(subject), "unanswerable-in-domain", []);
  }
  // …and questions about things the documents never mention.
  for (const text of random.shuffle(offTopicQuestions).slice(0, 6)) addQuestion(text, "unanswerable-off-topic", []);

  const set = { documents, questions: random.shuffle(questions).map((question, index) => ({ ...question, id: `q${index + 1}` })) };
  assertAnswersUnique(set);
  return set;
}

/** Whether `text` contains `answer` as whole words (so "7 months" is not found in "17 months"), ignoring case and spacing. */
export function containsAnswer(text: string, answer: string): boolean {
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])${answer.trim().split(/\s+/).map(escapeRegExp).join("\\s+")}(?![\\p{L}\\p{N}])`, "iu");
  return pattern.test(text);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function pickDocument(random: Random, preferred: readonly number[]): number {
  // Mostly the first preference, sometimes another: facts of a kind are not all in one document.
  return random.chance(0.6) ? preferred[0]! : random.pick(preferred);
}

function buildDocument(plan: (typeof documentPlans)[number], random: Random, subjects: Subjects): NamedDocument {
  const pageCount = random.integer(plan.pages[0], plan.pages[1]);
  const pages: ExtractedPage[] = [];
  let chapter = 0;
  for (let number = 1; number <= pageCount; number += 1) {
    const blocks: ExtractedBlock[] = [];
    if (number === 1) blocks.push({ kind: "heading", level: 1, text: plan.title });
    const paragraphs = random.integer(4, 7);
    for (let index = 0; index < paragraphs; index += 1) {
      if ((number === 1 && index === 0) || random.chance(0.12)) {
        chapter += 1;
        blocks.push({ kind: "heading", level: 2, text: `${chapter} ${fill(random.pick(chapterTitles), random, subjects)}` });
      } else if (random.chance(0.08)) {
        blocks.push({ kind: "heading", level: 3, text: `${chapter}.${random.integer(1, 9)} ${fill(random.pick(chapterTitles), random, subjects)}` });
      }
      const roll = random.next();
      if (roll < 0.06) blocks.push(readingsTable(random, subjects));
      else if (roll < 0.12) blocks.push({ kind: "list", text: Array.from({ length: random.integer(3, 6) }, () => `- ${fill(random.pick(fillerSentences), random, subjects)}`).join("\n") });
      else blocks.push({ kind: "paragraph", text: Array.from({ length: random.integer(2, 5) }, () => fill(random.pick(fillerSentences), random, subjects)).join(" ") });
    }
    pages.push({ number, blocks });
  }
  return { name: plan.name, kind: "pdf", title: plan.title, pageCount, pages };
}

/** A table of monthly readings: realistic noise for the index, with no answer values in it. */
function readingsTable(random: Random, subjects: Subjects): ExtractedBlock {
  const rows = ["Site | Month | Availability | Call-outs"];
  for (let index = 0; index < random.integer(4, 14); index += 1) {
    rows.push(`${random.pick(subjects.sites)} | ${random.pick(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"])} | ${random.integer(90, 99)}% | ${random.integer(0, 30)}`);
  }
  return { kind: "table", text: rows.join("\n") };
}

function fill(template: string, random: Random, subjects: Subjects): string {
  return template
    .replaceAll("{product}", () => random.pick(subjects.products))
    .replaceAll("{type}", () => random.pick(productTypes))
    .replaceAll("{site}", () => random.pick(subjects.sites))
    .replaceAll("{person}", () => random.pick(subjects.people))
    .replaceAll("{month}", () => random.pick(["January", "March", "June", "September", "November"]));
}

/** Puts a sentence into a random paragraph of the document, between its sentences. */
function insertSentence(document: NamedDocument, sentence: string, random: Random): void {
  const paragraphs = document.pages.flatMap((page) => page.blocks.filter((block) => block.kind === "paragraph"));
  const paragraph = random.pick(paragraphs);
  const sentences = paragraph.text.split(/(?<=\.) /);
  sentences.splice(random.integer(0, sentences.length), 0, capitalise(sentence));
  paragraph.text = sentences.join(" ");
}

/** Each answer occurs exactly once in the whole set: otherwise answer containment would credit the wrong passage. */
function assertAnswersUnique(set: RetrievalSet): void {
  const texts = set.documents.flatMap((document) => document.pages.flatMap((page) => page.blocks.map((block) => block.text)));
  for (const question of set.questions) {
    for (const { answerText } of question.relevant) {
      const count = texts.filter((text) => containsAnswer(text, answerText)).length;
      if (count !== 1) throw new Error(`Answer "${answerText}" of ${question.id} occurs in ${count} blocks.`);
    }
  }
}
