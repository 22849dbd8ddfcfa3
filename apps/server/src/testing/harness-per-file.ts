import { afterAll, beforeAll, beforeEach } from "vitest";
import { startHarness, type Harness, type RecallClient } from "./harness.ts";

export interface HarnessTestContext {
  harness: Harness;
  client: RecallClient;
  userId: string;
}

/**
 * The set-up most server test files share: one Recall per file, and before each test a fake
 * Ollama with no scripts or records and a fresh user. `assign` hands the file its variables, so
 * test bodies keep their plain names. Vitest only: the benchmarks import harness.ts, not this.
 */
export function harnessPerFile(options: Parameters<typeof startHarness>[0], assign: (context: HarnessTestContext) => void): void {
  let harness: Harness | undefined;
  beforeAll(async () => {
    harness = await startHarness(options);
  });
  afterAll(async () => {
    await harness?.close();
  });
  beforeEach(async () => {
    harness!.fake.reset();
    assign({ harness: harness!, ...(await harness!.newUser()) });
  });
}
