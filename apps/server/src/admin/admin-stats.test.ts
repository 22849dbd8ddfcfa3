import { describe, expect, it } from "vitest";
import { collectStream, type Harness, type RecallClient } from "../testing/harness.ts";
import { harnessPerFile } from "../testing/harness-per-file.ts";
import { PrismaAdminStatsStore } from "./admin-stats.ts";

let harness: Harness;
let client: RecallClient;

harnessPerFile({}, (context) => ({ harness, client } = context));

const today = () => new Date().toISOString().slice(0, 10);

describe("admin stats from the database", () => {
  it("counts users, chats, messages, active users and tokens per model for today, and never carries text", async () => {
    const store = new PrismaAdminStatsStore(harness.database.prisma, harness.database.provider);
    const since = new Date(Date.now() - 6 * 86_400_000);
    const before = await store.dailyActivity(since);
    const tokensBefore = await store.dailyTokens(since);
    const totalsBefore = await store.totals();

    const canary = "canary-7f3a9 purple elephants";
    const session = await client.session.create.mutate({});
    for (const content of [`First ${canary}`, "Second question"]) {
      const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content });
      await collectStream(client, assistantMessage.id);
    }
    // A second user arrives without writing anything: counted as new, not as active.
    await harness.newUser();

    const activity = await store.dailyActivity(since);
    // Seven days, oldest first, quiet days included as zeros.
    expect(activity).toHaveLength(7);
    expect(activity.at(-1)!.day).toBe(today());
    const now = activity.at(-1)!;
    const then = before.at(-1)!;
    expect(now.messages - then.messages).toBe(2);
    expect(now.newChats - then.newChats).toBe(1);
    expect(now.newUsers - then.newUsers).toBe(1);
    expect(now.activeUsers - then.activeUsers).toBe(1);

    const tokens = await store.dailyTokens(since);
    const row = (list: typeof tokens) => list.find((entry) => entry.day === today() && entry.model === "llama3.2");
    expect(row(tokens)!.replies - (row(tokensBefore)?.replies ?? 0)).toBe(2);
    expect(row(tokens)!.tokensOut - (row(tokensBefore)?.tokensOut ?? 0)).toBeGreaterThan(0);
    expect(row(tokens)!.tokensIn - (row(tokensBefore)?.tokensIn ?? 0)).toBeGreaterThan(0);

    const totals = await store.totals();
    expect(totals.users - totalsBefore.users).toBe(1);
    expect(totals.messages - totalsBefore.messages).toBe(2);
    expect(totals.repliesByStatus.complete! - (totalsBefore.repliesByStatus.complete ?? 0)).toBe(2);
    expect(JSON.stringify({ activity, tokens, totals })).not.toContain("canary");
  });
});
