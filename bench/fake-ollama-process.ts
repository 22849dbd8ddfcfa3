/**
 * The fake Ollama in its own process, so the benchmark's client work does not
 * distort its pacing. It replies with numbered tokens (" t0", " t1", …) so the
 * client can tell which token a coalesced frame holds, records when it wrote each
 * one, and hands those times over IPC, as epoch milliseconds, when asked.
 * BENCH_REPLY_TEXT replaces the numbered tokens with a real-looking reply.
 */
import { startFakeOllama } from "@recall/fake-ollama";

const tokensPerSecond = Number(process.env.BENCH_TPS ?? 50);
const replyTokens = Number(process.env.BENCH_TOKENS ?? 50);
const replyText = process.env.BENCH_REPLY_TEXT;
/** Numbered tokens by default; with BENCH_REPLY_TEXT, that text in `replyTokens` pieces of whole words. */
const tokens = replyText ? splitIntoPieces(replyText, replyTokens) : Array.from({ length: replyTokens }, (_, index) => ` t${index}`);

function splitIntoPieces(text: string, pieces: number): string[] {
  const words = text.split(/(?= )/);
  const size = Math.ceil(words.length / Math.max(1, pieces));
  return Array.from({ length: Math.ceil(words.length / size) }, (_, index) => words.slice(index * size, (index + 1) * size).join(""));
}

const fake = await startFakeOllama({
  tokensPerSecond,
  recordTokenTimes: true,
  reply: () => ({ tokens }),
});

process.on("message", (request: { type: string }) => {
  if (request.type !== "collect") return;
  const times: Record<string, number[]> = {};
  for (const record of fake.requests) {
    const body = record.body as { messages?: Array<{ role: string; content: string }> } | undefined;
    const last = body?.messages?.filter((message) => message.role === "user").at(-1)?.content;
    if (last && record.tokenTimes) times[last] = record.tokenTimes.map((time) => performance.timeOrigin + time);
  }
  fake.reset();
  process.send?.({ type: "times", times });
});

process.send?.({ type: "ready", url: fake.url });
process.on("disconnect", () => void fake.close().then(() => process.exit(0)));
