import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const sourceDirectory = new URL(".", import.meta.url);

describe("the worker outside vitest", () => {
  it("runs under plain Node (native type stripping): a parser made from src/index.ts reads a PDF and a DOCX", async () => {
    const directory = mkdtempSync(join(tmpdir(), "recall-parser-runtime-"));
    const script = join(directory, "parse.mjs");
    writeFileSync(
      script,
      `import { createDocumentParser, defaultParserLimits } from ${JSON.stringify(new URL("index.ts", sourceDirectory).href)};
import { makeDocx, makePdf } from ${JSON.stringify(new URL("testing/index.ts", sourceDirectory).href)};
const parser = createDocumentParser(defaultParserLimits);
const pdf = await parser.parse(await makePdf({ pages: [{ heading: "Plain node", paragraphs: ["Works."] }] }), "a.pdf");
const docx = await parser.parse(await makeDocx({ sections: [{ heading: "Docx too", paragraphs: ["Yes."] }] }), "a.docx");
await parser.close();
console.log(JSON.stringify([pdf.ok && pdf.document.title, docx.ok && docx.document.title]));
`,
    );
    // No loader flags: only what Node 24 does by itself with .ts files.
    const { stdout } = await run(process.execPath, [script], { env: { ...process.env, NODE_OPTIONS: "" } });
    expect(JSON.parse(stdout.trim())).toEqual(["Plain node", "Docx too"]);
  });
});

describe("the package's imports", () => {
  it("imports nothing of ours but @recall/documents (fixtures and tests aside, which only add dev dependencies)", () => {
    const files = readdirSync(sourceDirectory, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".ts"));
    const offending: string[] = [];
    for (const file of files) {
      const source = readFileSync(new URL(file, sourceDirectory), "utf8");
      for (const [, specifier] of source.matchAll(/from\s+"([^"]+)"/g)) {
        if (specifier!.startsWith("@recall/") && specifier !== "@recall/documents") offending.push(`${file}: ${specifier}`);
      }
    }
    expect(files.length).toBeGreaterThan(10);
    expect(offending).toEqual([]);
  });
});
