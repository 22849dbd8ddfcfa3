import { randomBytes } from "node:crypto";
// Only the type: the module itself is loaded from the measured source, so its schema matches the commit measured.
import type * as Database from "../../packages/db/src/index.ts";
import { followUpFor, openerFor, replyFor, startThread, type FillerThread } from "../memory/filler.ts";
import { createRandom, type Random } from "../memory/random.ts";

export type DatabaseModule = typeof Database;

export interface SeededChat {
  id: string;
  title: string;
  /** Unique text in the chat's newest reply: the list shows the chat's end when it is in the DOM. */
  newestMarker: string;
  messageCount: number;
}

const codeSamples = [
  "```ts\nexport function debounce<T extends unknown[]>(wait: number, run: (...values: T) => void) {\n  let timer: ReturnType<typeof setTimeout> | undefined;\n  return (...values: T) => {\n    clearTimeout(timer);\n    timer = setTimeout(() => run(...values), wait);\n  };\n}\n```",
  "```python\nfrom collections import Counter\n\ndef top_words(text: str, count: int = 10) -> list[tuple[str, int]]:\n    words = [word.strip('.,!?').lower() for word in text.split()]\n    return Counter(words).most_common(count)\n```",
  "```bash\nfind . -name '*.log' -mtime +7 -print0 | xargs -0 gzip -9\ndu -sh ./logs\n```",
  "```sql\nSELECT category, COUNT(*) AS items, ROUND(AVG(price), 2) AS average_price\nFROM products\nGROUP BY category\nORDER BY items DESC;\n```",
];

/** A reply as a model writes one: prose of varied length, sometimes a list, a numbered plan or a code block. */
function markdownReply(thread: FillerThread, random: Random): string {
  const prose = replyFor(thread, random);
  const parts = [random.chance(0.2) ? `**In short:** ${prose}` : prose];
  if (random.chance(0.25)) {
    const sentences = replyFor(thread, random).split(/(?<=\.)\s+/).filter(Boolean).slice(0, 5);
    const numbered = random.chance(0.4);
    parts.push(sentences.map((sentence, index) => (numbered ? `${index + 1}. ${sentence}` : `- ${sentence}`)).join("\n"));
  }
  if (random.chance(0.15)) parts.push(`Here is a small example:\n\n${random.pick(codeSamples)}\n\nRun it once with \`--dry-run\` first if your setup allows it.`);
  return parts.join("\n\n");
}

/** Exchanges straight into SQLite, shaped as chat-store's createExchange leaves them once the reply is complete. */
export async function insertExchanges(database: DatabaseModule, databaseUrl: string, chat: { id: string; title: string }, exchanges: number, model: string, seed: number): Promise<SeededChat> {
  const random = createRandom(seed);
  const newestMarker = `bench-end-${randomBytes(6).toString("hex")}`;
  const { prisma, close } = await database.openDatabase({ url: databaseUrl, migrate: false });
  try {
    const { userId } = await prisma.chatSession.findUniqueOrThrow({ where: { id: chat.id }, select: { userId: true } });
    const start = Date.now() - exchanges * 2 * 60_000;
    const rows: Array<{ id: string; sessionId: string; userId: string; parentId: string | null; role: string; content: string; status: string; model: string | null; createdAt: Date }> = [];
    let thread = startThread(random);
    let parentId: string | null = null;
    for (let exchange = 0; exchange < exchanges; exchange += 1) {
      const newTopic = exchange % 12 === 0;
      if (newTopic) thread = startThread(random);
      const question = newTopic ? openerFor(thread, random) : followUpFor(thread, random);
      let reply = markdownReply(thread, random);
      if (exchange === exchanges - 1) reply += `\n\nThat is everything for now (${newestMarker}).`;
      const askedAt = start + exchange * 2 * 60_000;
      const userMessageId: string = `bench${randomBytes(12).toString("base64url")}`;
      const replyId: string = `bench${randomBytes(12).toString("base64url")}`;
      rows.push({ id: userMessageId, sessionId: chat.id, userId, parentId, role: "user", content: question, status: "complete", model: null, createdAt: new Date(askedAt) });
      rows.push({ id: replyId, sessionId: chat.id, userId, parentId: userMessageId, role: "assistant", content: reply, status: "complete", model, createdAt: new Date(askedAt + 20_000) });
      parentId = replyId;
    }
    await prisma.message.createMany({ data: rows });
    await prisma.chatSession.update({ where: { id: chat.id }, data: { model } });
    return { id: chat.id, title: chat.title, newestMarker, messageCount: rows.length };
  } finally {
    await close();
  }
}
