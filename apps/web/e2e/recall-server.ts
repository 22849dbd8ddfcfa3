import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeOllama, type ChatRequestInfo, type ChatScript, type FakeOllama } from "@recall/fake-ollama";
import { startServerProcess, type ServerProcess } from "@recall/server/testing";

/** The built app: `vite build` writes it here; RECALL_E2E_WEB_DIST points at another build. */
export const webDist = process.env.RECALL_E2E_WEB_DIST ?? new URL("../dist", import.meta.url).pathname;

export interface RecallServerOptions {
  /**
   * A fake Ollama this test controls (startFakeOllama from @recall/fake-ollama, scripted per
   * request). Without it the server runs in demo mode with its built-in fake.
   */
  ollamaUrl?: string;
  environment?: Record<string, string>;
}

/** The real server as its own process, on a fresh SQLite file, serving the freshly built app. */
export function startRecallServer(options: RecallServerOptions = {}): Promise<ServerProcess> {
  return startServerProcess({
    ...(options.ollamaUrl ? { OLLAMA_URL: options.ollamaUrl, RECALL_DEMO_FAKE_OLLAMA: "0" } : { RECALL_DEMO_FAKE_OLLAMA: "1" }),
    RECALL_DATA_DIR: mkdtempSync(join(tmpdir(), "recall-e2e-")),
    RECALL_WEB_DIST: webDist,
    ...options.environment,
  });
}

export interface ScriptedRecall {
  fake: FakeOllama;
  server: ServerProcess;
  stop(): Promise<void>;
}

/**
 * The real server against a fake Ollama whose chat replies the test writes. Summaries and
 * episodes (requests for JSON) keep the fake's default answers.
 */
export async function startScriptedRecall(
  reply: (request: ChatRequestInfo) => ChatScript | undefined,
  tokensPerSecond: number,
  environment: Record<string, string> = {},
): Promise<ScriptedRecall> {
  const fake = await startFakeOllama({ tokensPerSecond, reply: (request) => (request.format ? undefined : reply(request)) });
  const server = await startRecallServer({ ollamaUrl: fake.url, environment });
  return {
    fake,
    server,
    stop: async () => {
      await server.stop();
      await fake.close();
    },
  };
}
