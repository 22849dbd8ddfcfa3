import { defineConfig } from "vitest/config";

/** Browser tests: the built app, the real server (demo mode) and Debian's Chromium. */
export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
