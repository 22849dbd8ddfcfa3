import { useId } from "react";
import { useTheme, type ThemeChoice } from "../theme.ts";

const choices: { value: ThemeChoice; label: string }[] = [
  { value: "system", label: "System" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];

export function ThemePicker() {
  const [theme, setTheme] = useTheme();
  const selectId = useId();
  return (
    <div className="theme-picker">
      <label htmlFor={selectId}>Theme</label>
      <select id={selectId} value={theme} onChange={(event) => setTheme(event.target.value as ThemeChoice)}>
        {choices.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
    </div>
  );
}
