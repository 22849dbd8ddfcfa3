import { describe, expect, it } from "vitest";
import { dateGroupLabel, groupByDate } from "./date-groups.ts";

const now = new Date(2026, 10, 21, 9, 30);
const at = (year: number, month: number, day: number, hour = 12) => new Date(year, month, day, hour);

describe("date groups", () => {
  it("labels days relative to the reader's calendar day, not 24-hour windows", () => {
    expect(dateGroupLabel(at(2026, 10, 21, 0), now)).toBe("Today");
    expect(dateGroupLabel(at(2026, 10, 20, 23), now)).toBe("Yesterday");
    expect(dateGroupLabel(at(2026, 10, 14), now)).toBe("Previous 7 days");
    expect(dateGroupLabel(at(2026, 10, 13), now)).toBe("Previous 30 days");
    expect(dateGroupLabel(at(2026, 9, 22), now)).toBe("Previous 30 days");
    expect(dateGroupLabel(at(2026, 9, 21), now)).toBe("October 2026");
    expect(dateGroupLabel(at(2025, 10, 21), now)).toBe("November 2025");
  });

  it("treats a clock a little ahead of the server as today", () => {
    expect(dateGroupLabel(at(2026, 10, 21, 23), now)).toBe("Today");
  });

  it("keeps newest-first order and merges runs of the same label", () => {
    const chats = [
      { id: "a", updatedAt: at(2026, 10, 21).toISOString() },
      { id: "b", updatedAt: at(2026, 10, 21, 8).toISOString() },
      { id: "c", updatedAt: at(2026, 10, 20).toISOString() },
      { id: "d", updatedAt: at(2026, 8, 2).toISOString() },
    ];
    expect(groupByDate(chats, now).map((group) => [group.label, group.items.map((chat) => chat.id)])).toEqual([
      ["Today", ["a", "b"]],
      ["Yesterday", ["c"]],
      ["September 2026", ["d"]],
    ]);
    expect(groupByDate([], now)).toEqual([]);
  });
});
