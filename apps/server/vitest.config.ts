import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Each file starts real servers and databases; two cores run them best one at a time.
    fileParallelism: false,
  },
});
