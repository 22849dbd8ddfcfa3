import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startFakeOllama } from "@recall/fake-ollama";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launchChromium } from "./browser.ts";
import { startRecallServer, startScriptedRecall, type ScriptedRecall } from "./recall-server.ts";

let recall: ScriptedRecall;
let server: ScriptedRecall["server"];
let browser: Browser;
let page: Page;
let replies = 0;
/** Replies to messages containing "slowly" stream at 8 tokens/s, so a test can act mid-stream. */
let slowTokensPerSecond = 8;

beforeAll(async () => {
  recall = await startScriptedRecall((request) => {
    replies += 1;
    const slow = request.lastUserMessage.includes("slowly");
    const long = request.lastUserMessage.includes("long");
    const body = long ? Array.from({ length: 40 }, (_, line) => `Line ${line + 1} of a long answer.`).join("\n\n") : "A short answer.";
    return { text: `Reply ${replies} to “${request.lastUserMessage}”. ${body}`, ...(slow ? { tokensPerSecond: slowTokensPerSecond, firstTokenLatencyMs: 800 } : {}) };
  }, 200);
  server = recall.server;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await recall?.stop();
});
beforeEach(async () => {
  slowTokensPerSecond = 8;
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(server.url);
});

const messages = () => page.getByRole("log", { name: "Messages" });
const replyArticles = () => page.getByRole("article", { name: "Assistant message" });
const userArticles = () => page.getByRole("article", { name: "You message" });
const sidebar = () => page.getByRole("navigation", { name: "Chats" });
const lastReply = () => replyArticles().last();

async function send(text: string): Promise<void> {
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.keyboard.press("Enter");
}

async function waitForReplies(): Promise<void> {
  await expect.poll(() => lastReply().getAttribute("data-status"), { timeout: 15_000 }).toBe("complete");
}

async function sendAndWait(text: string): Promise<void> {
  await send(text);
  await expect.poll(() => messages().textContent()).toContain(text);
  await waitForReplies();
}

describe("regenerate and edit, with every version reachable", () => {
  it("regenerates the last reply and switches between the two versions", async () => {
    await sendAndWait("What is a lantern?");
    const first = await lastReply().locator(".message-text").textContent();
    await lastReply().getByRole("button", { name: "Regenerate" }).click();
    await expect.poll(() => lastReply().locator(".message-text").textContent()).not.toBe(first);
    await waitForReplies();
    const second = await lastReply().locator(".message-text").textContent();
    expect(second).toContain("What is a lantern?");
    const versions = lastReply().getByRole("group", { name: "Versions" });
    expect(await versions.textContent()).toContain("2 / 2");
    await versions.getByRole("button", { name: "Previous version" }).click();
    await expect.poll(() => lastReply().locator(".message-text").textContent()).toBe(first);
    expect(await replyArticles().count()).toBe(1);
    // Both versions are saved: after a reload the newest shows, the first is one click away.
    await page.reload();
    await expect.poll(() => lastReply().locator(".message-text").textContent()).toBe(second);
    await lastReply().getByRole("button", { name: "Previous version" }).click();
    await expect.poll(() => lastReply().locator(".message-text").textContent()).toBe(first);
  });

  it("edits an earlier message and resends from there, keeping the old branch", async () => {
    await sendAndWait("First question");
    await sendAndWait("Second question");
    const second = userArticles().last();
    await second.getByRole("button", { name: "Edit" }).click();
    await second.getByRole("textbox", { name: "Edit message" }).fill("Second question, edited");
    await second.getByRole("textbox", { name: "Edit message" }).press("Enter");
    // (An open edit box's text counts as the log's text too: wait for the reply itself.)
    await expect.poll(() => lastReply().locator(".message-text").textContent(), { timeout: 10_000 }).toContain("“Second question, edited”");
    await waitForReplies();
    expect(await messages().textContent()).not.toContain("“Second question”");

    const versions = userArticles().last().getByRole("group", { name: "Versions" });
    expect(await versions.textContent()).toContain("2 / 2");
    await versions.getByRole("button", { name: "Previous version" }).click();
    await expect.poll(() => lastReply().locator(".message-text").textContent()).toContain("“Second question”");
    expect(await userArticles().count()).toBe(2);

    // Editing the very first message starts a new root; the old conversation stays reachable.
    await userArticles().first().getByRole("button", { name: "Edit" }).click();
    await userArticles().first().getByRole("textbox", { name: "Edit message" }).fill("A different opening");
    await userArticles().first().getByRole("button", { name: "Send" }).click();
    await expect.poll(() => lastReply().locator(".message-text").textContent(), { timeout: 10_000 }).toContain("“A different opening”");
    expect(await userArticles().count()).toBe(1);
    await waitForReplies();
    expect(await userArticles().first().getByRole("group", { name: "Versions" }).textContent()).toContain("2 / 2");
    await userArticles().first().getByRole("button", { name: "Previous version" }).click();
    await expect.poll(() => userArticles().count()).toBe(2);
  });
});

describe("streaming", () => {
  it("shows Thinking before the first token, then a cursor while it writes", async () => {
    slowTokensPerSecond = 4;
    await send("Answer slowly please");
    await expect.poll(() => lastReply().getByRole("status").textContent()).toBe("Thinking");
    await expect.poll(() => lastReply().locator(".message-text").textContent(), { timeout: 10_000 }).toContain("Reply");
    expect(await lastReply().getAttribute("data-status")).toBe("streaming");
    expect(await lastReply().locator("[data-streaming]").count()).toBe(1);
    await page.keyboard.press("Escape");
    await expect.poll(() => lastReply().getAttribute("data-status")).toBe("interrupted");
  });

  it("resumes a reply after the network drops mid-stream, with no text lost or repeated", async () => {
    const session = await page.context().newCDPSession(page);
    await send("Tell me slowly about rivers");
    await expect.poll(() => lastReply().locator(".message-text").textContent(), { timeout: 10_000 }).toContain("Reply");
    await session.send("Network.enable");
    await session.send("Network.emulateNetworkConditions", { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await page.waitForTimeout(1500);
    await session.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await expect.poll(() => lastReply().getAttribute("data-status"), { timeout: 20_000 }).toBe("complete");
    const live = await lastReply().locator(".message-text").textContent();
    expect(live).toContain("A short answer.");
    await page.reload();
    await expect.poll(() => lastReply().locator(".message-text").textContent()).toBe(live);
  });
});

describe("the chats sidebar", () => {
  it("renames, finds by content, deletes with undo, and deletes for good", async () => {
    await sendAndWait("Planning a trip to Lisbon");
    await sidebar().getByRole("button", { name: "Rename Planning a trip to Lisbon" }).click();
    await sidebar().getByRole("textbox", { name: "Chat title" }).fill("Lisbon");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Lisbon");
    await page.getByRole("button", { name: "New chat" }).click();
    await sendAndWait("Sourdough starter ratios");

    await page.keyboard.press("Control+k");
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("type"))).toBe("search");
    await page.keyboard.type("trip to lis");
    const results = sidebar().getByRole("region", { name: "Search results" });
    await expect.poll(() => results.textContent()).toContain("Lisbon");
    expect(await results.textContent()).not.toContain("Sourdough");
    await results.getByRole("button", { name: /Lisbon/ }).first().click();
    await expect.poll(() => messages().textContent()).toContain("Planning a trip to Lisbon");
    await sidebar().getByRole("searchbox").fill("");

    await sidebar().getByRole("button", { name: "Delete Lisbon" }).click();
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Deleted" }).textContent()).toContain("Lisbon");
    expect(await sidebar().textContent()).not.toContain("Lisbon");
    await page.getByRole("button", { name: "Undo" }).click();
    await expect.poll(() => sidebar().textContent()).toContain("Lisbon");

    await sidebar().getByRole("button", { name: "Delete Lisbon" }).click();
    await expect.poll(() => page.getByRole("button", { name: "Undo" }).count(), { timeout: 10_000 }).toBe(0);
    await page.reload();
    await expect.poll(() => sidebar().textContent()).toContain("Sourdough");
    expect(await sidebar().textContent()).not.toContain("Lisbon");
  });

  it("keeps each chat's scroll position when switching, and starts at the newest message", async () => {
    await sendAndWait("A long answer about oceans");
    await sendAndWait("Another long answer about oceans");
    await page.getByRole("button", { name: "New chat" }).click();
    await sendAndWait("A long answer about deserts");
    const scroller = page.locator(".message-scroller");
    const atBottom = () => scroller.evaluate((element) => element.scrollHeight - element.scrollTop - element.clientHeight < 48);
    await expect.poll(atBottom).toBe(true);

    await sidebar().getByRole("button", { name: "A long answer about oceans", exact: true }).click();
    await expect.poll(() => messages().textContent()).toContain("Another long answer about oceans");
    await expect.poll(atBottom).toBe(true);
    await scroller.hover();
    await page.mouse.wheel(0, -1200);
    await expect.poll(atBottom).toBe(false);
    await page.waitForTimeout(300);
    const readingAt = await scroller.evaluate((element) => element.scrollTop);
    await sidebar().getByRole("button", { name: "A long answer about deserts", exact: true }).click();
    await expect.poll(() => messages().textContent()).toContain("deserts");
    await sidebar().getByRole("button", { name: "A long answer about oceans", exact: true }).click();
    await expect.poll(() => scroller.evaluate((element, at) => Math.abs(element.scrollTop - at) < 40, readingAt)).toBe(true);
    expect(await atBottom()).toBe(false);

    // Scrolled up, a button takes the reader back to the newest message.
    await page.getByRole("button", { name: /Jump to newest/ }).click();
    await expect.poll(atBottom).toBe(true);
    expect(await page.getByRole("button", { name: /Jump to newest/ }).count()).toBe(0);
  });

  it("has shortcuts for a new chat and the message box", async () => {
    await sendAndWait("Shortcut check");
    await page.keyboard.press("Control+Shift+O");
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("New chat");
    await page.getByRole("searchbox").focus();
    await page.keyboard.press("Shift+Escape");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("placeholder"))).toBe("Message Recall");
  });
});

describe("when Ollama is not there", () => {
  it("says to start Ollama, and to pull a model when it has none", async () => {
    const down = await startRecallServer({ ollamaUrl: "http://127.0.0.1:9" });
    const empty = await startFakeOllama({ models: [] });
    const noModels = await startRecallServer({ ollamaUrl: empty.url });
    try {
      await page.goto(down.url);
      await expect.poll(() => page.getByRole("alert").first().textContent(), { timeout: 10_000 }).toContain("ollama serve");
      await page.goto(noModels.url);
      await expect.poll(() => page.getByRole("alert").first().textContent(), { timeout: 10_000 }).toContain("ollama pull");
    } finally {
      await down.stop();
      await noModels.stop();
      await empty.close();
    }
  });
});

describe("when Ollama comes back", () => {
  it("clears the banner by itself once Ollama answers", async () => {
    // A port that is free now: Ollama "starts" on it later.
    const probe = await startFakeOllama();
    const port = Number(new URL(probe.url).port);
    await probe.close();
    const recallWithoutOllama = await startRecallServer({ ollamaUrl: `http://127.0.0.1:${port}` });
    let ollama: Awaited<ReturnType<typeof startFakeOllama>> | null = null;
    try {
      await page.goto(recallWithoutOllama.url);
      const banner = page.getByRole("alert").filter({ hasText: "ollama serve" });
      await expect.poll(() => banner.count(), { timeout: 10_000 }).toBe(1);
      ollama = await startFakeOllama({ port });
      await expect.poll(() => banner.count(), { timeout: 15_000 }).toBe(0);
      await expect.poll(() => page.getByLabel("Model").inputValue()).toContain("llama3.2");
    } finally {
      await recallWithoutOllama.stop();
      await ollama?.close();
    }
  });
});

describe("images in replies", () => {
  it("shows images only from the operator's RECALL_IMAGE_ORIGINS, and none from anywhere else", async () => {
    // A 1×1 PNG from a local image host the operator allowed.
    const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=", "base64");
    const imageRequests: string[] = [];
    const imageHost = createServer((request, response) => {
      imageRequests.push(request.url ?? "");
      response.writeHead(200, { "content-type": "image/png" }).end(png);
    });
    await new Promise<void>((resolve) => imageHost.listen(0, "127.0.0.1", resolve));
    const allowed = `http://127.0.0.1:${(imageHost.address() as AddressInfo).port}`;
    const withImages = await startScriptedRecall(
      () => ({ text: `Here is the chart:\n\n![chart](${allowed}/chart.png)\n\nAnd another: ![tracker](http://127.0.0.2:9/pixel.png?user=secret)` }),
      0,
      { RECALL_IMAGE_ORIGINS: allowed },
    );
    try {
      await page.goto(withImages.server.url);
      await sendAndWait("Show me the chart");
      const images = lastReply().locator("img");
      await expect.poll(() => images.count()).toBe(1);
      expect(await images.getAttribute("src")).toBe(`${allowed}/chart.png`);
      await expect.poll(() => images.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth)).toBe(1);
      expect(await lastReply().textContent()).toContain("[image: tracker]");
      expect(imageRequests).toEqual(["/chart.png"]);
    } finally {
      await withImages.stop();
      imageHost.close();
    }
  });
});

describe("temporary chats", () => {
  it("keeps a temporary chat out of storage and memory", async () => {
    await page.getByRole("checkbox", { name: "Temporary chat" }).check();
    await expect.poll(() => messages().count()).toBe(0);
    expect(await page.getByRole("main").textContent()).toContain("Recall remembers nothing of it");
    await sendAndWait("My name is Zed and I live in Oslo.");
    expect(await page.locator(".chat-header").textContent()).toContain("Temporary");
    expect(await sidebar().getByRole("button", { name: /My name is Zed/ }).first().textContent()).toContain("Temporary");
    // It lives in the server's memory: a reload finds it.
    await page.reload();
    await expect.poll(() => messages().textContent()).toContain("My name is Zed");
    // A new chat after it is saved as usual, and remembered: what it teaches Recall shows up,
    // while nothing of the temporary chat ever does.
    await page.getByRole("button", { name: "New chat" }).click();
    expect(await page.getByRole("checkbox", { name: "Temporary chat" }).isChecked()).toBe(false);
    await sendAndWait("My name is Ann and I live in Bergen.");
    await sidebar().getByRole("button", { name: "Memory & data" }).click();
    await expect.poll(() => page.getByRole("main").textContent(), { timeout: 10_000 }).toContain("Ann");
    expect(await page.getByRole("main").textContent()).not.toContain("Zed");
  });
});
