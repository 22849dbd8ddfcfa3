import type { Random } from "../memory/random.ts";
import { companies, firstNames, lastNames, months } from "./vocabulary.ts";

/**
 * What can be planted about a subject: the sentence that states it, the questions that ask
 * for it in several wordings, and distractor sentences about the same subject or the same
 * attribute with other values. Question kinds:
 * - `exact-wording`: the question reuses the planted sentence's words;
 * - `paraphrase`: synonyms and reordered clauses, few shared words beyond the subject;
 * - `word-forms`: the same words in other forms (launched / launch, managed / manager);
 * - `single-entity`: a question that is little more than the subject's name.
 */
export type AnswerableKind = "exact-wording" | "paraphrase" | "word-forms" | "single-entity";
export type SubjectKind = "product" | "site" | "term" | "person";

export interface Attribute {
  key: string;
  subject: SubjectKind;
  /** A fresh value: the answer text the relevant chunk must contain. */
  value(values: ValueSource): string;
  statement(subject: string, value: string, values: ValueSource): string;
  questions: Partial<Record<AnswerableKind, ReadonlyArray<(subject: string) => string>>>;
  /** Sentences that mention the subject or the attribute with other values (never the answer). */
  distractors(subject: string, values: ValueSource): string[];
  /** The documents (by index) where such a fact is written, most likely first. */
  documents: readonly number[];
}

/** Values never repeat within a set, so an answer text occurs exactly once. */
export class ValueSource {
  readonly #random: Random;
  readonly #used = new Set<string>();

  constructor(random: Random) {
    this.#random = random;
  }

  get random(): Random {
    return this.#random;
  }

  unique(make: () => string): string {
    for (let attempt = 0; attempt < 1_000; attempt += 1) {
      const value = make();
      if (!this.#used.has(value)) {
        this.#used.add(value);
        return value;
      }
    }
    throw new Error("The value pool is exhausted; use a smaller set.");
  }

  reserve(value: string): void {
    this.#used.add(value);
  }

  pressure(): string {
    return this.unique(() => `${this.#random.integer(3, 24)}.${this.#random.integer(1, 9)} bar`);
  }

  months(): string {
    return this.unique(() => `${this.#random.integer(7, 99)} months`);
  }

  date(): string {
    return this.unique(() => `${this.#random.integer(1, 28)} ${this.#random.pick(months)} ${this.#random.integer(2014, 2025)}`);
  }

  person(): string {
    return this.unique(() => `${this.#random.pick(firstNames)} ${this.#random.pick(lastNames)}`);
  }

  company(): string {
    return this.unique(() => this.#random.pick(companies));
  }

  megalitres(): string {
    return this.unique(() => `${this.#random.integer(12, 480)} megalitres`);
  }

  month(): string {
    return this.#random.pick(months);
  }
}

export const attributes: readonly Attribute[] = [
  {
    key: "max-pressure",
    subject: "product",
    value: (values) => values.pressure(),
    statement: (subject, value, values) => `The maximum operating pressure of the ${subject} was set at ${value} after the ${values.month()} design review.`,
    questions: {
      "exact-wording": [(subject) => `What is the maximum operating pressure of the ${subject}?`],
      paraphrase: [(subject) => `How hard can the ${subject} push before it goes beyond its rating?`, (subject) => `What's the highest pressure the ${subject} is allowed to run at?`],
      "word-forms": [(subject) => `Up to what pressure may ${subject}s be operated?`],
    },
    distractors: (subject, values) => [
      `The minimum inlet pressure of the ${subject} is ${values.pressure()}.`,
      `Pressure tests on the ${subject} were repeated in ${values.month()} after a gauge fault.`,
    ],
    documents: [1, 2, 0],
  },
  {
    key: "warranty",
    subject: "product",
    value: (values) => values.months(),
    statement: (subject, value, values) => `Every ${subject} sold after ${values.month()} carries a manufacturer's warranty of ${value}.`,
    questions: {
      "exact-wording": [(subject) => `How long is the manufacturer's warranty on the ${subject}?`],
      paraphrase: [(subject) => `For how long is the ${subject} guaranteed against defects?`],
      "word-forms": [(subject) => `How long are ${subject}s warrantied by their manufacturer?`],
    },
    distractors: (subject, values) => [
      `The optional service plan for the ${subject} runs for ${values.months()}.`,
      `Warranty claims on the ${subject} were handled by the central depot.`,
    ],
    documents: [1, 3, 0],
  },
  {
    key: "launch",
    subject: "product",
    value: (values) => values.date(),
    statement: (subject, value) => `The ${subject} was launched commercially on ${value}.`,
    questions: {
      "exact-wording": [(subject) => `When was the ${subject} launched commercially?`],
      paraphrase: [(subject) => `On what date did the ${subject} first go on sale?`],
      "word-forms": [(subject) => `What was the commercial launch date of the ${subject}?`],
    },
    distractors: (subject, values) => [
      `A prototype of the ${subject} was first demonstrated on ${values.date()}.`,
      `The launch of the ${subject} in export markets is still pending.`,
    ],
    documents: [0, 5, 1],
  },
  {
    key: "designer",
    subject: "product",
    value: (values) => values.person(),
    statement: (subject, value) => `Design work on the ${subject} was led by ${value}.`,
    questions: {
      "exact-wording": [(subject) => `Who led the design work on the ${subject}?`],
      paraphrase: [(subject) => `Which engineer headed development of the ${subject}?`],
      "word-forms": [(subject) => `Who was the lead designer of the ${subject}?`],
    },
    distractors: (subject, values) => [
      `${values.person()} tested the ${subject} on site before its release.`,
      `The design of the ${subject} was reviewed again in ${values.month()}.`,
    ],
    documents: [1, 2, 5],
  },
  {
    key: "seal-supplier",
    subject: "product",
    value: (values) => values.company(),
    statement: (subject, value) => `Seals for the ${subject} are bought from ${value} under a framework contract.`,
    questions: {
      "exact-wording": [(subject) => `Where are seals for the ${subject} bought from?`],
      paraphrase: [(subject) => `Which vendor provides the gaskets used in the ${subject}?`],
      "word-forms": [(subject) => `Who is the seal supplier for the ${subject}?`],
    },
    distractors: (subject, values) => [
      `Bearings for the ${subject} are bought from ${values.company()}.`,
      `Seal failures on the ${subject} were discussed with suppliers in ${values.month()}.`,
    ],
    documents: [3, 1],
  },
  {
    key: "capacity",
    subject: "site",
    value: (values) => values.megalitres(),
    statement: (subject, value) => `The ${subject} works treats up to ${value} of water a day.`,
    questions: {
      "exact-wording": [(subject) => `How much water does the ${subject} works treat a day?`],
      paraphrase: [(subject) => `What is the daily treatment capacity at ${subject}?`],
      "word-forms": [(subject) => `What daily volume of water is treated at the ${subject} works?`],
    },
    distractors: (subject, values) => [
      `Average demand served by ${subject} in the dry season was ${values.megalitres()} a day.`,
      `Treatment capacity across the region, ${subject} included, is reviewed every year.`,
    ],
    documents: [0, 2, 5],
  },
  {
    key: "manager",
    subject: "site",
    value: (values) => values.person(),
    statement: (subject, value, values) => `${value} has managed the ${subject} works since ${values.random.integer(2009, 2024)}.`,
    questions: {
      "exact-wording": [(subject) => `Who has managed the ${subject} works?`],
      paraphrase: [(subject) => `Who is in charge of the plant at ${subject}?`],
      "word-forms": [(subject) => `Who is the manager of the ${subject} works?`],
    },
    distractors: (subject, values) => [
      `${values.person()} visited the ${subject} works in ${values.month()} to review staffing.`,
      `The ${subject} management team reported to the operations committee each month.`,
    ],
    documents: [0, 5, 4],
  },
  {
    key: "safety-audit",
    subject: "site",
    value: (values) => values.date(),
    statement: (subject, value) => `The most recent safety audit at ${subject} was carried out on ${value}.`,
    questions: {
      "exact-wording": [(subject) => `When was the most recent safety audit at ${subject} carried out?`],
      paraphrase: [(subject) => `On what date was ${subject} last inspected for safety?`],
      "word-forms": [(subject) => `When did auditors last audit safety at ${subject}?`],
    },
    distractors: (subject, values) => [
      `An environmental audit at ${subject} was carried out on ${values.date()}.`,
      `Safety findings from ${subject} were shared with every site.`,
    ],
    documents: [4, 3, 0],
  },
  {
    key: "definition",
    subject: "term",
    // The definition is given with the term (see generate.ts); this is never called.
    value: () => {
      throw new Error("Definitions come with their terms.");
    },
    statement: (subject, value) => `In this document, ${subject} means ${value}.`,
    questions: {
      "single-entity": [(subject) => `What is ${subject}?`, (subject) => `${capitalise(subject)}?`, (subject) => `Define ${subject}.`],
      paraphrase: [(subject) => `What do the engineers mean when they talk about ${subject}?`],
    },
    distractors: (subject, values) => [
      `${capitalise(subject)} was raised at the ${values.month()} operations meeting.`,
      `Sites differ in how often they rely on ${subject}.`,
    ],
    documents: [4, 1, 2],
  },
  {
    key: "role",
    subject: "person",
    value: () => {
      throw new Error("Roles come with their people.");
    },
    statement: (subject, value) => `${subject} is the ${value}.`,
    questions: {
      "single-entity": [(subject) => `Who is ${subject}?`, (subject) => `What is ${subject}'s role?`],
    },
    distractors: (subject, values) => [`${subject} attended the ${values.month()} board meeting.`],
    documents: [5, 0],
  },
];

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
