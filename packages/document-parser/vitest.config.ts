import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Real worker threads parsing real files, some of them hundreds of pages.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Several tests measure this process's memory: other files' workers would blur it.
    fileParallelism: false,
  },
});
