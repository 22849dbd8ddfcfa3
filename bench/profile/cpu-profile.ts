/**
 * Reads a V8 `.cpuprofile` and says where the CPU went: self time per component over a
 * time window (seconds from the profile's start), so start-up is left out.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Components, first match wins; each names what it stands for in a reply. */
const components: Array<{ name: string; matches: (url: string, functionName: string) => boolean }> = [
  { name: "garbage collection", matches: (_url, name) => name === "(garbage collector)" },
  { name: "socket writes (kernel, one per frame)", matches: (url, name) => url === "" && (name === "writev" || name === "writeBuffer" || name === "writeString" || name === "writeUtf8String") },
  { name: "Prisma client and query compiler", matches: (url) => /@prisma\+client|@prisma\/client|wasm|@prisma\+debug|query_compiler/.test(url) },
  { name: "SQLite (driver adapter, better-sqlite3, statement execution)", matches: (url) => /adapter-better-sqlite3|better-sqlite3|packages\/db\//.test(url) },
  { name: "tRPC (procedures, SSE encoding)", matches: (url) => /@trpc/.test(url) },
  { name: "web streams (tRPC's SSE body, fetch bodies)", matches: (url) => /internal\/webstreams|internal\/encoding/.test(url) || url === "node:internal/webstreams/readablestream" },
  { name: "Ollama client (ollama-js, undici fetch)", matches: (url) => /ollama@|\/ollama\/dist|undici|packages\/ollama\//.test(url) },
  { name: "Fastify and node:http", matches: (url) => /fastify|find-my-way|avvio|light-my-request|@fastify|node:_http|internal\/http|_http_/.test(url) },
  { name: "memory: context assembly and token counting", matches: (url) => /packages\/memory\/|tokenizer|gpt-tokenizer/.test(url) },
  { name: "encryption and hashing", matches: (url, name) => /internal\/crypto/.test(url) || /^(Hmac|Cipheriv|Decipheriv|randomFillSync)$/.test(name) },
  { name: "validation (zod)", matches: (url) => /zod/.test(url) },
  { name: "logging and metrics (pino, prom-client)", matches: (url) => /pino|prom-client|sonic-boom/.test(url) },
  { name: "Recall server code", matches: (url) => /apps\/server\/src|packages\/(schema|documents)\//.test(url) },
  { name: "promises, timers, event loop", matches: (url, name) => name === "runMicrotasks" || /task_queues|internal\/timers|node:events|internal\/process|async_hooks/.test(url) },
  { name: "sockets and streams (node:net, node:stream)", matches: (url) => /node:net|internal\/streams|stream_base_commons|node:stream/.test(url) },
];

export interface ComponentShare {
  name: string;
  share: number;
}

export function profileShares(path: string, window: { fromSeconds: number; toSeconds: number }): { busySeconds: number; shares: ComponentShare[]; top: Array<{ name: string; share: number }> } {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byComponent = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let clock = 0;
  let busy = 0;
  for (let index = 0; index < profile.samples.length; index += 1) {
    const delta = profile.timeDeltas[index] ?? 0;
    clock += delta;
    if (clock < window.fromSeconds * 1e6 || clock > window.toSeconds * 1e6) continue;
    const frame = nodes.get(profile.samples[index]!)!.callFrame;
    if (frame.functionName === "(idle)" || frame.functionName === "(program)") continue;
    busy += delta;
    const component = components.find((candidate) => candidate.matches(frame.url, frame.functionName))?.name ?? "other (Node internals, native)";
    byComponent.set(component, (byComponent.get(component) ?? 0) + delta);
    const name = `${frame.functionName || "(anonymous)"} ${frame.url.split("/").slice(-2).join("/")}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + delta);
  }
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).map(([name, micros]) => ({ name, share: busy > 0 ? micros / busy : 0 }));
  return { busySeconds: busy / 1e6, shares: sorted(byComponent), top: sorted(byFunction).slice(0, 15) };
}
