import { useEffect, useRef } from "react";

export interface ShortcutHandlers {
  newChat: () => void;
  focusInput: () => void;
  focusSearch: () => void;
  /** Only while a reply is being written. */
  stop: (() => void) | null;
}

/** The shortcuts, as the help list shows them. */
export const shortcutList = [
  { keys: "Ctrl+Shift+O", does: "New chat" },
  { keys: "Shift+Esc", does: "Focus the message box" },
  { keys: "Ctrl+K", does: "Search chats" },
  { keys: "Esc", does: "Stop the reply being written" },
  { keys: "Enter", does: "Send" },
  { keys: "Shift+Enter", does: "New line" },
] as const;

/** ChatGPT's shortcuts (⌘ on a Mac works wherever Ctrl does). */
export function useKeyboardShortcuts(handlers: ShortcutHandlers): void {
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    function handleKeyDown(event: KeyboardEvent) {
      // Someone closer to the focus (an edit box, a dialog) already used the key.
      if (event.defaultPrevented || event.isComposing) return;
      const command = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      const { newChat, focusInput, focusSearch, stop } = latest.current;
      if (command && event.shiftKey && key === "o") {
        event.preventDefault();
        newChat();
      } else if (command && !event.shiftKey && key === "k") {
        event.preventDefault();
        focusSearch();
      } else if (event.shiftKey && key === "escape") {
        event.preventDefault();
        focusInput();
      } else if (key === "escape" && stop && !document.querySelector("[role=dialog], [role=alertdialog]")) {
        event.preventDefault();
        stop();
      }
    }
    window.addEventListener("keydown", handleKeyDown);
    return () => window.removeEventListener("keydown", handleKeyDown);
  }, []);
}
