import type { KeyboardEvent } from "react";

/** What Tab stops on inside a dialog: fields, enabled buttons, links and scrollable regions made focusable. */
const focusableSelector = 'input, select, textarea, a[href], button:not(:disabled), [tabindex="0"]';

/**
 * Keys of a modal dialog: Escape closes it (unless `canClose` is false, e.g. while it saves)
 * and Tab cycles focus among its fields and enabled buttons, never out of it.
 */
export function handleModalKeyDown(event: KeyboardEvent<HTMLElement>, dialog: HTMLElement | null, { canClose, onClose }: { canClose: boolean; onClose: () => void }): void {
  if (event.key === "Escape" && canClose) {
    event.preventDefault();
    onClose();
  } else if (event.key === "Tab") {
    const focusable = [...(dialog?.querySelectorAll<HTMLElement>(focusableSelector) ?? [])];
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
