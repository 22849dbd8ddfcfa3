// The rules of packages/db/README.md, checked: it imports nothing of ours, and
// what the server loads at run time uses only runtime dependencies (the schema
// engine and the introspection helpers are for tests and tooling).
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const sourceDirectory = dirname(fileURLToPath(import.meta.url));
const entryPoints = ["index.ts", "testing.ts", "migrate-cli.ts"];

function importsOf(source: string): string[] {
  return [...source.matchAll(/^\s*(?:import|export)\s(?:[^;"]*?\sfrom\s)?\s*"([^"]+)"/gm)].map((match) => match[1] ?? "");
}

/** Every module reachable from the entry points, with what each imports from outside this package. */
async function reachableModules(): Promise<Map<string, string[]>> {
  const external = new Map<string, string[]>();
  const pending = entryPoints.map((entry) => join(sourceDirectory, entry));
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (external.has(file)) continue;
    const specifiers = importsOf(await readFile(file, "utf8"));
    external.set(
      file,
      specifiers.filter((specifier) => !specifier.startsWith(".")),
    );
    for (const specifier of specifiers) {
      // The generated clients are Prisma's code, with Prisma's own imports.
      if (specifier.startsWith(".") && !specifier.includes("/generated/")) pending.push(resolve(dirname(file), specifier));
    }
  }
  return external;
}

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

describe("packages/db", () => {
  it("imports no other Recall package", async () => {
    for (const [file, specifiers] of await reachableModules()) {
      expect(specifiers.filter((specifier) => specifier.startsWith("@recall/")), file).toEqual([]);
    }
  });

  it("loads only runtime dependencies from its entry points", async () => {
    const manifest = JSON.parse(await readFile(join(sourceDirectory, "..", "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const allowed = new Set(Object.keys(manifest.dependencies));
    for (const [file, specifiers] of await reachableModules()) {
      const outside = specifiers.map(packageName).filter((name) => !name.startsWith("node:") && !allowed.has(name));
      expect(outside, file).toEqual([]);
    }
  });
});
