import type { KeyboardEvent } from "react";

/**
 * Keys of a modal dialog: Escape closes it (unless `canClose` is false, e.g. while it saves)
 * and Tab cycles focus among its fields and enabled buttons, never out of it.
 */
export function handleModalKeyDown(event: KeyboardEvent<HTMLElement>, dialog: HTMLElement | null, { canClose, onClose }: { canClose: boolean; onClose: () => void }): void {
  if (event.key === "Escape" && canClose) {
    event.preventDefault();
    onClose();
  } else if (event.key === "Tab") {
    const focusable = [...(dialog?.querySelectorAll<HTMLElement>("input, button:not(:disabled)") ?? [])];
    const first = focusable[0];
    const last = focusable.at(-1);
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last?.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first?.focus();
    }
  }
}
