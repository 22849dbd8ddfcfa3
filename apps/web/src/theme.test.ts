import { afterEach, describe, expect, it } from "vitest";
import { applyTheme, readTheme, writeTheme } from "./theme.ts";

afterEach(() => {
  window.localStorage.clear();
  applyTheme("system");
});

describe("theme", () => {
  it("follows the system until a theme is picked, and remembers the pick", () => {
    expect(readTheme()).toBe("system");
    applyTheme();
    expect(document.documentElement.dataset.theme).toBeUndefined();
    writeTheme("dark");
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(readTheme()).toBe("dark");
    writeTheme("system");
    expect(document.documentElement.dataset.theme).toBeUndefined();
    expect(window.localStorage.getItem("recall-theme")).toBeNull();
  });

  it("ignores a stored value it does not know", () => {
    window.localStorage.setItem("recall-theme", "sepia");
    expect(readTheme()).toBe("system");
  });
});
