export { collectStream, createClient, startHarness, testConfig, waitFor, type CollectedStream, type Harness, type RecallClient } from "./harness.ts";
export { startRedisProcess, type RedisProcess } from "./redis-process.ts";
export { startServerProcess, type ServerProcess } from "./server-process.ts";
export { startWorkerProcess, type WorkerProcess } from "./worker-process.ts";
// For the benchmarks: the caches exactly as the server uses them.
export { LruCache, type ServerCache } from "../cache/memory-cache.ts";
export { RedisCache } from "../cache/redis-cache.ts";
/** The field cipher's throughput, for the trust benchmark. */
export { measureCipherThroughput } from "../crypto/cipher-throughput.ts";
/** What `session.search` costs a user with many messages, with and without a key, for the trust benchmark. */
export { measureSearchCost } from "../crypto/search-cost.ts";
export { nginxSitePath, renderNginxSite, startNginx, type NginxProcess } from "./nginx-process.ts";
