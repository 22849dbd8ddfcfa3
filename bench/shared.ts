import { readFileSync, writeFileSync } from "node:fs";
import type { AppRouter } from "@recall/server";
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink, type TRPCClient } from "@trpc/client";
import { EventSource } from "eventsource";

export type RecallClient = TRPCClient<AppRouter>;

/** The real tRPC client, unbatched: each benchmark user stands for a different person's browser. */
export function recallClient(url: string, token: string | null): RecallClient {
  const headers = token ? { authorization: `Bearer ${token}` } : undefined;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (operation) => operation.type === "subscription",
        true: httpSubscriptionLink({
          url: `${url}/trpc`,
          EventSource,
          eventSourceOptions: { fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...headers } }) },
        }),
        false: httpLink({ url: `${url}/trpc`, headers }),
      }),
    ],
  });
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
