import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { xssPayloads } from "../src/markdown/xss-payloads.ts";
import { launchChromium } from "./browser.ts";
import { startScriptedRecall, type ScriptedRecall } from "./recall-server.ts";

const payloadsPerReply = 10;
const batches = Array.from({ length: Math.ceil(xssPayloads.length / payloadsPerReply) }, (_, index) =>
  xssPayloads.slice(index * payloadsPerReply, (index + 1) * payloadsPerReply).join("\n\n"),
);
const batchRequest = /^Recall XSS batch (\d+)$/;

const longLine = `const ${"veryLongIdentifier".repeat(20)} = 1;`;
const benignReply = [
  "Here is a **comparison**:",
  "| Model | Size |\n| --- | ---: |\n| llama3.2 | 3.2B |\n| qwen3 | 8B |",
  "```ts\nexport function add(a: number, b: number): number {\n  return a + b; // sums\n}\n" + longLine + "\n```",
  "See [the docs](https://example.com/docs).",
].join("\n\n");

/** Small uneven pieces, so the page renders many cut-off states: `[foo](jav`, `<scr`, half a table. */
function toTokens(text: string): string[] {
  const sizes = [1, 3, 2, 5, 1, 4];
  const tokens: string[] = [];
  for (let start = 0, index = 0; start < text.length; index += 1) {
    const size = sizes[index % sizes.length] ?? 1;
    tokens.push(text.slice(start, start + size));
    start += size;
  }
  return tokens;
}

let recall: ScriptedRecall;
let server: ScriptedRecall["server"];
let browser: Browser;
let context: BrowserContext;
let page: Page;
let requestedUrls: string[];
let foreignRequests: string[];
let dialogs: string[];

beforeAll(async () => {
  recall = await startScriptedRecall((request) => {
    const batch = batchRequest.exec(request.lastUserMessage.trim());
    if (batch) return { tokens: toTokens(batches[Number(batch[1])] ?? "") };
    if (request.lastUserMessage.includes("benign")) return { tokens: toTokens(benignReply) };
    return undefined;
  }, 500);
  server = recall.server;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await recall?.stop();
});
beforeEach(async () => {
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // Records anything live that appears in a reply at any moment, not only in the final DOM.
  await context.addInitScript(() => {
    const forbidden = "script,iframe,object,embed,style,form,meta,base,svg,math,img,link,video,audio,source,picture,frame,template,noscript,textarea,select";
    const violations: string[] = [];
    Object.assign(window, { __recallViolations: violations });
    const inspect = (element: Element) => {
      if (!element.closest('article[aria-label="Assistant message"] .message-content')) return;
      for (const found of [element, ...element.querySelectorAll("*")]) {
        if (found.matches(forbidden)) violations.push(`<${found.localName}>`);
        for (const attribute of found.attributes) if (/^on/i.test(attribute.name)) violations.push(`${attribute.name} on <${found.localName}>`);
        const href = found.getAttribute("href");
        if (href !== null && !/^(https?:\/\/|mailto:)/i.test(href)) violations.push(`href ${href}`);
      }
    };
    new MutationObserver((records) => {
      for (const record of records) {
        if (record.target instanceof Element && record.type === "attributes") inspect(record.target);
        for (const node of record.addedNodes) if (node instanceof Element) inspect(node);
      }
    }).observe(document, { subtree: true, childList: true, attributes: true });
  });
  page = await context.newPage();
  requestedUrls = [];
  foreignRequests = [];
  dialogs = [];
  const serverOrigin = new URL(server.url).origin;
  page.on("request", (request) => {
    requestedUrls.push(request.url());
    if (!request.url().startsWith(`${serverOrigin}/`)) foreignRequests.push(request.url());
  });
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(server.url);
});

const lastReply = () => page.getByRole("article", { name: "Assistant message" }).last();

async function sendAndWait(text: string): Promise<void> {
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.keyboard.press("Enter");
  await expect.poll(() => page.getByRole("log", { name: "Messages" }).textContent(), { timeout: 5_000 }).toContain(text);
  await expect.poll(() => lastReply().getAttribute("data-status"), { timeout: 15_000 }).toBe("complete");
}

/** What is live in the message log right now (the list is virtualized: check after each reply). */
function liveContentInLog(): Promise<string[]> {
  return page.getByRole("log", { name: "Messages" }).evaluate((log) => {
    const problems: string[] = [];
    const forbidden = "script,iframe,object,embed,style,form,meta,base,svg,math,img,link,video,audio,source,picture,frame,template,noscript";
    for (const element of log.querySelectorAll(forbidden)) problems.push(`<${element.localName}>`);
    for (const element of log.querySelectorAll("*")) {
      for (const attribute of element.attributes) if (/^on/i.test(attribute.name)) problems.push(`${attribute.name} on <${element.localName}>`);
    }
    for (const link of log.querySelectorAll("[href]")) {
      const href = link.getAttribute("href") ?? "";
      if (!/^(https?:\/\/|mailto:)/i.test(href) || !["http:", "https:", "mailto:"].includes(new URL(href).protocol)) problems.push(`href ${href}`);
    }
    return problems;
  });
}

describe("hostile model replies in Chromium", () => {
  it("renders every payload of the corpus, streamed in pieces, without running or loading anything", { timeout: 180_000 }, async () => {
    for (const [index, batch] of batches.entries()) {
      await sendAndWait(`Recall XSS batch ${index}`);
      // The whole batch was streamed and something of it shows: a batch that never arrived proves nothing.
      const generation = recall.fake.requests.findLast((request) => request.path === "/api/chat" && JSON.stringify(request.body).includes(`"Recall XSS batch ${index}"`));
      expect(generation?.outcome, `batch ${index}`).toBe("done");
      expect(generation?.evalCount, `batch ${index}`).toBe(toTokens(batch).length);
      expect(await lastReply().locator(".message-content").textContent(), `batch ${index}`).not.toBe("");
      expect(await liveContentInLog(), `batch ${index}`).toEqual([]);
    }
    // Give a late onerror/onload a moment to fire before looking.
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => (window as { __recallXss?: unknown }).__recallXss)).toBeUndefined();
    expect(await page.evaluate(() => (window as { __recallViolations?: string[] }).__recallViolations)).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });

  it("renders a benign reply as Markdown: a table, a lazily highlighted code block that scrolls, a safe link", { timeout: 60_000 }, async () => {
    // Hold the highlighter chunk back to see the plain code first, and that highlighting keeps the box size.
    const highlighterChunk = /\/assets\/highlighter-[\w-]+\.js$/;
    let releaseHighlighter = () => {};
    const highlighterHeld = new Promise<void>((resolve) => (releaseHighlighter = resolve));
    const highlighterRequests: string[] = [];
    await page.route(highlighterChunk, async (route) => {
      highlighterRequests.push(route.request().url());
      await highlighterHeld;
      await route.continue();
    });
    await expect.poll(() => page.getByRole("textbox", { name: "Message" }).count()).toBe(1);
    // Not part of the initial load.
    expect(requestedUrls.filter((url) => highlighterChunk.test(url))).toEqual([]);

    await sendAndWait("Show me something benign");
    const reply = lastReply();
    expect(await reply.getByRole("table").getByRole("row").count()).toBe(3);
    expect(await reply.getByRole("columnheader").allTextContents()).toEqual(["Model", "Size"]);
    const code = reply.locator(".markdown-code");
    expect(await code.locator(".markdown-code-language").textContent()).toBe("ts");
    expect(await reply.getByRole("button", { name: "Copy code" }).textContent()).toBe("Copy");
    const link = reply.getByRole("link", { name: "the docs" });
    expect(await link.getAttribute("href")).toBe("https://example.com/docs");
    expect(await link.getAttribute("target")).toBe("_blank");
    expect(await link.getAttribute("rel")).toBe("noopener noreferrer nofollow");

    // Plain until the chunk arrives; then coloured, in a box of the same size.
    await expect.poll(() => highlighterRequests.length).toBe(1);
    expect(await code.locator(".hljs-keyword").count()).toBe(0);
    const boxSize = () => code.evaluate((element) => {
      const box = element.getBoundingClientRect();
      return { width: box.width, height: box.height };
    });
    const plainSize = await boxSize();
    releaseHighlighter();
    await expect.poll(() => code.locator(".hljs-keyword").count()).toBeGreaterThan(0);
    expect(await boxSize()).toEqual(plainSize);

    // The long line scrolls inside the block; the page does not get wider.
    expect(await code.locator("pre").evaluate((pre) => pre.scrollWidth > pre.clientWidth)).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
    expect(foreignRequests).toEqual([]);
  });
});
