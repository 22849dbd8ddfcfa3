import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launchChromium } from "./browser.ts";
import { startRecallServer } from "./recall-server.ts";

let server: Awaited<ReturnType<typeof startRecallServer>>;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await startRecallServer();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});
beforeEach(async () => {
  // A fresh browser context is a fresh anonymous user.
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(server.url);
});

const lastReply = () => page.getByRole("article", { name: "Assistant message" }).last();

async function send(text: string): Promise<void> {
  await page.getByLabel("Message", { exact: false }).first().fill(text);
  await page.keyboard.press("Enter");
}

async function replyText(): Promise<string> {
  return (await lastReply().locator(".message-text").textContent()) ?? "";
}

describe("chatting in the browser against the demo model", () => {
  it("labels demo mode, streams a reply token by token and saves it", async () => {
    await expect.poll(() => page.getByRole("note").textContent(), { timeout: 5_000 }).toContain("Demo mode");
    await send("Tell me about streaming.");
    await expect.poll(replyText, { timeout: 5_000 }).not.toBe(""); // the demo model answers in about a second
    const early = await replyText();
    await expect.poll(replyText).not.toBe(early);
    expect(await lastReply().getAttribute("data-status")).toBe("streaming");
    await expect.poll(() => lastReply().getAttribute("data-status"), { timeout: 10_000 }).toBe("complete");
    const streamed = await replyText();
    expect(streamed.length).toBeGreaterThan(early.length);
    await page.reload();
    await expect.poll(replyText).toBe(streamed);
    await expect.poll(() => page.getByRole("navigation", { name: "Chats" }).textContent()).toContain("Tell me about streaming.");

    // What the model saw: tokens per memory layer, from the real server.
    await lastReply().getByRole("button", { name: "What the model saw" }).click();
    await expect.poll(() => lastReply().locator(".context-layers").textContent()).toContain("Your message:");
    expect(await lastReply().getByRole("img").getAttribute("aria-label")).toMatch(/^\d+ of \d+ context tokens used$/);
  });

  it("resumes a reply after a reload mid-stream, with no text lost or repeated", async () => {
    await send("A long answer, please.");
    await expect.poll(replyText, { timeout: 5_000 }).not.toBe(""); // the demo model answers in about a second
    await page.reload();
    await expect.poll(() => lastReply().getAttribute("data-status"), { timeout: 10_000 }).toBe("complete");
    const resumed = await replyText();
    // What the live stream assembled must equal what the server saved.
    await page.reload();
    await expect.poll(replyText).toBe(resumed);
  });

  it("stops a reply and keeps what was written", async () => {
    await send("Something I will interrupt.");
    await expect.poll(replyText, { timeout: 5_000 }).not.toBe(""); // the demo model answers in about a second
    await page.getByRole("button", { name: "Stop" }).click();
    await expect.poll(() => lastReply().getAttribute("data-status")).toBe("interrupted");
    await expect.poll(() => lastReply().textContent()).toContain("Stopped.");
    const partial = await replyText();
    await page.reload();
    await expect.poll(replyText).toBe(partial);
    await expect.poll(() => lastReply().textContent()).toContain("Stopped.");
  });

  it("keeps chats apart: new chat, switch back", async () => {
    await send("First chat question");
    await expect.poll(() => lastReply().getAttribute("data-status"), { timeout: 10_000 }).toBe("complete");
    await page.getByRole("button", { name: "New chat" }).click();
    await send("Second chat question");
    await expect.poll(() => lastReply().getAttribute("data-status"), { timeout: 10_000 }).toBe("complete");
    const sidebar = page.getByRole("navigation", { name: "Chats" });
    await sidebar.getByRole("button", { name: "First chat question", exact: true }).click();
    await expect.poll(() => page.getByRole("log", { name: "Messages" }).textContent()).toContain("First chat question");
    expect(await page.getByRole("log", { name: "Messages" }).textContent()).not.toContain("Second chat question");
  });
});
