#!/usr/bin/env -S npx tsx
import { parseArgs } from "node:util";
import { startFakeOllama } from "./index.ts";

const usage = `Usage: fake-ollama [--port 11434] [--host 127.0.0.1] [--tps 0] [--first-token-ms 0] [--reply-tokens 24]
                   [--parallel 1] [--load-ms 0] [--prefill-tps 0] [--decode-tps 0] [--time-scale 1]
  --tps             tokens per second per stream (0 = as fast as possible)
  --first-token-ms  delay before the first token of every reply
Any of the following turns on the cost model (loads, slots, prompt cache, queue):
  --parallel        slots per model (OLLAMA_NUM_PARALLEL)
  --load-ms         time to load a model
  --prefill-tps     prompt tokens evaluated per second (0 = free)
  --decode-tps      tokens generated per second (default: --tps)
  --time-scale      real ms slept per simulated ms (1 = real time, 0 = never sleep)
Prints the server URL on one line, then serves until SIGINT or SIGTERM.`;

function readNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) {
    console.error(`fake-ollama: --${name} must be a non-negative number, got "${value}"\n${usage}`);
    process.exit(2);
  }
  return parsed;
}

function readArguments() {
  // `pnpm start -- --port 1` passes the "--" through; tolerate it.
  const args = process.argv.slice(2);
  if (args[0] === "--") args.shift();
  try {
    return parseArgs({
      args,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        tps: { type: "string" },
        "first-token-ms": { type: "string" },
        "reply-tokens": { type: "string" },
        parallel: { type: "string" },
        "load-ms": { type: "string" },
        "prefill-tps": { type: "string" },
        "decode-tps": { type: "string" },
        "time-scale": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    console.error(`fake-ollama: ${error instanceof Error ? error.message : String(error)}\n${usage}`);
    process.exit(2);
  }
}

const values = readArguments();

if (values.help) {
  console.log(usage);
} else {
  const costFlags = ["parallel", "load-ms", "prefill-tps", "decode-tps", "time-scale"] as const;
  const cost = costFlags.some((flag) => values[flag] !== undefined)
    ? {
        numParallel: readNumber("parallel", values.parallel, 1),
        loadMs: readNumber("load-ms", values["load-ms"], 0),
        prefillTokensPerSecond: readNumber("prefill-tps", values["prefill-tps"], 0),
        decodeTokensPerSecond: values["decode-tps"] === undefined ? undefined : readNumber("decode-tps", values["decode-tps"], 0),
        timeScale: readNumber("time-scale", values["time-scale"], 1),
      }
    : undefined;
  const fake = await startFakeOllama({
    host: values.host ?? "127.0.0.1",
    port: readNumber("port", values.port, 11434),
    tokensPerSecond: readNumber("tps", values.tps, 0),
    firstTokenLatencyMs: readNumber("first-token-ms", values["first-token-ms"], 0),
    replyTokens: readNumber("reply-tokens", values["reply-tokens"], 24),
    // A long-running server must not grow without bound.
    recordRequests: false,
    cost,
  }).catch((error: unknown) => {
    console.error(`fake-ollama: cannot listen: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
  console.log(fake.url);
  const shutdown = () => void fake.close();
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}
