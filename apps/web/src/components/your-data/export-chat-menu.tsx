import type { ExportFormat } from "@recall/schema";
import { useEffect, useId, useRef, useState } from "react";
import type { KeyboardEvent } from "react";
import { describeError } from "../../error-message.ts";
import { formatLabels, useExportChat } from "./use-export.ts";
import "./your-data.css";

const formats: ExportFormat[] = ["markdown", "json"];

/** "Export" in the chat header: the open chat as Markdown (to read) or JSON (every branch). */
export function ExportChatMenu({ sessionId }: { sessionId: string }) {
  const [open, setOpen] = useState(false);
  const exporting = useExportChat(sessionId);
  const menuId = useId();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const { reset } = exporting;

  // Another chat: the last export's error was about the previous one.
  useEffect(() => reset(), [sessionId, reset]);

  useEffect(() => {
    if (!open) return;
    menuRef.current?.querySelector<HTMLButtonElement>("[role=menuitem]")?.focus();
    const closeOnOutsideClick = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!menuRef.current?.contains(target) && !buttonRef.current?.contains(target)) setOpen(false);
    };
    document.addEventListener("pointerdown", closeOnOutsideClick);
    return () => document.removeEventListener("pointerdown", closeOnOutsideClick);
  }, [open]);

  function close() {
    setOpen(false);
    buttonRef.current?.focus();
  }

  function choose(format: ExportFormat) {
    close();
    exporting.mutate(format);
  }

  function handleMenuKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const items = [...(menuRef.current?.querySelectorAll<HTMLButtonElement>("[role=menuitem]") ?? [])];
    const current = items.indexOf(document.activeElement as HTMLButtonElement);
    if (event.key === "Escape" || event.key === "Tab") {
      if (event.key === "Escape") event.preventDefault();
      close();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      items[(current + step + items.length) % items.length]?.focus();
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      (event.key === "Home" ? items[0] : items.at(-1))?.focus();
    }
  }

  return (
    <div className="export-chat">
      <button
        ref={buttonRef}
        type="button"
        className="button-secondary export-chat-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        disabled={exporting.isPending}
        onClick={() => setOpen((wasOpen) => !wasOpen)}
      >
        {exporting.isPending ? "Exporting…" : "Export"}
      </button>
      {open && (
        <div ref={menuRef} id={menuId} role="menu" aria-label="Export this chat as" className="export-chat-menu" onKeyDown={handleMenuKeyDown}>
          {formats.map((format) => (
            <button key={format} type="button" role="menuitem" tabIndex={-1} onClick={() => choose(format)}>
              {formatLabels[format]}
            </button>
          ))}
        </div>
      )}
      {exporting.isError && (
        <p className="export-chat-error" role="alert">
          Export failed: {describeError(exporting.error)}
        </p>
      )}
    </div>
  );
}
