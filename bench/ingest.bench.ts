/**
 * Document ingest: how fast the parser reads PDFs, DOCX and Markdown of the same text, and how
 * much heap its worker holds doing it. Parse only (no chunking, no embedding), through the real
 * worker pool with the default limits, on fixtures from @recall/document-parser/testing.
 *
 * BENCH_INGEST_RUNS sets the measured runs per row (median reported; default 5).
 */
import { updateReadmeSection } from "./shared.ts";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { createDocumentParser, defaultParserLimits, type ParseOutcome } from "@recall/document-parser";
import { makeDocx, makeMarkdown, makePdf, sampleParagraph } from "@recall/document-parser/testing";
import { markdownTable, percentile } from "./stats.ts";

const runs = Number(process.env.BENCH_INGEST_RUNS ?? 5);
const sizes = [50, 200];
/** Words per section: a heading and three paragraphs, about one PDF page at 11 pt. */
const paragraphWords = [150, 150, 100];

interface Input {
  kind: "PDF" | "DOCX" | "Markdown";
  sections: number;
  bytes: Uint8Array;
  name: string;
}

interface Row {
  kind: Input["kind"];
  sections: number;
  fileBytes: number;
  pageCount: number;
  blocks: number;
  coldMs: number;
  times: number[];
  heapPeaks: number[];
}

const integer = (value: number): string => Math.round(value).toLocaleString("en-US");
const mebibytes = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const median = (values: readonly number[]): number => percentile(values, 0.5);

function sectionsOf(count: number) {
  return Array.from({ length: count }, (_, index) => ({
    heading: `Section ${index + 1}`,
    paragraphs: paragraphWords.map((words, paragraph) => sampleParagraph(index * 10 + paragraph, words)),
  }));
}

async function inputsFor(count: number): Promise<Input[]> {
  const sections = sectionsOf(count);
  const title = `Field report, ${count} sections`;
  return [
    { kind: "PDF", sections: count, name: "report.pdf", bytes: await makePdf({ title, pages: sections }) },
    { kind: "DOCX", sections: count, name: "report.docx", bytes: await makeDocx({ title, sections }) },
    { kind: "Markdown", sections: count, name: "report.md", bytes: makeMarkdown({ title, sections }) },
  ];
}

function expectParsed(outcome: ParseOutcome, input: Input): Extract<ParseOutcome, { ok: true }> {
  if (!outcome.ok) throw new Error(`${input.kind} ${input.sections}: refused (${outcome.refusal.code})`);
  return outcome;
}

async function measure(input: Input): Promise<Row> {
  // Cold: a fresh parser, so the worker starts and loads its reader inside the measured call.
  const cold = createDocumentParser(defaultParserLimits);
  let started = performance.now();
  const first = expectParsed(await cold.parse(input.bytes, input.name), input);
  const coldMs = performance.now() - started;
  await cold.close();

  const parser = createDocumentParser(defaultParserLimits);
  expectParsed(await parser.parse(input.bytes, input.name), input);
  const times: number[] = [];
  const heapPeaks: number[] = [];
  for (let run = 0; run < runs; run++) {
    started = performance.now();
    const outcome = expectParsed(await parser.parse(input.bytes, input.name), input);
    times.push(performance.now() - started);
    heapPeaks.push(outcome.stats.workerHeapPeakBytes);
  }
  await parser.close();
  const blocks = first.document.pages.reduce((sum, page) => sum + page.blocks.length, 0);
  return { kind: input.kind, sections: input.sections, fileBytes: input.bytes.length, pageCount: first.document.pageCount, blocks, coldMs, times, heapPeaks };
}

function report(rows: readonly Row[], maxRss: number, load: [number, number]): string {
  const table = markdownTable(
    ["file", "size (KiB)", "pages in file", "blocks", `**sections/s, median of ${runs}**`, "parse ms, median (min-max)", "first parse on a fresh parser (ms)", "**worker heap peak (MiB)**"],
    rows.map((row) => {
      const ms = median(row.times);
      return [
        `${row.kind}, ${row.sections} sections`,
        integer(row.fileBytes / 1024),
        integer(row.pageCount),
        integer(row.blocks),
        `**${integer((row.sections * 1000) / ms)}**`,
        `${integer(ms)} (${integer(Math.min(...row.times))}-${integer(Math.max(...row.times))})`,
        integer(row.coldMs),
        `**${mebibytes(Math.max(...row.heapPeaks))}**`,
      ];
    }),
  );
  const notes =
    `Each file holds the same text: a title, then per section a heading and three paragraphs of ${paragraphWords.join(", ")} seeded words; ` +
    `a PDF section is one page (Helvetica 11 pt, headings 18 pt), so for PDFs sections/s is pages/s. ` +
    `Times are the parser's parse() call as the caller sees it (copying the bytes to the worker, type sniffing, the zip inspection for DOCX, reading, the answer back) ` +
    `with a warm worker, after one unmeasured parse; the cold column is a new parser's first parse, worker start and module loading included. ` +
    `Worker heap peak is the largest committed V8 heap plus ArrayBuffers the worker reported during any measured parse (v8.getHeapStatistics, sampled every 10 ms and per page): the figure the workerMemoryMb limit ` +
    `(old generation, default ${defaultParserLimits.workerMemoryMb} MB) is about. For scale, the whole benchmark process (main thread and every worker) peaked at ${mebibytes(maxRss)} MiB RSS ` +
    `(process.resourceUsage().maxRSS, process-wide). 1-minute load average ${load[0].toFixed(2)} before, ${load[1].toFixed(2)} after.`;
  return `Document ingest (parse only, default limits, one worker); ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, Node ${process.version}.\n\n${table}\n\n${notes}\n`;
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadBefore = loadavg()[0]!;
  const rows: Row[] = [];
  for (const size of sizes) {
    for (const input of await inputsFor(size)) {
      const row = await measure(input);
      console.log(`${row.kind} ${row.sections}: median ${median(row.times).toFixed(0)} ms, heap peak ${mebibytes(Math.max(...row.heapPeaks))} MiB`);
      rows.push(row);
    }
  }
  const maxRss = process.resourceUsage().maxRSS * 1024;
  const output = report(rows, maxRss, [loadBefore, loadavg()[0]!]);
  console.log(`\n${output}`);
  console.log(`total: ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const resultsDir = new URL("./results/", import.meta.url).pathname;
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "ingest.md"), output);
  const raw = {
    date: new Date().toISOString(),
    node: process.version,
    cores: cpus().length,
    runs,
    limits: defaultParserLimits,
    processMaxRssBytes: maxRss,
    rows,
  };
  writeFileSync(join(resultsDir, "ingest.json"), `${JSON.stringify(raw, null, 2)}\n`);
  updateReadmeSection("ingest", output);
}

await main();
