import type { ReactNode } from "react";

interface ChatHeaderProps {
  title: string;
  /** Phones: the button that opens the chats drawer. */
  menu: { open: boolean; controls: string; onToggle: () => void } | null;
  children?: ReactNode;
}

export function ChatHeader({ title, menu, children }: ChatHeaderProps) {
  return (
    <header className="chat-header">
      {menu && (
        <button
          type="button"
          className="icon-button menu-button"
          aria-label={menu.open ? "Close chats" : "Open chats"}
          aria-expanded={menu.open}
          aria-controls={menu.controls}
          onClick={menu.onToggle}
        >
          ☰
        </button>
      )}
      <h1>{title}</h1>
      <div className="chat-header-tools">{children}</div>
    </header>
  );
}
