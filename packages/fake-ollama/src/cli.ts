#!/usr/bin/env -S npx tsx
import { parseArgs } from "node:util";
import { startFakeOllama } from "./index.ts";

const usage = `Usage: fake-ollama [--port 11434] [--host 127.0.0.1] [--tps 0] [--first-token-ms 0] [--reply-tokens 24]
  --tps             tokens per second per stream (0 = as fast as possible)
  --first-token-ms  delay before the first token of every reply
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
  const fake = await startFakeOllama({
    host: values.host ?? "127.0.0.1",
    port: readNumber("port", values.port, 11434),
    tokensPerSecond: readNumber("tps", values.tps, 0),
    firstTokenLatencyMs: readNumber("first-token-ms", values["first-token-ms"], 0),
    replyTokens: readNumber("reply-tokens", values["reply-tokens"], 24),
    // A long-running server must not grow without bound.
    recordRequests: false,
  }).catch((error: unknown) => {
    console.error(`fake-ollama: cannot listen: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
  console.log(fake.url);
  const shutdown = () => void fake.close();
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}
