import { defineConfig } from "vitest/config";

/** Browser tests: the built app, the real server (demo mode) and Debian's Chromium. */
export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    // A browser, the server and the demo model share 2 cores in CI: what takes 300 ms on an idle
    // machine took over vitest's 1 s default there. Waiting longer changes no assertion.
    expect: { poll: { timeout: 5_000 } },
  },
});
