export { createLimits } from "./create-limits.ts";
export { GenerationQueue, unlimitedSlots, type GenerationSlots } from "./generation-queue.ts";
export { applyServerLimits, registerRequestLimits } from "./http-limits.ts";
export { defaultLimitSettings, relaxedLimitSettings, type LimitSettings, type RateRule } from "./limit-settings.ts";
export { Limits, describeWait, type LimitMetrics } from "./limits.ts";
export { clientAddress, createLimitsMiddleware, withClientAddress } from "./limits-middleware.ts";
export { prismaUsageCounts, type UsageCounts } from "./usage-counts.ts";
