import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

/** Where `pnpm --filter @recall/server dev` listens; the built app is served by that server itself. */
const apiOrigin = "http://127.0.0.1:3000";

export default defineConfig({
  plugins: [react()],
  server: {
    // Same-origin /trpc in dev as in production, so the auth cookie and SSE need no CORS.
    proxy: { "/trpc": { target: apiOrigin, changeOrigin: true } },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["./src/test-setup.ts"],
  },
});
