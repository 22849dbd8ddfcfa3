import { useEffect, useState } from "react";

/** ChatGPT's "‹ 2 / 3 ›" between versions of a message (edits or regenerated replies). */
export function VersionSwitcher({ versions, index, onSelect }: { versions: string[]; index: number; onSelect: (messageId: string) => void }) {
  if (versions.length < 2) return null;
  const previous = versions[index - 1];
  const next = versions[index + 1];
  return (
    <span className="version-switcher" role="group" aria-label="Versions">
      <button type="button" className="icon-button" aria-label="Previous version" disabled={!previous} onClick={() => previous && onSelect(previous)}>
        ‹
      </button>
      <span aria-live="polite">
        {index + 1} / {versions.length}
      </span>
      <button type="button" className="icon-button" aria-label="Next version" disabled={!next} onClick={() => next && onSelect(next)}>
        ›
      </button>
    </span>
  );
}

/** Copies text and says so for two seconds; says why when the browser refuses. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 2000);
    return () => clearTimeout(timer);
  }, [state]);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      setState("failed");
    }
  }
  return (
    <button type="button" className="action-button" aria-label={label} onClick={() => void copy()}>
      {state === "copied" ? "Copied" : state === "failed" ? "Copy failed" : "Copy"}
    </button>
  );
}
