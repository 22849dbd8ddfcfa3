import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDocx, makeMarkdown, makePdf, makeStripedPng, sampleParagraph } from "@recall/document-parser/testing";
import type { ChatRequestInfo } from "@recall/fake-ollama";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser.ts";
import { startScriptedRecall, type ScriptedRecall } from "./recall-server.ts";

/** The README shows the cited reply from here (written on every run, like screens.e2e.test.ts). */
const screenshotDir = new URL("../../../docs/screenshots/", import.meta.url).pathname;

/**
 * Documents in Chromium against the real server: files the test makes (a multi-page PDF with
 * headings, a DOCX with a table, Markdown, and a PNG posing as a PDF) go up through the
 * paperclip, are read by the server's parsing worker and indexed; the fake model answers like a
 * grounded one (from the numbered passage holding the asked-for fact, citing it, or asking back).
 */
const facts: Array<{ keyword: RegExp; evidence: RegExp; answer: string }> = [
  { keyword: /torque/i, evidence: /310 newton metres/, answer: "The output shaft torque was 310 newton metres" },
  { keyword: /warranty/i, evidence: /Pump housing \| 7 years/, answer: "The pump housing has a 7 year warranty" },
  { keyword: /pressure/i, evidence: /42 bar/, answer: "The pump held 42 bar" },
];

function groundedReply(request: ChatRequestInfo): { text: string } {
  const asked = facts.find((fact) => fact.keyword.test(request.lastUserMessage));
  const block = request.messages.filter((message) => message.role === "system").at(-1)?.content ?? "";
  const passages = [...block.matchAll(/^\[(\d+)\] ([\s\S]*?)(?=^\[\d+\] |(?![\s\S]))/gm)];
  const found = asked ? passages.find((match) => asked.evidence.test(match[2]!)) : undefined;
  if (!asked || !found) return { text: "I could not find that in your documents. Which document do you mean?" };
  return { text: `${asked.answer} [${found[1]}].` };
}

let recall: ScriptedRecall;
let browser: Browser;
let files: { pdf: string; docx: string; markdown: string; image: string };

beforeAll(async () => {
  recall = await startScriptedRecall(groundedReply, 0, { RECALL_DOCUMENT_SUMMARIES: "0" });
  browser = await launchChromium();
  const directory = mkdtempSync(join(tmpdir(), "recall-e2e-files-"));
  const write = (name: string, bytes: Uint8Array) => {
    const path = join(directory, name);
    writeFileSync(path, bytes);
    return path;
  };
  files = {
    pdf: write(
      "drive-train.pdf",
      await makePdf({
        title: "Drive train",
        pages: [
          { heading: "Overview", paragraphs: [sampleParagraph(11), sampleParagraph(12)] },
          { heading: "Gearbox", paragraphs: [sampleParagraph(13)] },
          { heading: "Measurements", paragraphs: [sampleParagraph(14), "The measured torque at the output shaft was 310 newton metres."] },
        ],
      }),
    ),
    docx: write(
      "terms.docx",
      await makeDocx({
        title: "Terms",
        sections: [{ heading: "Coverage", paragraphs: [sampleParagraph(21)] }],
        table: [
          ["Item", "Warranty"],
          ["Pump housing", "7 years"],
          ["Seals", "1 year"],
        ],
      }),
    ),
    markdown: write("pump-report.md", makeMarkdown({ title: "Pump report", sections: [{ heading: "Results", paragraphs: ["The pump pressure held at 42 bar for the hour.", sampleParagraph(31)] }] })),
    image: write("scan.pdf", makeStripedPng(48, 48)),
  };
});

afterAll(async () => {
  await browser?.close();
  await recall?.stop();
});

const strip = (page: Page) => page.getByRole("region", { name: "Documents in this chat" });
const row = (page: Page, name: string) => strip(page).getByRole("listitem", { name, exact: true });

async function ask(page: Page, text: string): Promise<void> {
  const replies = page.getByRole("article", { name: "Assistant message" });
  const before = await replies.count();
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.keyboard.press("Enter");
  // The new reply, not the one before it (which is complete already).
  await expect.poll(() => replies.count(), { timeout: 15_000 }).toBe(before + 1);
  await expect.poll(() => replies.last().getAttribute("data-status"), { timeout: 15_000 }).toBe("complete");
}

describe("documents in the browser", () => {
  it("uploads files with the paperclip, answers with citations that open their passage, refuses a fake PDF and keeps a document in the library", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(recall.server.url);
    await page.getByTestId("attach-files-input").setInputFiles([files.pdf, files.docx, files.markdown, files.image]);

    for (const name of ["drive-train.pdf", "terms.docx", "pump-report.md"]) {
      await expect.poll(() => row(page, name).getAttribute("data-state"), { timeout: 30_000 }).toBe("ready");
    }
    await expect.poll(() => row(page, "scan.pdf").getAttribute("data-state"), { timeout: 30_000 }).toBe("failed");
    expect(await row(page, "scan.pdf").getByRole("alert").textContent()).toMatch(/PNG/);

    await ask(page, "What torque was measured at the output shaft?");
    const reply = page.getByRole("article", { name: "Assistant message" }).last();
    expect(await reply.textContent()).toContain("310 newton metres");
    const chip = reply.getByTestId("citation-chip").first();
    expect(await chip.getAttribute("aria-label")).toMatch(/drive-train\.pdf, p\. 3/);
    const sources = reply.getByRole("region", { name: "Sources" });
    expect(await sources.getByTestId("source-item").first().textContent()).toContain("drive-train.pdf");
    await chip.click();
    const passage = page.getByTestId("passage-dialog");
    await expect.poll(() => passage.textContent()).toContain("310 newton metres");
    expect(await passage.textContent()).toMatch(/p\. 3/);
    await page.screenshot({ path: `${screenshotDir}/documents.png` });
    await page.keyboard.press("Escape");
    await expect.poll(() => passage.count()).toBe(0);

    await ask(page, "What warranty does the pump housing have?");
    const warranty = page.getByRole("article", { name: "Assistant message" }).last();
    expect(await warranty.getByTestId("citation-chip").first().getAttribute("aria-label")).toMatch(/terms\.docx/);

    // Nothing in the documents about it: the model asks back and the reply says so.
    await ask(page, "Who painted the Mona Lisa?");
    const unrelated = page.getByRole("article", { name: "Assistant message" }).last();
    await expect.poll(() => unrelated.getByTestId("nothing-relevant").count()).toBe(1);

    // Open as extracted text: the PDF's three pages.
    await row(page, "drive-train.pdf").getByRole("button", { name: "Open drive-train.pdf" }).click();
    const textDialog = page.getByTestId("document-text-dialog");
    await expect.poll(() => textDialog.getByRole("region", { name: "Page 3" }).count()).toBe(1);
    expect(await textDialog.getByRole("region", { name: "Page 3" }).textContent()).toContain("310 newton metres");
    await page.keyboard.press("Escape");

    // Kept in the library, it stays there after it leaves the chat; the Markdown one is deleted when removed.
    await row(page, "terms.docx").getByRole("button", { name: "Keep terms.docx in library" }).click();
    await expect.poll(() => row(page, "terms.docx").getByRole("button", { name: "Keep terms.docx in library" }).getAttribute("aria-pressed")).toBe("true");
    await row(page, "terms.docx").getByRole("button", { name: "Remove terms.docx from this chat" }).click();
    await row(page, "pump-report.md").getByRole("button", { name: "Remove pump-report.md from this chat" }).click();
    await expect.poll(() => row(page, "terms.docx").count()).toBe(0);
    await expect.poll(() => row(page, "pump-report.md").count()).toBe(0);
    await page.getByRole("button", { name: "Library", exact: true }).click();
    const library = page.getByRole("list", { name: "Saved documents" });
    // Every saved document of the user: the kept one outside any chat, the PDF still in the chat; not the removed Markdown.
    await expect.poll(() => library.getByTestId("library-item").filter({ hasText: "terms.docx" }).count()).toBe(1);
    expect(await library.getByTestId("library-item").filter({ hasText: "drive-train.pdf" }).count()).toBe(1);
    expect(await library.getByTestId("library-item").filter({ hasText: "pump-report.md" }).count()).toBe(0);
    await page.screenshot({ path: `${screenshotDir}/library.png` });
    await context.close();
  }, 120_000);
});
