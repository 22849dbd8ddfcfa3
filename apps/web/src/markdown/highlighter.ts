/**
 * Syntax highlighting. Only ever loaded through `import()` (see code-block.tsx), so lowlight and
 * its grammars are a chunk of their own, fetched when the first code block shows up.
 */
import { toJsxRuntime } from "hast-util-to-jsx-runtime";
import { common, createLowlight } from "lowlight";
import type { ReactNode } from "react";
import { Fragment, jsx, jsxs } from "react/jsx-runtime";

// `common`: the ~35 languages highlight.js calls common (shell, JS/TS, Python, Go, Rust, SQL, …).
const lowlight = createLowlight(common);

/**
 * React elements for highlighted code, or null for a language it does not know. The tree holds
 * only `span`s with `hljs-*` classes and the code as text nodes: no HTML is ever parsed.
 */
export function highlightCode(code: string, language: string): ReactNode | null {
  if (!lowlight.registered(language)) return null;
  return toJsxRuntime(lowlight.highlight(language, code), { Fragment, jsx, jsxs });
}
