import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

export interface BuiltFile {
  file: string;
  rawBytes: number;
  gzipBytes: number;
  kind: "JS" | "CSS";
  loading: "initial" | "lazy";
}

/** `vite build` of apps/web under `sourceRoot` into `outDir`, never into apps/web/dist (others serve it). */
export function buildApp(sourceRoot: string, outDir: string): Promise<void> {
  const webRoot = join(sourceRoot, "apps/web");
  const parameters = [join(webRoot, "node_modules/vite/bin/vite.js"), "build", "--outDir", outDir, "--emptyOutDir"];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, parameters, { cwd: webRoot, stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`vite build in ${webRoot} exited with ${code}`))));
  });
}

function tagAttributes(html: string, tag: string): Array<Record<string, string>> {
  return [...html.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, "gi"))].map((match) =>
    Object.fromEntries(
      [...match[1]!.matchAll(/([\w:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)].map((attribute) => [attribute[1]!.toLowerCase(), attribute[2] ?? attribute[3] ?? attribute[4] ?? ""]),
    ),
  );
}

/** What index.html makes the browser fetch before the app runs: the entry module, its preloads and the style sheets. */
function initialAssets(buildDirectory: string): Set<string> {
  const html = readFileSync(join(buildDirectory, "index.html"), "utf8");
  const scripts = tagAttributes(html, "script").filter((attributes) => attributes.type === "module" && attributes.src);
  const links = tagAttributes(html, "link").filter((attributes) => /\b(modulepreload|stylesheet)\b/.test(attributes.rel ?? "") && attributes.href);
  if (scripts.length === 0) throw new Error('The built index.html has no <script type="module" src>.');
  const paths = [...scripts.map((attributes) => attributes.src!), ...links.map((attributes) => attributes.href!)];
  for (const path of paths) if (/^[a-z]+:/i.test(path)) throw new Error(`index.html loads ${path} from elsewhere; it cannot be measured here.`);
  return new Set(paths.map((path) => path.replace(/^\.?\//, "")));
}

/** Every JS and CSS file of the build, raw and gzipped at level 9, initial (index.html loads it) or lazy. */
export function measureBuild(buildDirectory: string): BuiltFile[] {
  const initial = initialAssets(buildDirectory);
  const files = readdirSync(buildDirectory, { recursive: true, encoding: "utf8" })
    .filter((path) => /\.(m?js|css)$/.test(path) && statSync(join(buildDirectory, path)).isFile())
    .map((path): BuiltFile => {
      const content = readFileSync(join(buildDirectory, path));
      return {
        file: path,
        rawBytes: content.length,
        gzipBytes: gzipSync(content, { level: 9 }).length,
        kind: path.endsWith(".css") ? "CSS" : "JS",
        loading: initial.has(path) ? "initial" : "lazy",
      };
    });
  for (const path of initial) if (!files.some((file) => file.file === path)) throw new Error(`index.html loads ${path}, which the build did not write.`);
  return files.sort((left, right) => left.kind.localeCompare(right.kind) || left.loading.localeCompare(right.loading) || right.gzipBytes - left.gzipBytes);
}
