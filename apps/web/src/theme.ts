import { useSyncExternalStore } from "react";

export type ThemeChoice = "system" | "light" | "dark";

const storageKey = "recall-theme";
const listeners = new Set<() => void>();

function isThemeChoice(value: unknown): value is ThemeChoice {
  return value === "system" || value === "light" || value === "dark";
}

export function readTheme(): ThemeChoice {
  try {
    const stored = window.localStorage.getItem(storageKey);
    return isThemeChoice(stored) ? stored : "system";
  } catch {
    // Storage can be off (private windows, policies): the system theme still works.
    return "system";
  }
}

/** `data-theme` on <html> sets color-scheme, which every light-dark() colour follows; none means the system's. */
export function applyTheme(choice: ThemeChoice = readTheme()): void {
  const root = document.documentElement;
  if (choice === "system") delete root.dataset.theme;
  else root.dataset.theme = choice;
}

export function writeTheme(choice: ThemeChoice): void {
  try {
    if (choice === "system") window.localStorage.removeItem(storageKey);
    else window.localStorage.setItem(storageKey, choice);
  } catch {
    // Not remembered across reloads, but applied now.
  }
  applyTheme(choice);
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useTheme(): [ThemeChoice, (choice: ThemeChoice) => void] {
  return [useSyncExternalStore(subscribe, readTheme), writeTheme];
}
