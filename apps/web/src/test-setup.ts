import { cleanup } from "@testing-library/react";
import { beforeEach } from "vitest";

// Tests run without vitest globals, so Testing Library cannot register its own cleanup.
beforeEach(() => {
  cleanup();
  window.history.replaceState(null, "", "/");
});
