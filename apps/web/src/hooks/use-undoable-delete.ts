import { useEffect, useRef, useState } from "react";
import type { ChatSession } from "../trpc.ts";

export const undoWindowMs = 6000;

/**
 * Deleting a chat hides it at once and deletes it for real only after the undo window, so
 * a slip costs one click. A second delete commits the first one straight away.
 */
export function useUndoableDelete(commit: (session: ChatSession) => void) {
  const [pending, setPending] = useState<ChatSession | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const latestCommit = useRef(commit);
  latestCommit.current = commit;

  function clear() {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
  }

  function remove(session: ChatSession) {
    if (pending) latestCommit.current(pending);
    clear();
    setPending(session);
    timer.current = setTimeout(() => {
      timer.current = null;
      setPending(null);
      latestCommit.current(session);
    }, undoWindowMs);
  }

  function undo() {
    clear();
    setPending(null);
  }

  useEffect(() => clear, []);
  return { pending, remove, undo };
}
