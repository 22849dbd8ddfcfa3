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
    rolldownOptions: {
      treeshake: {
        // @recall/schema's modules only declare schemas; saying so lets the bundle keep `limits`
        // and drop zod. Drop this once packages/schema declares `"sideEffects": false` itself.
        moduleSideEffects: [{ test: /[\\/]packages[\\/]schema[\\/]src[\\/]/, sideEffects: false }],
      },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["./src/test-setup.ts"],
  },
});
