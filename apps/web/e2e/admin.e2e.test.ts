import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser.ts";
import { startRecallServer } from "./recall-server.ts";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const screenshotDir = process.env.RECALL_E2E_SCREENSHOTS ?? null;

let server: Awaited<ReturnType<typeof startRecallServer>>;
let browser: Browser;
beforeAll(async () => {
  server = await startRecallServer({ environment: { RECALL_ADMIN_USERS: "boss" } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const footer = (page: Page) => page.getByRole("navigation", { name: "Chats" });
const account = (page: Page) => page.getByRole("region", { name: "Account" });

async function sendAndWait(page: Page, text: string): Promise<void> {
  await page.getByLabel("Message", { exact: false }).first().fill(text);
  await page.keyboard.press("Enter");
  const lastReply = page.getByRole("article", { name: "Assistant message" }).last();
  await expect.poll(() => lastReply.getAttribute("data-status"), { timeout: 15_000 }).toBe("complete");
}

async function signUp(page: Page, login: string): Promise<void> {
  await account(page).getByRole("button", { name: "Sign up" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Username or email").fill(login);
  await dialog.getByLabel("Password", { exact: true }).fill("a long enough password");
  await dialog.getByRole("button", { name: "Sign up" }).click();
  await expect.poll(() => account(page).textContent()).toContain(`Signed in as ${login}`);
}

describe("the admin page", () => {
  it("is offered to the configured admin only, and shows counts and charts without any chat content", async () => {
    const visitor = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const visitorPage = await visitor.newPage();
    await visitorPage.goto(server.url);
    await sendAndWait(visitorPage, "A visitor's secret about the blue heron");
    await signUp(visitorPage, "visitor");
    expect(await footer(visitorPage).getByRole("button", { name: "Admin", exact: true }).count()).toBe(0);

    const admin = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await admin.newPage();
    await page.goto(server.url);
    await signUp(page, "boss");
    await sendAndWait(page, "The admin's own question about tides");
    await page.getByRole("button", { name: "Admin", exact: true }).click();
    const main = page.getByRole("region", { name: "Admin", exact: true });
    await expect.poll(() => main.getByRole("region", { name: "Totals" }).count()).toBe(1);
    const totals = main.getByRole("region", { name: "Totals" });
    await expect.poll(async () => (await totals.getByText("Messages", { exact: true }).locator("xpath=following-sibling::dd").textContent())?.trim()).toBe("2");
    expect((await totals.getByText("Accounts", { exact: true }).locator("xpath=following-sibling::dd").textContent())?.trim()).toBe("2");
    expect(await main.getByRole("img", { name: /^Messages per day/ }).getAttribute("aria-label")).toContain("total 2");
    expect(await main.getByRole("img", { name: /^Tokens out/ }).count()).toBe(1);
    // Counts only: nothing anybody wrote is on the page.
    const text = (await main.textContent()) ?? "";
    expect(text).not.toContain("heron");
    expect(text).not.toContain("tides");

    await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (context: Document) => Promise<{ violations: Array<{ id: string; impact: string | null }> }> } }).axe;
      return (await axe.run(document)).violations;
    });
    expect(violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical").map((violation) => violation.id)).toEqual([]);
    if (screenshotDir) await page.screenshot({ path: `${screenshotDir}/admin.png` });

    await main.getByRole("button", { name: "Back to chat" }).click();
    expect(await page.getByRole("region", { name: "Admin", exact: true }).count()).toBe(0);
    await visitor.close();
    await admin.close();
  });
});
