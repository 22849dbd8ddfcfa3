import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServerProcess, type ServerProcess } from "@recall/server/testing";

/** The real server in demo mode (the built-in fake Ollama), serving the freshly built app. */
export function startRecallServer(): Promise<ServerProcess> {
  return startServerProcess({
    RECALL_DEMO_FAKE_OLLAMA: "1",
    RECALL_DATA_DIR: mkdtempSync(join(tmpdir(), "recall-e2e-")),
    RECALL_WEB_DIST: new URL("../dist", import.meta.url).pathname,
  });
}
