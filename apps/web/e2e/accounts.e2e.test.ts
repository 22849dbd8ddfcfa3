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
  server = await startRecallServer();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const sidebar = (page: Page) => page.getByRole("navigation", { name: "Chats" });
const account = (page: Page) => page.getByRole("region", { name: "Account" });
const dialog = (page: Page) => page.getByRole("dialog");

async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document) => Promise<{ violations: Array<{ id: string; impact: string | null }> }> } }).axe;
    return (await axe.run(document)).violations;
  });
  return violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical").map((violation) => violation.id);
}

async function fillCredentials(page: Page, login: string, password: string, submit: "Sign up" | "Log in"): Promise<void> {
  await dialog(page).getByLabel("Username or email").fill(login);
  await dialog(page).getByLabel("Password", { exact: true }).fill(password);
  await dialog(page).getByRole("button", { name: submit }).click();
}

describe("accounts in the browser", () => {
  it("signs up keeping the anonymous chats, stays signed in across a reload, logs out and logs in again", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(server.url);
    await expect.poll(() => account(page).textContent()).toContain("Not signed in");

    // An anonymous chat first.
    await page.getByLabel("Message", { exact: false }).first().fill("Remember the lighthouse keeper.");
    await page.keyboard.press("Enter");
    const lastReply = page.getByRole("article", { name: "Assistant message" }).last();
    await expect.poll(() => lastReply.getAttribute("data-status"), { timeout: 15_000 }).toBe("complete");
    await expect.poll(() => sidebar(page).textContent()).toContain("Remember the lighthouse keeper");

    // Sign up: a password too short is explained, then it works and the chat stays.
    await account(page).getByRole("button", { name: "Sign up" }).click();
    expect(await seriousViolations(page)).toEqual([]);
    if (screenshotDir) await page.screenshot({ path: `${screenshotDir}/account-sign-up.png` });
    await fillCredentials(page, "Keeper", "short", "Sign up");
    await expect.poll(() => dialog(page).getByRole("alert").textContent()).toContain("at least 8 characters");
    await fillCredentials(page, "Keeper", "a lighthouse password", "Sign up");
    await expect.poll(() => account(page).textContent()).toContain("Signed in as keeper");
    expect(await dialog(page).count()).toBe(0);
    expect(await sidebar(page).textContent()).toContain("Remember the lighthouse keeper");
    if (screenshotDir) await page.screenshot({ path: `${screenshotDir}/account-signed-in.png` });

    // The session cookies are HttpOnly: the page's scripts see none of them.
    expect(await page.evaluate(() => document.cookie)).toBe("");
    const cookies = await context.cookies();
    expect(cookies.map((cookie) => [cookie.name, cookie.httpOnly, cookie.sameSite, cookie.path]).sort()).toEqual([
      ["recall_access", true, "Lax", "/trpc"],
      ["recall_refresh", true, "Lax", "/trpc"],
    ]);

    await page.reload();
    await expect.poll(() => account(page).textContent()).toContain("Signed in as keeper");
    await expect.poll(() => sidebar(page).textContent()).toContain("Remember the lighthouse keeper");

    // Another browser: the name is taken; a wrong password is refused in words.
    const elsewhere = await (await browser.newContext()).newPage();
    await elsewhere.goto(server.url);
    await account(elsewhere).getByRole("button", { name: "Sign up" }).click();
    await fillCredentials(elsewhere, "keeper", "another long password", "Sign up");
    await expect.poll(() => dialog(elsewhere).getByRole("alert").textContent()).toContain("That username is taken");
    await dialog(elsewhere).getByRole("button", { name: "Cancel" }).click();
    await account(elsewhere).getByRole("button", { name: "Log in" }).click();
    await fillCredentials(elsewhere, "keeper", "not the password", "Log in");
    await expect.poll(() => dialog(elsewhere).getByRole("alert").textContent()).toBe("Wrong username or password.");
    await fillCredentials(elsewhere, "keeper", "a lighthouse password", "Log in");
    await expect.poll(() => account(elsewhere).textContent(), { timeout: 10_000 }).toContain("Signed in as keeper");
    await expect.poll(() => sidebar(elsewhere).textContent()).toContain("Remember the lighthouse keeper");

    // Log out: a fresh anonymous start, none of the account's chats.
    await account(page).getByRole("button", { name: "Log out", exact: true }).click();
    await expect.poll(() => account(page).textContent(), { timeout: 10_000 }).toContain("Not signed in");
    await expect.poll(() => sidebar(page).textContent()).toContain("No chats yet");

    // And back in.
    await account(page).getByRole("button", { name: "Log in" }).click();
    await fillCredentials(page, "keeper", "a lighthouse password", "Log in");
    await expect.poll(() => account(page).textContent(), { timeout: 10_000 }).toContain("Signed in as keeper");
    await expect.poll(() => sidebar(page).textContent()).toContain("Remember the lighthouse keeper");

    // Log out everywhere ends the other browser's session too.
    await account(page).getByRole("button", { name: "Log out everywhere" }).click();
    await expect.poll(() => account(page).textContent(), { timeout: 10_000 }).toContain("Not signed in");
    await elsewhere.reload();
    await expect.poll(() => account(elsewhere).textContent(), { timeout: 10_000 }).toContain("Not signed in");
    await context.close();
  });
});
