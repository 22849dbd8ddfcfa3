/**
 * Where the server's CPU goes while it streams: the real server under `--cpu-prof` at 100
 * concurrent streams (fake Ollama, SQLite), for replies of 50 and of 300 tokens. Self time is
 * grouped by component over the measured window only (start-up and warm-up left out), and
 * turned into CPU per reply from the process's own CPU time over that window. The profiler
 * itself adds overhead: the streaming benchmark, run without it, has the figures the targets
 * are judged on; this one says where they come from.
 */
import { mkdtempSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { anonymousToken, recallClient, updateReadmeSection } from "./shared.ts";
import { cpuSeconds, startFakeOllamaProcess, startRecallProcess, stopProcess } from "./processes.ts";
import { markdownTable } from "./stats.ts";
import { streamingRun } from "./streaming-run.ts";
import { profileShares } from "./profile/cpu-profile.ts";

const streams = Number(process.env.BENCH_STREAMS ?? 100);
const tokensPerSecond = 50;
const replyLengths = (process.env.BENCH_PROFILE_TOKENS ?? "50,300").split(",").map(Number);

interface Measured {
  tokens: number;
  replies: number;
  cpuMsPerReply: number;
  busySeconds: number;
  shares: Array<{ name: string; share: number }>;
  top: Array<{ name: string; share: number }>;
}

async function measure(tokens: number): Promise<Measured> {
  const run = streamingRun({ tokensPerStream: tokens, tokensPerSecond, roundsFor: () => 3 });
  const fake = await startFakeOllamaProcess({ BENCH_TPS: String(tokensPerSecond), BENCH_TOKENS: String(tokens) });
  const dataDir = mkdtempSync(join(tmpdir(), "recall-profile-"));
  const profileDir = join(dataDir, "profile");
  mkdirSync(profileDir);
  process.env.BENCH_CPU_PROFILE_DIR = profileDir;
  const spawnedAt = performance.now();
  const server = await startRecallProcess({
    OLLAMA_URL: fake.url,
    RECALL_DATA_DIR: dataDir,
    DATABASE_URL: `file:${join(dataDir, "recall.db")}`,
    RECALL_STREAM_FRAME_MS: "0",
    RECALL_SECRET: "bench-secret-bench-secret-bench-secret",
  });
  delete process.env.BENCH_CPU_PROFILE_DIR;
  const pid = server.child.pid!;
  let window: { fromSeconds: number; toSeconds: number };
  let cpuUsed: number;
  let replies: number;
  try {
    const users = await Promise.all(Array.from({ length: 10 }, async () => recallClient(server.url, await anonymousToken(server.url))));
    const sessions = await Promise.all(Array.from({ length: streams }, async (_, index) => {
      const client = users[index % users.length]!;
      return { client, sessionId: (await client.session.create.mutate({})).id };
    }));
    // Warm-up: every code path compiled, every connection open, before the window opens.
    await Promise.all(sessions.slice(0, 20).map(({ client, sessionId }) => run.streamOnce(client, sessionId, "warm-up")));
    await fake.collect();
    const cpuBefore = cpuSeconds(pid);
    const openedAt = performance.now();
    const results = await run.runSlots(streams, (slot, round) => run.streamOnce(sessions[slot]!.client, sessions[slot]!.sessionId, `profile ${slot} ${round}`));
    const closedAt = performance.now();
    cpuUsed = cpuSeconds(pid) - cpuBefore;
    const summary = run.summarize(results, await fake.collect());
    replies = summary.complete;
    if (summary.errors.length > 0) console.error(`  ${summary.errors.length} streams failed, e.g. ${summary.errors[0]}`);
    window = { fromSeconds: (openedAt - spawnedAt) / 1000, toSeconds: (closedAt - spawnedAt) / 1000 };
  } finally {
    await server.stop();
    fake.child.disconnect();
    await stopProcess(fake.child);
  }
  const file = readdirSync(profileDir).find((name) => name.endsWith(".cpuprofile"));
  if (!file) throw new Error("the server wrote no CPU profile");
  const { busySeconds, shares, top } = profileShares(join(profileDir, file), window);
  console.log(`${tokens} tokens: ${replies} replies, ${((cpuUsed * 1000) / replies).toFixed(2)} ms CPU per reply (profiled)`);
  return { tokens, replies, cpuMsPerReply: (cpuUsed * 1000) / replies, busySeconds, shares, top };
}

async function main(): Promise<void> {
  const measured: Measured[] = [];
  for (const tokens of replyLengths) measured.push(await measure(tokens));
  const names = [...new Set(measured.flatMap((entry) => entry.shares.map((share) => share.name)))];
  const shareOf = (entry: Measured, name: string) => entry.shares.find((share) => share.name === name)?.share ?? 0;
  names.sort((a, b) => shareOf(measured.at(-1)!, b) - shareOf(measured.at(-1)!, a));
  const table = markdownTable(
    ["component", ...measured.flatMap((entry) => [`share at ${entry.tokens} tokens`, `ms / reply at ${entry.tokens}`])],
    [
      ...names.map((name) => [name, ...measured.flatMap((entry) => [`${(shareOf(entry, name) * 100).toFixed(1)}%`, (shareOf(entry, name) * entry.cpuMsPerReply).toFixed(2)])]),
      ["**all server CPU (profiled)**", ...measured.flatMap((entry) => ["100%", `**${entry.cpuMsPerReply.toFixed(2)}**`])],
    ],
  );
  const hottest = markdownTable(
    ["function (self time)", `share at ${measured.at(-1)!.tokens} tokens`],
    measured.at(-1)!.top.map((entry) => [`\`${entry.name}\``, `${(entry.share * 100).toFixed(1)}%`]),
  );
  const heading = `Where the server's CPU goes at ${streams} concurrent streams (${tokensPerSecond} tokens/s each, fake Ollama, SQLite, 0 ms frames), from a V8 CPU profile of the measured window; ${new Date().toISOString().slice(0, 10)}, ${(await import("node:os")).cpus().length} cores, Node ${process.version}. The profiler adds overhead, so these per-reply figures run higher than the streaming benchmark's.`;
  const output = `${heading}\n\n${table}\n\nThe hottest functions:\n\n${hottest}\n`;
  console.log(`\n${output}`);
  const resultsDir = new URL("./results/", import.meta.url).pathname;
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "profile.md"), output);
  writeFileSync(join(resultsDir, "profile.json"), `${JSON.stringify({ streams, tokensPerSecond, measured }, null, 2)}\n`);
  if (!process.env.BENCH_STREAMS && !process.env.BENCH_PROFILE_TOKENS) updateReadmeSection("profile", output);
}

await main();
