export type { AppRouter, RouterInputs, RouterOutputs } from "./router.ts";
export { createRecall, type Recall } from "./create-recall.ts";
export { loadConfig, type RecallConfig } from "./env.ts";
export type { AdminStats } from "./admin/admin-dashboard.ts";
