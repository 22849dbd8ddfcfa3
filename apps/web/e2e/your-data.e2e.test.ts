import { readFile } from "node:fs/promises";
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
  // A fresh browser context is a fresh anonymous user; downloads are kept to be read.
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true })).newPage();
  await page.goto(server.url);
});

const lastReply = () => page.getByRole("article", { name: "Assistant message" }).last();
const sidebar = () => page.getByRole("navigation", { name: "Chats" });
const profile = () => page.getByRole("region", { name: "Profile" });

/** Clicks what starts a download and returns the file's suggested name and text. */
async function download(start: () => Promise<void>): Promise<{ filename: string; text: string }> {
  const [file] = await Promise.all([page.waitForEvent("download"), start()]);
  const path = await file.path();
  return { filename: file.suggestedFilename(), text: await readFile(path, "utf8") };
}

describe("what Recall remembers about me, and my data", () => {
  it("exports a chat and everything, corrects and forgets a fact, then deletes all my data", async () => {
    const question = "My name is Ada. How do I keep a sourdough starter alive?";
    await page.getByLabel("Message", { exact: false }).first().fill(question);
    await page.keyboard.press("Enter");
    await expect.poll(() => lastReply().getAttribute("data-status"), { timeout: 15_000 }).toBe("complete");
    const reply = (await lastReply().locator(".message-text").textContent()) ?? "";
    expect(reply.length).toBeGreaterThan(0);

    // This chat, from the header's Export menu.
    const exportMenu = async (format: "Markdown" | "JSON") => {
      await page.getByRole("button", { name: "Export", exact: true }).click();
      await page.getByRole("menuitem", { name: format }).click();
    };
    const markdown = await download(() => exportMenu("Markdown"));
    expect(markdown.filename).toMatch(/^recall-my-name-is-ada-how-do-i-keep-a-sourdough-starter-alive-\d{4}-\d{2}-\d{2}\.md$/);
    expect(markdown.text).toContain(`**You**\n\n${question}`);
    expect(markdown.text).toContain("**Assistant (");
    const json = await download(() => exportMenu("JSON"));
    expect(json.filename).toMatch(/\.json$/);
    const chat = JSON.parse(json.text) as { app: string; chats: Array<{ messages: Array<{ role: string; content: string; status: string }> }> };
    expect(chat.app).toBe("Recall");
    expect(chat.chats[0]?.messages.map((message) => [message.role, message.status])).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
    ]);
    expect(chat.chats[0]?.messages[0]?.content).toBe(question);

    await sidebar().getByRole("button", { name: "Memory & data" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1, name: "Memory & data" }).isVisible()).toBe(true);

    const all = await download(() => page.getByRole("button", { name: "Export all as JSON" }).click());
    expect(all.filename).toMatch(/^recall-export-\d{4}-\d{2}-\d{2}\.json$/);
    const everything = JSON.parse(all.text) as { chats: Array<{ messages: Array<{ content: string }> }>; profile: Array<{ kind: string; value: string }> };
    expect(everything.chats.flatMap((item) => item.messages.map((message) => message.content))).toContain(question);
    expect(everything.profile).toEqual([expect.objectContaining({ kind: "name", value: "Ada" })]);
    const allMarkdown = await download(() => page.getByRole("button", { name: "Export all as Markdown" }).click());
    expect(allMarkdown.text).toContain(question);
    expect(allMarkdown.text).toContain("- name: Ada");

    // The fact "My name is Ada" left: correct it, then add one and forget it.
    await profile().getByRole("button", { name: "Edit name “Ada”" }).click();
    const input = profile().getByRole("textbox", { name: "Edit name" });
    await input.fill("Ada Lovelace");
    await input.press("Enter");
    await expect.poll(() => profile().getByRole("button", { name: "Edit name “Ada Lovelace”" }).isVisible()).toBe(true);
    await profile().getByRole("textbox", { name: "Fact" }).fill("mathematics");
    await profile().getByRole("button", { name: "Add fact" }).click();
    await expect.poll(() => profile().textContent()).toContain("mathematics");
    await profile().getByRole("button", { name: "Delete interest “mathematics”" }).click();
    await expect.poll(() => profile().textContent()).not.toContain("mathematics");
    expect(await profile().textContent()).toContain("Ada Lovelace");

    await page.getByRole("button", { name: "Delete everything Recall holds about me" }).click();
    const dialog = page.getByRole("alertdialog", { name: "Delete everything Recall holds about you?" });
    const confirm = dialog.getByRole("button", { name: "Delete everything" });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByRole("textbox", { name: "Type delete my data to confirm" }).fill("delete my data");
    await confirm.click();

    // The app reloads as a new, empty user.
    await expect.poll(() => sidebar().textContent(), { timeout: 10_000 }).toContain("No chats yet.");
    expect(await sidebar().textContent()).not.toContain("sourdough");
    await sidebar().getByRole("button", { name: "Memory & data" }).click();
    await expect.poll(() => profile().textContent()).toContain("Recall remembers nothing about you yet");
    expect(await profile().textContent()).not.toContain("Ada");
  });
});
