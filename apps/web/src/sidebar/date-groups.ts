import { toDate } from "../dates.ts";

export interface DateGroup<Item> {
  label: string;
  items: Item[];
}

const monthFormat = new Intl.DateTimeFormat("en", { month: "long", year: "numeric" });
const dayMs = 24 * 60 * 60 * 1000;

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** ChatGPT's buckets, in the reader's own time zone: Today, Yesterday, Previous 7 days, Previous 30 days, then by month. */
export function dateGroupLabel(when: Date, now: Date): string {
  const daysAgo = Math.round((startOfDay(now) - startOfDay(when)) / dayMs);
  if (daysAgo <= 0) return "Today";
  if (daysAgo === 1) return "Yesterday";
  if (daysAgo <= 7) return "Previous 7 days";
  if (daysAgo <= 30) return "Previous 30 days";
  return monthFormat.format(when);
}

/** Groups items already sorted newest first; groups keep that order. */
export function groupByDate<Item extends { updatedAt: string | Date }>(items: readonly Item[], now: Date): DateGroup<Item>[] {
  const groups: DateGroup<Item>[] = [];
  for (const item of items) {
    const label = dateGroupLabel(toDate(item.updatedAt), now);
    const last = groups.at(-1);
    if (last?.label === label) last.items.push(item);
    else groups.push({ label, items: [item] });
  }
  return groups;
}
