import { shortcutList } from "../hooks/use-keyboard-shortcuts.ts";

export function ShortcutHelp() {
  return (
    <details className="shortcut-help">
      <summary>Keyboard shortcuts</summary>
      <dl>
        {shortcutList.map((shortcut) => (
          <div key={shortcut.keys}>
            <dt>
              <kbd>{shortcut.keys}</kbd>
            </dt>
            <dd>{shortcut.does}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
