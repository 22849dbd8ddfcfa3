import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // A zone with a half-hour offset, so any DateTime that goes through local time shows up as wrong.
    env: { TZ: "America/St_Johns" },
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
