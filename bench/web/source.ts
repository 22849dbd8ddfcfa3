import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The code a web benchmark builds and serves: the last commit, or the working tree as it is. */
export interface Source {
  root: string;
  description: string;
  cleanUp(): void;
}

const repositoryRoot = new URL("../..", import.meta.url).pathname;

function git(...parameters: string[]): string {
  return execFileSync("git", parameters, { cwd: repositoryRoot, encoding: "utf8" }).trim();
}

/**
 * A commit (HEAD by default) as files in a temporary directory: what has landed, whatever others are editing.
 * Each package's node_modules is copied as the relative symlinks pnpm made, so they resolve
 * into the repository's store; Prisma's generated client is not in git and is copied too.
 */
export function exportRevision(revision = "HEAD"): Source {
  const commit = git("rev-parse", "--verify", `${revision}^{commit}`);
  const root = mkdtempSync(join(tmpdir(), "recall-web-source-"));
  try {
    execFileSync("sh", ["-c", `git archive ${commit} | tar -x -C "${root}"`], { cwd: repositoryRoot });
    symlinkSync(join(repositoryRoot, "node_modules"), join(root, "node_modules"));
    for (const folder of ["apps", "packages"]) {
      for (const name of readdirSync(join(root, folder))) {
        const modules = join(repositoryRoot, folder, name, "node_modules");
        if (!existsSync(modules)) continue;
        // Vite's caches belong to the working tree's builds.
        cpSync(modules, join(root, folder, name, "node_modules"), { recursive: true, verbatimSymlinks: true, filter: (path) => !/\/\.vite/.test(path) });
      }
    }
    if (readFileSync(join(root, "prisma/schema.prisma"), "utf8") !== readFileSync(join(repositoryRoot, "prisma/schema.prisma"), "utf8")) {
      throw new Error(`prisma/schema.prisma in the working tree differs from ${revision}, so its generated client does not fit; measure the working tree (BENCH_WEB_SOURCE=working-tree) instead.`);
    }
    for (const generated of ["packages/db/src/generated", "prisma/generated"]) cpSync(join(repositoryRoot, generated), join(root, generated), { recursive: true });
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return { root, description: `commit ${commit.slice(0, 7)} (${revision})`, cleanUp: () => rmSync(root, { recursive: true, force: true }) };
}

export function workingTree(): Source {
  const changed = git("status", "--porcelain", "--", "apps", "packages").split("\n").filter(Boolean);
  return {
    root: repositoryRoot,
    description: `the working tree at ${git("rev-parse", "--short", "HEAD")} (${changed.length} paths under apps/ and packages/ changed or untracked)`,
    cleanUp: () => undefined,
  };
}
