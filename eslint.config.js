import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Packages at the bottom of the graph import nothing of ours and do no I/O. */
const ioModules = ["node:fs", "node:fs/promises", "node:net", "node:http", "node:child_process", "fs", "net", "http"];
const pureRestrictions = {
  patterns: [
    { group: ["@recall/*"], message: "This package sits at the bottom of the graph and imports nothing of ours." },
    { group: ["@prisma/*", "fastify", "ioredis", "ollama", "@trpc/*", "bullmq", "pg", "better-sqlite3"], message: "No I/O or framework here: take it through a port." },
  ],
  paths: ioModules.map((name) => ({ name, message: "No I/O here: take it through a port." })),
};

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "**/generated/**", "**/.turbo/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  {
    files: ["packages/memory/**/*.ts"],
    rules: { "no-restricted-imports": ["error", pureRestrictions] },
  },
  {
    files: ["packages/schema/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { ...pureRestrictions, patterns: [...pureRestrictions.patterns] },
      ],
    },
  },
  {
    // Document policy (chunking, citations, terms) sits beside the memory engine: no I/O, and of ours only @recall/memory.
    files: ["packages/documents/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@recall/*", "!@recall/memory", "!@recall/memory/*"], message: "Document policy imports only @recall/memory of ours." },
            pureRestrictions.patterns[1],
          ],
          paths: pureRestrictions.paths,
        },
      ],
    },
  },
  {
    // Stores and services throw domain errors (domain-errors.ts); only routers/ and trpc/ speak tRPC.
    files: ["apps/server/src/**/*.ts"],
    ignores: ["apps/server/src/routers/**", "apps/server/src/trpc/**", "apps/server/src/testing/**", "apps/server/src/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [{ name: "@trpc/server", importNames: ["TRPCError"], message: "Throw a domain error (domain-errors.ts); trpc/init.ts maps it to its tRPC code." }],
        },
      ],
    },
  },
  {
    // The saved and the temporary chat stores never know of each other: RoutingChatRepository joins them.
    files: ["apps/server/src/chat/saved-chat-store.ts", "apps/server/src/chat/ephemeral-store.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["./saved-chat-store.ts", "./ephemeral-store.ts", "./routing-chat-repository.ts"], message: "Go through the ChatRepository interface." }] },
      ],
    },
  },
  {
    // The app bundle talks to the server through tRPC only; e2e tests may start the server.
    files: ["apps/web/src/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@recall/server", "@recall/server/*"], allowTypeImports: true, message: "The web app imports only types from the server." },
            { group: ["@recall/db", "@recall/ollama", "@recall/fake-ollama", "@recall/memory"], message: "The web app talks to the server through tRPC only." },
          ],
        },
      ],
    },
  },
);
