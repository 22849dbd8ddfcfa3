export { collectStream, createClient, startHarness, testConfig, waitFor, type CollectedStream, type Harness, type RecallClient } from "./harness.ts";
export { startServerProcess, type ServerProcess } from "./server-process.ts";
