import { readFileSync, writeFileSync } from "node:fs";
import { createClient, type RecallClient } from "@recall/server/testing";

export type { RecallClient } from "@recall/server/testing";

/** The real tRPC client, unbatched: each benchmark user stands for a different person's browser. */
export function recallClient(url: string, token: string | null): RecallClient {
  return createClient(url, token, { batch: false });
}

/**
 * A new anonymous user's bearer token (`auth.token`; its access token lasts 15 minutes).
 * Servers from before sessions (the trust benchmark's baseline checkout) gave it from `auth.ensure`.
 */
export async function anonymousToken(url: string): Promise<string> {
  const client = recallClient(url, null);
  try {
    return (await client.auth.token.mutate()).accessToken;
  } catch {
    return ((await client.auth.ensure.mutate()) as unknown as { token: string }).token;
  }
}

/** Replaces the README between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, if both markers exist. */
export function updateReadmeSection(name: string, section: string): void {
  const readmePath = new URL("../README.md", import.meta.url).pathname;
  const readme = readFileSync(readmePath, "utf8");
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from === -1 || to === -1 || to < from) return;
  writeFileSync(readmePath, `${readme.slice(0, from + start.length)}\n${section}${readme.slice(to)}`);
}
