import { useEffect, useMemo, useState } from "react";
import { CopyButton } from "../components/message-actions.tsx";
// A type-only import: the module itself is fetched by import() below, as its own chunk.
import type * as HighlighterModule from "./highlighter.ts";

type Highlighter = typeof HighlighterModule;

let loadedHighlighter: Highlighter | null = null;
let highlighterLoad: Promise<Highlighter> | null = null;

/** Fetches the highlighter chunk once; every code block shares the one request. */
export function loadHighlighter(): Promise<Highlighter> {
  highlighterLoad ??= import("./highlighter.ts").then(
    (module) => (loadedHighlighter = module),
    (error: unknown) => {
      // A failed chunk (offline, a redeploy) leaves code plain; the next block may try again.
      highlighterLoad = null;
      throw error;
    },
  );
  return highlighterLoad;
}

function useHighlighter(): Highlighter | null {
  const [highlighter, setHighlighter] = useState(loadedHighlighter);
  useEffect(() => {
    if (highlighter) return;
    let mounted = true;
    loadHighlighter().then(
      (module) => mounted && setHighlighter(module),
      () => undefined,
    );
    return () => {
      mounted = false;
    };
  }, [highlighter]);
  return highlighter;
}

export interface CodeBlockProps {
  code: string;
  /** From the fence's info string; empty when it gave none. */
  language: string;
  /** The fence is still open while the reply streams. */
  inProgress: boolean;
}

/**
 * A fenced code block: plain text at once, highlighted when the chunk arrives. Both are the
 * same `pre > code` with the same font and padding, so highlighting never moves the layout.
 */
export function CodeBlock({ code, language, inProgress }: CodeBlockProps) {
  const highlighter = useHighlighter();
  const highlighted = useMemo(() => (highlighter && language ? highlighter.highlightCode(code, language) : null), [highlighter, code, language]);
  return (
    <div className="markdown-code" data-highlighted={highlighted ? "" : undefined} aria-busy={inProgress || undefined}>
      <div className="markdown-code-header">
        <span className="markdown-code-language">{language || "text"}</span>
        <CopyButton text={code} label="Copy code" />
      </div>
      {/* Focusable so a keyboard can scroll long lines (axe: scrollable-region-focusable). */}
      <pre tabIndex={0}>
        <code className={language ? `hljs language-${language}` : "hljs"}>{highlighted ?? code}</code>
      </pre>
    </div>
  );
}
