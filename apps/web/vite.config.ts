import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

/** Where `pnpm --filter @recall/server dev` listens; the built app is served by that server itself. */
const apiOrigin = "http://127.0.0.1:3000";

export default defineConfig({
  plugins: [react()],
  server: {
    // Same-origin /trpc in dev as in production, so the auth cookies and SSE need no CORS.
    // The server accepts changes from its own origin only (Sec-Fetch-Site, else Origin): a
    // browser that sends only Origin names this dev server's, which the proxy translates.
    proxy: {
      "/trpc": {
        target: apiOrigin,
        changeOrigin: true,
        configure: (proxy) =>
          proxy.on("proxyReq", (proxyRequest, request) => {
            if (request.headers.origin === `http://${request.headers.host}`) proxyRequest.setHeader("origin", apiOrigin);
          }),
      },
    },
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
