import type { StreamEvent } from "@recall/schema";
import type { LoggedEvent } from "../chat/event-log.ts";

/**
 * How a log entry is stored in a Redis stream: a delta's text as field `d` (no JSON on the
 * per-token path), any other event as JSON in field `e`. Entry ids are `0-<n>`, n the log's
 * own dense id, so a `lastEventId` means the same on every instance.
 */
export function entryFields(event: StreamEvent): [string, string] {
  return event.type === "delta" ? ["d", event.text] : ["e", JSON.stringify(event)];
}

export function entryId(id: number): string {
  return `0-${id}`;
}

/** The n of `0-<n>`; NaN for an id this code never writes. */
export function parseEntryId(id: string): number {
  return id.startsWith("0-") ? Number(id.slice(2)) : Number.NaN;
}

type RawEntry = [id: string, fields: string[]];

export function parseEntry([id, fields]: RawEntry): LoggedEvent | null {
  const n = parseEntryId(id);
  const [field, value] = fields;
  if (!Number.isSafeInteger(n) || value === undefined) return null;
  if (field === "d") return { id: n, event: { type: "delta", text: value } };
  if (field === "e") {
    try {
      return { id: n, event: JSON.parse(value) as StreamEvent };
    } catch {
      return null;
    }
  }
  return null;
}

export function parseEntries(entries: RawEntry[]): LoggedEvent[] {
  const parsed: LoggedEvent[] = [];
  for (const entry of entries) {
    const logged = parseEntry(entry);
    if (logged) parsed.push(logged);
  }
  return parsed;
}

/**
 * Appends entries `first..` to a message's stream, keeping it dense: entries it already holds
 * are skipped (a retry), and a gap is refused with the id it does hold (the writer resends from
 * there, e.g. after Redis restarted empty). `rewrite` replaces the whole stream (withdrawn text).
 * Sets the owner key whenever the stream starts, and both keys' TTL.
 * Returns {1, last id} or {0, last id held} on a gap.
 */
export const appendEntriesScript = `
if ARGV[4] == '1' then redis.call('DEL', KEYS[1]) end
local last = 0
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if top[1] then last = tonumber(string.sub(top[1][1], 3)) end
local first = tonumber(ARGV[1])
if last < first - 1 then return {0, last} end
if last == 0 then redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2]) end
local n = first
for i = 5, #ARGV, 2 do
  if n > last then redis.call('XADD', KEYS[1], '0-' .. n, ARGV[i], ARGV[i + 1]) end
  n = n + 1
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return {1, n - 1}
`;
