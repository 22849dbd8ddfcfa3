/**
 * What trust costs a reply: server CPU per reply and time to first token with limits,
 * encryption at rest and moderation (a rule list) on, beside the same server as shipped (no key,
 * no moderation), and beside the server as it was when the trust issue started (commit
 * `BENCH_TRUST_BASE`, checked out into a cached worktree with its own install), at 1 and 100
 * concurrent streams; plus the field cipher's throughput.
 *
 * Three processes as in the streaming benchmark: the fake Ollama, the Recall server, this client.
 * Modes run interleaved, several times each, and the medians are reported: the machine's noise
 * (2 shared cores) is larger than the effect measured.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { measureCipherThroughput, measureSearchCost } from "@recall/server/testing";
import { cpuSeconds, startFakeOllamaProcess, startRecallProcess, stopProcess } from "./processes.ts";
import { anonymousToken, recallClient, updateReadmeSection } from "./shared.ts";
import { markdownTable, percentile } from "./stats.ts";
import { streamingRun } from "./streaming-run.ts";

const levels = (process.env.BENCH_LEVELS ?? "1,100").split(",").map(Number);
const repeats = Number(process.env.BENCH_REPEATS ?? 5);
const tokensPerStream = 50;
const tokensPerSecond = 50;
const baseCommit = process.env.BENCH_TRUST_BASE ?? "e360e9b";
const { summarize, runSlots, streamOnce } = streamingRun({ tokensPerStream, tokensPerSecond, roundsFor: (level) => (level < 10 ? 10 : 3) });

const repository = new URL("..", import.meta.url).pathname;
const masterKey = `1:${randomBytes(32).toString("base64")}`;
const rules = JSON.stringify({
  rules: [
    { id: "weapons", category: "weapons", words: ["pipe bomb", "nerve agent", "ricin", "sarin", "detonator"] },
    { id: "cards", category: "privacy", roles: ["user"], pattern: "\\b\\d{4}[ -]?\\d{4}[ -]?\\d{4}[ -]?\\d{4}\\b" },
  ],
});

interface Mode {
  name: string;
  environment: Record<string, string>;
  serverDirectory?: string;
}

/**
 * The server as of `baseCommit`, in a worktree of its own with its own dependencies (made once,
 * then reused). One change to that checkout: it gets today's better-sqlite3 (13.2.0, through
 * the same override), because its 12.x crashes on Node 24; so both sides run on the same Node
 * and the same driver, and the comparison measures Recall's own code.
 */
function baseServer(): string {
  const directory = join(tmpdir(), `recall-bench-base-${baseCommit}`);
  const prepared = join(directory, ".recall-bench-prepared");
  if (!existsSync(prepared)) {
    if (!existsSync(directory)) execFileSync("git", ["worktree", "add", "--detach", directory, baseCommit], { cwd: repository, stdio: "inherit" });
    const databasePackage = join(directory, "packages", "db", "package.json");
    writeFileSync(databasePackage, readFileSync(databasePackage, "utf8").replace(/"better-sqlite3": "12[^"]*"/, '"better-sqlite3": "13.2.0"'));
    appendFileSync(join(directory, "pnpm-workspace.yaml"), "\noverrides:\n  better-sqlite3: 13.2.0\n");
    execFileSync("pnpm", ["install", "--no-frozen-lockfile", "--prefer-offline"], { cwd: directory, stdio: "inherit", env: { ...process.env } });
    writeFileSync(prepared, `${baseCommit}\n`);
  }
  return join(directory, "apps", "server");
}

/**
 * Settings every mode shares. Limits stay on as shipped (per user: messages per second and
 * minute, replies in flight, stored text, chats; batch, body, timeouts), except those that stand
 * in the way of one machine playing 100 people: the server's reply cap (the fake serves every
 * stream at once, a real Ollama would queue them), new users and connections per address.
 */
const common: Record<string, string> = {
  RECALL_SECRET: "bench-secret-bench-secret-bench-secret",
  RECALL_LIMIT_GENERATIONS_PER_SERVER: "1000",
  RECALL_LIMIT_GENERATION_QUEUE: "1000",
  RECALL_LIMIT_USERS_PER_ADDRESS_PER_HOUR: "0",
  RECALL_LIMIT_CONNECTIONS_PER_ADDRESS: "0",
};

async function runMode(mode: Mode, fakeUrl: string, level: number, collect: () => Promise<Record<string, number[]>>) {
  const dataDir = mkdtempSync(join(tmpdir(), "recall-trust-"));
  const server = await startRecallProcess(
    { ...common, ...mode.environment, OLLAMA_URL: fakeUrl, RECALL_DATA_DIR: dataDir, DATABASE_URL: `file:${join(dataDir, "recall.db")}` },
    { limits: "as shipped", ...(mode.serverDirectory ? { serverDirectory: mode.serverDirectory } : {}) },
  );
  const pid = server.child.pid!;
  try {
    const users = await Promise.all(
      Array.from({ length: level }, async () => {
        const token = await anonymousToken(server.url);
        const client = recallClient(server.url, token);
        return { client, sessionId: (await client.session.create.mutate({})).id };
      }),
    );
    // Every user sends once before the measured window: what a user pays once in their life
    // (a data key made and wrapped, the first session look-up, the first stored-text count) is
    // not a per-reply cost, and a window of 3 replies per user would count it a third of the time.
    const warmed = await Promise.all(users.map((user, index) => streamOnce(user.client, user.sessionId, `warm-up ${mode.name} ${index}`)));
    const failed = warmed.find((result) => !result.ok);
    if (failed) throw new Error(`${mode.name}: warm-up failed: ${failed.error}`);
    await collect();
    const before = cpuSeconds(pid);
    const results = await runSlots(level, (slot, round) => streamOnce(users[slot]!.client, users[slot]!.sessionId, `${mode.name} ${level} ${slot} ${round}`));
    const used = cpuSeconds(pid) - before;
    const summary = summarize(results, await collect());
    return { cpuMsPerReply: summary.complete > 0 ? (used * 1000) / summary.complete : Number.NaN, ttftP50: percentile(summary.ttft, 0.5), ttftP99: percentile(summary.ttft, 0.99), complete: summary.complete, streams: summary.streams, errors: summary.errors };
  } finally {
    await server.stop();
  }
}

/** The middle run of those that completed (`percentile` of the shared stats). */
function median(values: number[]): number {
  return percentile(values.filter(Number.isFinite), 0.5);
}

async function main(): Promise<void> {
  const modes: Mode[] = [
    { name: `start of the trust issue (${baseCommit})`, environment: {}, serverDirectory: baseServer() },
    { name: "now, as shipped (limits on, no key, moderation off)", environment: {} },
    { name: "now, limits + encryption + moderation rules", environment: { RECALL_ENCRYPTION_KEYS: masterKey, RECALL_MODERATION_RULES: rules } },
  ];
  const fake = await startFakeOllamaProcess({ BENCH_TPS: String(tokensPerSecond), BENCH_TOKENS: String(tokensPerStream) });
  const samples = new Map<string, Array<Awaited<ReturnType<typeof runMode>>>>();
  try {
    for (const level of levels) {
      for (let repeat = 0; repeat < repeats; repeat += 1) {
        for (const mode of modes) {
          const result = await runMode(mode, fake.url, level, fake.collect);
          for (const error of result.errors.slice(0, 3)) console.error(`  ${error}`);
          const key = `${level}\u0000${mode.name}`;
          samples.set(key, [...(samples.get(key) ?? []), result]);
          console.log(`level ${level}, ${mode.name}, run ${repeat + 1}: ${result.cpuMsPerReply.toFixed(2)} ms CPU per reply`);
        }
      }
    }
  } finally {
    fake.child.disconnect();
    await stopProcess(fake.child);
  }

  const rows: Array<Array<string | number>> = [];
  const figures: Record<string, { cpuMsPerReply: number; ttftP50: number; ttftP99: number }> = {};
  for (const level of levels) {
    const baseline = median((samples.get(`${level}\u0000${modes[0]!.name}`) ?? []).map((sample) => sample.cpuMsPerReply));
    for (const mode of modes) {
      const runs = samples.get(`${level}\u0000${mode.name}`) ?? [];
      const cpu = median(runs.map((run) => run.cpuMsPerReply));
      const ttftP50 = median(runs.map((run) => run.ttftP50));
      const ttftP99 = median(runs.map((run) => run.ttftP99));
      figures[`${level} ${mode.name}`] = { cpuMsPerReply: cpu, ttftP50, ttftP99 };
      rows.push([
        level,
        mode.name,
        cpu.toFixed(2),
        mode === modes[0] ? "—" : `${(((cpu - baseline) / baseline) * 100).toFixed(1)}%`,
        `${ttftP50.toFixed(1)} / ${ttftP99.toFixed(1)}`,
        `${runs.reduce((sum, run) => sum + run.complete, 0)}/${runs.reduce((sum, run) => sum + run.streams, 0)}`,
      ]);
    }
  }
  const cipher = [];
  for (const valueBytes of [100, 1000, 10_000]) cipher.push(await measureCipherThroughput({ valueBytes, values: 20_000 }));
  const cipherRows = cipher.map((entry) => [entry.valueBytes.toLocaleString("en"), entry.encryptPerSecond.toLocaleString("en"), entry.decryptPerSecond.toLocaleString("en")]);
  const search = await measureSearchCost();
  const ms = (value: number) => value.toFixed(1);
  const searchRows = [
    ["without a key: SQL LIKE (median of 4 queries)", ms(search.plaintextSqlMs)],
    ["with a key, the user's recall index in memory (median of 20)", ms(search.encryptedWarmMs)],
    ["with a key, first search after a restart or eviction (reads, decrypts and indexes every message)", ms(search.encryptedColdMs)],
    [`… of which reading and decrypting the ${search.messages.toLocaleString("en")} messages`, ms(search.decryptAllMs)],
  ];
  const output = [
    `Trust overhead: ${tokensPerStream}-token replies at ${tokensPerSecond} tokens/s from the fake Ollama, one user per stream, each user warmed by one reply before the measured window, medians of ${repeats} interleaved runs per mode; ${new Date().toISOString().slice(0, 10)}, ${(await import("node:os")).cpus().length} cores, Node ${process.version}.`,
    "",
    markdownTable(["streams", "server", "server CPU ms / reply", "vs start", "TTFT p50 / p99 (ms)", "replies complete"], rows),
    "",
    "Target: under 5% more server CPU per reply with limits, encryption and moderation on than at the start of the issue.",
    "",
    "Field cipher (AES-256-GCM, per-user data key cached), values per second on one core:",
    "",
    markdownTable(["value bytes", "encrypt / s", "decrypt / s"], cipherRows),
    "",
    `Search (\`session.search\`) for one user with ${search.messages.toLocaleString("en")} messages in ${search.chats} chats, SQLite:`,
    "",
    markdownTable(["search", "ms"], searchRows),
    "",
  ].join("\n");
  console.log(`\n${output}`);
  const resultsDir = new URL("./results/", import.meta.url).pathname;
  mkdirSync(resultsDir, { recursive: true });
  const suffix = process.env.BENCH_LEVELS ? ".subset" : "";
  writeFileSync(join(resultsDir, `trust${suffix}.md`), output);
  writeFileSync(join(resultsDir, `trust${suffix}.json`), `${JSON.stringify({ baseCommit, repeats, figures, cipher, search }, null, 2)}\n`);
  if (!suffix) updateReadmeSection("trust", output);
}

await main();
