import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createScriptedApi, serverError } from "../../testing/scripted-api.tsx";
import { reloadApp } from "../your-data/reload-app.ts";
import { AccountArea } from "./account-area.tsx";

vi.mock("../your-data/reload-app.ts", () => ({ reloadApp: vi.fn() }));

beforeEach(() => {
  vi.mocked(reloadApp).mockReset();
});

function anonymousServer() {
  let login: string | null = null;
  return createScriptedApi({
    "auth.me": () => ({ userId: "u1", login, role: "user", kind: login ? "account" : "anonymous" }),
    "auth.signUp": (input) => {
      const { login: wanted, password } = input as { login: string; password: string };
      if (password.length < 8) throw serverError("BAD_REQUEST", "The password is too short: use at least 8 characters.");
      if (wanted === "taken") throw serverError("CONFLICT", "That username is taken. Choose another, or log in if it is yours.");
      login = wanted;
      return { user: { userId: "u1", login, role: "user", kind: "account" }, tokens: null };
    },
    "auth.logIn": () => {
      throw serverError("UNAUTHORIZED", "Wrong username or password.");
    },
    "auth.logOut": () => ({ loggedOut: true }),
  });
}

function fill(dialog: HTMLElement, label: string, value: string): void {
  fireEvent.change(within(dialog).getByLabelText(label), { target: { value } });
}

describe("the account corner", () => {
  it("signs up from anonymous, saying in words what is wrong first", async () => {
    const api = anonymousServer();
    render(<AccountArea />, { wrapper: api.Providers });
    expect(await screen.findByText(/Not signed in/)).toBeTruthy();

    fireEvent.click(screen.getByRole("button", { name: "Sign up" }));
    const dialog = screen.getByRole("dialog", { name: "Sign up" });
    expect(document.activeElement).toBe(within(dialog).getByLabelText("Username or email"));
    fill(dialog, "Username or email", "ada");
    fill(dialog, "Password", "short");
    fireEvent.click(within(dialog).getByRole("button", { name: "Sign up" }));
    expect((await within(dialog).findByRole("alert")).textContent).toBe("The password is too short: use at least 8 characters.");

    fill(dialog, "Username or email", "taken");
    fill(dialog, "Password", "long enough");
    fireEvent.click(within(dialog).getByRole("button", { name: "Sign up" }));
    await waitFor(() => expect(within(dialog).getByRole("alert").textContent).toMatch(/That username is taken/));

    fill(dialog, "Username or email", "ada");
    fireEvent.click(within(dialog).getByRole("button", { name: "Sign up" }));
    await waitFor(() => expect(screen.getByRole("region", { name: "Account" }).textContent).toContain("Signed in as ada"));
    expect(screen.queryByRole("dialog")).toBeNull();
    // Same user, same chats: no reload.
    expect(reloadApp).not.toHaveBeenCalled();
  });

  it("shows a wrong password on log in, and Escape closes the dialog", async () => {
    const api = anonymousServer();
    render(<AccountArea />, { wrapper: api.Providers });
    fireEvent.click(await screen.findByRole("button", { name: "Log in" }));
    const dialog = screen.getByRole("dialog", { name: "Log in" });
    fill(dialog, "Username or email", "ada");
    fill(dialog, "Password", "nope nope");
    fireEvent.click(within(dialog).getByRole("button", { name: "Log in" }));
    expect((await within(dialog).findByRole("alert")).textContent).toBe("Wrong username or password.");
    fireEvent.keyDown(dialog, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("logs out and starts afresh", async () => {
    const api = createScriptedApi({
      "auth.me": () => ({ userId: "u1", login: "ada", role: "admin", kind: "account" }),
      "auth.logOut": () => ({ loggedOut: true }),
    });
    render(<AccountArea />, { wrapper: api.Providers });
    expect((await screen.findByText(/Signed in as/)).textContent).toContain("ada");
    fireEvent.click(screen.getByRole("button", { name: "Log out" }));
    await waitFor(() => expect(reloadApp).toHaveBeenCalled());
    expect(api.calls.map((call) => call.path)).toContain("auth.logOut");
  });
});

it("says when the session ended elsewhere, and starts again", async () => {
  const api = createScriptedApi({
    "auth.me": () => {
      throw serverError("UNAUTHORIZED", "This session has ended (logged out, password changed or data deleted). Log in again.");
    },
  });
  render(<AccountArea />, { wrapper: api.Providers });
  expect((await screen.findByRole("alert")).textContent).toMatch(/session has ended/);
  fireEvent.click(screen.getByRole("button", { name: "Start again" }));
  expect(reloadApp).toHaveBeenCalled();
});
