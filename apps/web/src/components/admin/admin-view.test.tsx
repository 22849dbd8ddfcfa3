import type { AdminStats } from "@recall/server";
import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { AdminView } from "./admin-view.tsx";

function stats(): AdminStats {
  const days = ["2026-12-03", "2026-12-04", "2026-12-05"];
  return {
    since: days[0]!,
    totals: { users: 12, accounts: 3, chats: 40, messages: 1234, repliesByStatus: { complete: 1200, error: 7 } },
    activity: days.map((day, index) => ({ day, newUsers: index, messages: [5, 0, 42][index]!, activeUsers: [2, 0, 6][index]!, newChats: 1 })),
    tokens: [
      { day: "2026-12-03", model: "llama3.2", tokensIn: 900, tokensOut: 300, replies: 5 },
      { day: "2026-12-05", model: "llama3.2", tokensIn: 5000, tokensOut: 2000, replies: 30 },
      { day: "2026-12-05", model: "qwen3:8b", tokensIn: 1000, tokensOut: 400, replies: 12 },
    ],
    instance: {
      activeGenerations: 2,
      activeChats: 3,
      cacheHitRate: 0.875,
      contextsBuilt: 50,
      summaries: { runs: 4, failures: 1 },
      episodes: { written: 2, failures: 0 } as AdminStats["instance"]["episodes"],
      limitRejections: { messages_per_second: 3, batch_size: 0 },
      moderationBlocks: {},
      moderationFailures: { failed_open: 0, failed_closed: 0 },
      replies: { done: 40, error: 2 },
    },
  };
}

describe("AdminView", () => {
  it("shows the totals, a chart per series with its numbers, and the instance's refusals", () => {
    render(<AdminView stats={stats()} />);
    const totals = screen.getByRole("region", { name: "Totals" });
    expect(within(totals).getByText("Messages").nextSibling?.textContent).toBe((1234).toLocaleString());
    expect(within(totals).getByText("Cache hit rate").nextSibling?.textContent).toBe("88%");
    expect(within(totals).getByText("Replies failed").nextSibling?.textContent).toBe("7");

    const messages = screen.getByRole("img", { name: /^Messages per day/ });
    expect(messages.getAttribute("aria-label")).toContain("total 47, highest 42 on 2026-12-05");
    // One bar per day with a value (the quiet day draws none).
    expect(messages.querySelectorAll("rect")).toHaveLength(2);

    // Tokens stack the models: two series, a legend, and each model's figure in the table.
    const tokensIn = screen.getByRole("img", { name: /^Tokens in/ });
    expect(tokensIn.getAttribute("aria-label")).toContain(`total ${(6900).toLocaleString()}`);
    const figure = tokensIn.closest("figure")!;
    expect(within(figure).getAllByRole("listitem").map((item) => item.textContent?.trim())).toEqual(["llama3.2", "qwen3:8b"]);
    expect(within(figure).getAllByRole("row")).toHaveLength(4);

    const instance = screen.getByRole("region", { name: "This server since it started" });
    expect(within(instance).getByRole("table", { name: "Requests refused by a limit" }).textContent).toContain("messages per second3");
    expect(within(instance).getByRole("table", { name: "Requests refused by a limit" }).textContent).not.toContain("batch size");
    expect(within(instance).getByRole("table", { name: "Moderation blocks" }).textContent).toContain("Nothing blocked.");
  });
});
