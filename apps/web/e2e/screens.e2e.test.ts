import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser.ts";
import { startScriptedRecall, type ScriptedRecall } from "./recall-server.ts";

/** The README shows these; every e2e run writes them afresh. */
const screenshotDir = new URL("../../../docs/screenshots/", import.meta.url).pathname;
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const csvAnswer = [
  "Use the standard library's `csv` module; it handles quoting for you:",
  "",
  "```python",
  "import csv",
  "",
  'with open("people.csv", newline="") as file:',
  "    for row in csv.DictReader(file):",
  '        print(row["name"], row["age"])',
  "```",
  "",
  "| Option | When to use it |",
  "| --- | --- |",
  "| `csv.reader` | rows as lists |",
  "| `csv.DictReader` | rows keyed by the header |",
  "| `pandas.read_csv` | analysis on large files |",
  "",
  "For **very large** files, stream the rows instead of loading them all at once.",
].join("\n");

let recall: ScriptedRecall;
let server: ScriptedRecall["server"];
let browser: Browser;

beforeAll(async () => {
  mkdirSync(screenshotDir, { recursive: true });
  recall = await startScriptedRecall(
    (request) =>
      request.lastUserMessage.includes("CSV")
        ? { text: csvAnswer }
        : { text: "Happy to help. Tell me a little more about what you need, and I'll keep it in mind for later chats." },
    0,
  );
  server = recall.server;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await recall?.stop();
});

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core in the page: the serious and critical violations, as readable lines. */
async function seriousViolations(page: Page): Promise<string[]> {
  // Through DevTools: the page's Content-Security-Policy refuses inline scripts (tested below).
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document) => Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document)).violations;
  });
  return violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(" ")).join(", ")})`);
}

async function chat(page: Page, text: string): Promise<void> {
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.keyboard.press("Enter");
  await expect.poll(() => page.getByRole("log", { name: "Messages" }).textContent(), { timeout: 5_000 }).toContain(text);
  await expect
    .poll(() => page.getByRole("article", { name: "Assistant message" }).last().getAttribute("data-status"), { timeout: 15_000 })
    .toBe("complete");
}

describe("the main screens: accessible, and photographed for the README", () => {
  it("light, dark and phone have no serious axe violations", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "light" });
    const page = await context.newPage();
    await page.goto(server.url);
    await chat(page, "My name is Ada and I'm planning a trip to Lisbon in May.");
    await page.getByRole("button", { name: "New chat" }).click();
    await chat(page, "Ideas for a sourdough starter schedule?");
    await page.getByRole("button", { name: "New chat" }).click();
    await chat(page, "How do I read a CSV file in Python?");
    // Syntax highlighting loads lazily: photograph the finished look.
    await expect.poll(() => page.locator("pre code span").count(), { timeout: 10_000 }).toBeGreaterThan(0);

    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: `${screenshotDir}light.png` });
    // The server's Content-Security-Policy: an injected inline script does not run.
    await expect(page.addScriptTag({ content: "window.__injected = 1" })).rejects.toThrow(/Content Security Policy/);
    expect(await page.evaluate(() => (window as unknown as { __injected?: number }).__injected)).toBeUndefined();

    await page.emulateMedia({ colorScheme: "dark" });
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: `${screenshotDir}dark.png` });

    await page.getByRole("article", { name: "Assistant message" }).last().getByRole("button", { name: "What the model saw" }).click();
    await expect.poll(() => page.locator(".context-breakdown").count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole("button", { name: "Memory & data" }).click();
    await expect.poll(() => page.getByRole("main").textContent()).toContain("Ada");
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: `${screenshotDir}memory-dark.png` });
    await context.close();

    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: "light", isMobile: true, hasTouch: true });
    const phonePage = await phone.newPage();
    await phonePage.goto(server.url);
    await chat(phonePage, "How do I read a CSV file in Python?");
    expect(await seriousViolations(phonePage)).toEqual([]);
    // Nothing wider than the phone: long code lines and tables scroll inside their own boxes.
    expect(await phonePage.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await phonePage.screenshot({ path: `${screenshotDir}phone.png` });
    await phonePage.getByRole("button", { name: "Open chats" }).click();
    await expect.poll(() => phonePage.getByRole("navigation", { name: "Chats" }).getByRole("button", { name: "New chat" }).isVisible()).toBe(true);
    // The drawer slides in: photograph it once it is all the way in.
    await expect.poll(async () => (await phonePage.getByRole("navigation", { name: "Chats" }).boundingBox())?.x).toBe(0);
    expect(await seriousViolations(phonePage)).toEqual([]);
    await phonePage.screenshot({ path: `${screenshotDir}phone-chats.png` });
    await phone.close();
  });
});

describe("the theme", () => {
  it("follows the system until the reader picks one, and remembers the pick", async () => {
    const context = await browser.newContext({ colorScheme: "dark" });
    const page = await context.newPage();
    await page.goto(server.url);
    const rootBackground = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    await expect.poll(() => page.getByLabel("Theme").inputValue()).toBe("system");
    expect(await rootBackground()).toBe("rgb(24, 24, 27)");
    await page.getByLabel("Theme").selectOption("light");
    await expect.poll(rootBackground).toBe("rgb(255, 255, 255)");
    await page.reload();
    await expect.poll(() => page.getByLabel("Theme").inputValue()).toBe("light");
    expect(await rootBackground()).toBe("rgb(255, 255, 255)");
    await context.close();
  });
});
