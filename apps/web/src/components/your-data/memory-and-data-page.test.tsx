import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { RouterOutputs } from "../../trpc.ts";
import { downloadFile } from "./download-file.ts";
import { createScriptedApi, serverError } from "../../testing/scripted-api.tsx";
import { MemoryAndDataPage } from "./memory-and-data-page.tsx";
import { reloadApp } from "./reload-app.ts";

vi.mock("./download-file.ts", () => ({ downloadFile: vi.fn() }));
vi.mock("./reload-app.ts", () => ({ reloadApp: vi.fn() }));

type Fact = RouterOutputs["profile"]["list"][number];
type Episode = RouterOutputs["episode"]["list"][number];

const at = "2025-03-01T10:00:00.000Z";
const fact = (id: string, kind: Fact["kind"], value: string, source: Fact["source"] = "pattern"): Fact => ({ id, kind, value, source, createdAt: at, updatedAt: at });

/** A server that keeps its data between calls, so refetches after a mutation see the change. */
function fakeServer(options: { facts?: Fact[]; episodes?: Episode[] } = {}) {
  let facts = [...(options.facts ?? [])];
  let episodes = [...(options.episodes ?? [])];
  let nextId = 1;
  const api = createScriptedApi({
    "profile.list": () => facts,
    "profile.add": (input) => {
      const { kind, value } = input as { kind: Fact["kind"]; value: string };
      const added = fact(`added-${nextId++}`, kind, value, "user");
      facts = [...facts, added];
      return added;
    },
    "profile.update": (input) => {
      const { factId, value } = input as { factId: string; value: string };
      facts = facts.map((item) => (item.id === factId ? { ...item, value, source: "user" } : item));
      return facts.find((item) => item.id === factId);
    },
    "profile.delete": (input) => {
      const { factId } = input as { factId: string };
      facts = facts.filter((item) => item.id !== factId);
      return { factId };
    },
    "episode.list": () => episodes,
    "episode.update": (input) => {
      const { episodeId, summary, facts: episodeFacts } = input as { episodeId: string; summary: string; facts: string[] };
      episodes = episodes.map((item) => (item.id === episodeId ? { ...item, summary, facts: episodeFacts } : item));
      return episodes.find((item) => item.id === episodeId);
    },
    "episode.delete": (input) => {
      const { episodeId } = input as { episodeId: string };
      episodes = episodes.filter((item) => item.id !== episodeId);
      return { episodeId };
    },
    "export.all": (input) => {
      const { format } = input as { format: string };
      return { filename: `recall-export-2025-03-01.${format === "json" ? "json" : "md"}`, mimeType: "application/json", content: "{}" };
    },
    "account.deleteAll": () => ({ deleted: { chats: 2, messages: 8, facts: facts.length, episodes: episodes.length } }),
  });
  return api;
}

let onClose: ReturnType<typeof vi.fn<() => void>>;
beforeEach(() => {
  onClose = vi.fn<() => void>();
  vi.mocked(downloadFile).mockClear();
  vi.mocked(reloadApp).mockClear();
});

function renderPage(api: ReturnType<typeof fakeServer>) {
  return render(<MemoryAndDataPage onClose={onClose} />, { wrapper: api.Providers });
}

const profile = () => screen.getByRole("region", { name: "Profile" });
const episodesRegion = () => screen.getByRole("region", { name: "Episodes" });

describe("MemoryAndDataPage", () => {
  it("is a page with a focused heading and a way back to the chat", async () => {
    renderPage(fakeServer());
    const heading = screen.getByRole("heading", { level: 1, name: "Memory & data" });
    expect(document.activeElement).toBe(heading);
    fireEvent.click(screen.getByRole("button", { name: "Back to chat" }));
    expect(onClose).toHaveBeenCalledTimes(1);
    // Empty states say what these are.
    expect(await within(profile()).findByText(/Recall remembers nothing about you yet/)).toBeTruthy();
    expect(await within(episodesRegion()).findByText(/No episodes yet\. When a chat ends/)).toBeTruthy();
  });

  it("groups profile facts by kind and edits one inline: Enter saves, Escape cancels", async () => {
    const api = fakeServer({ facts: [fact("f1", "name", "Ada"), fact("f2", "interest", "sourdough", "model"), fact("f3", "interest", "chess", "user")] });
    renderPage(api);
    await within(profile()).findByText("Ada");
    expect(within(profile()).getAllByRole("heading", { level: 4 }).map((heading) => heading.textContent)).toEqual(["Name", "Interests"]);
    expect(within(profile()).getByText("noticed by the model")).toBeTruthy();

    fireEvent.click(screen.getByRole("button", { name: "Edit name “Ada”" }));
    const input = screen.getByRole("textbox", { name: "Edit name" });
    expect(document.activeElement).toBe(input);
    fireEvent.change(input, { target: { value: "Grace" } });
    fireEvent.keyDown(input, { key: "Escape" });
    expect(screen.queryByRole("textbox", { name: "Edit name" })).toBeNull();
    expect(api.callsTo("profile.update")).toEqual([]);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("button", { name: "Edit name “Ada”" })));

    fireEvent.click(screen.getByRole("button", { name: "Edit name “Ada”" }));
    fireEvent.change(screen.getByRole("textbox", { name: "Edit name" }), { target: { value: "  Ada Lovelace " } });
    fireEvent.keyDown(screen.getByRole("textbox", { name: "Edit name" }), { key: "Enter" });
    expect(await within(profile()).findByText("Ada Lovelace")).toBeTruthy();
    expect(api.callsTo("profile.update")).toEqual([{ factId: "f1", value: "Ada Lovelace" }]);
    expect(screen.queryByRole("textbox", { name: "Edit name" })).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("button", { name: "Edit name “Ada Lovelace”" })));
  });

  it("shows the server's refusal next to the fact being edited, keeping what was typed", async () => {
    // The fact was deleted elsewhere (another tab) meanwhile.
    const api = createScriptedApi({
      "profile.list": () => [fact("f1", "name", "Ada")],
      "episode.list": () => [],
      "profile.update": () => Promise.reject(serverError("NOT_FOUND", "That remembered fact does not exist or is not yours.")),
    });
    render(<MemoryAndDataPage onClose={onClose} />, { wrapper: api.Providers });
    fireEvent.click(await screen.findByRole("button", { name: "Edit name “Ada”" }));
    fireEvent.change(screen.getByRole("textbox", { name: "Edit name" }), { target: { value: "Grace" } });
    fireEvent.click(within(profile()).getByRole("button", { name: "Save" }));
    expect((await within(profile()).findByRole("alert")).textContent).toBe("That remembered fact does not exist or is not yours.");
    expect((screen.getByRole("textbox", { name: "Edit name" }) as HTMLInputElement).value).toBe("Grace");
  });

  it("deletes a fact and adds one of a chosen kind", async () => {
    const api = fakeServer({ facts: [fact("f1", "name", "Ada"), fact("f2", "location", "Lisbon")] });
    renderPage(api);
    fireEvent.click(await screen.findByRole("button", { name: "Delete location “Lisbon”" }));
    await waitFor(() => expect(within(profile()).queryByText("Lisbon")).toBeNull());
    expect(api.callsTo("profile.delete")).toEqual([{ factId: "f2" }]);
    await waitFor(() => expect(document.activeElement).toBe(within(profile()).getByRole("heading", { level: 3, name: "Profile" })));

    const form = screen.getByRole("form", { name: "Add a fact" });
    const add = within(form).getByRole("button", { name: "Add fact" });
    expect((add as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(within(form).getByRole("combobox", { name: "Kind" }), { target: { value: "preference" } });
    fireEvent.change(within(form).getByRole("textbox", { name: "Fact" }), { target: { value: " metric units " } });
    fireEvent.click(add);
    expect(await within(profile()).findByText("metric units")).toBeTruthy();
    expect(api.callsTo("profile.add")).toEqual([{ kind: "preference", value: "metric units" }]);
    expect(within(profile()).getByRole("heading", { level: 4, name: "Preferences" })).toBeTruthy();
    expect((within(form).getByRole("textbox", { name: "Fact" }) as HTMLInputElement).value).toBe("");
  });

  it("edits an episode's summary and facts, and deletes it", async () => {
    const episode: Episode = {
      id: "e1",
      sessionId: "s1",
      sessionTitle: "Trip to Lisbon",
      summary: "The user planned a trip to Lisbon.",
      facts: ["Flies on March 14"],
      createdAt: at,
    };
    const api = fakeServer({ episodes: [episode] });
    renderPage(api);
    const item = await within(episodesRegion()).findByRole("listitem", { name: "Trip to Lisbon" });
    expect(item.textContent).toContain("The user planned a trip to Lisbon.");
    expect(within(item).getByRole("list", { name: "Key facts" }).textContent).toBe("Flies on March 14");
    expect(within(item).getByText((_, element) => element?.tagName === "TIME").getAttribute("datetime")).toBe(at);

    fireEvent.click(within(item).getByRole("button", { name: "Edit episode “Trip to Lisbon”" }));
    const summary = within(item).getByRole("textbox", { name: "Summary" });
    expect(document.activeElement).toBe(summary);
    fireEvent.change(summary, { target: { value: "" } });
    expect(within(item).getByRole("alert").textContent).toMatch(/needs a summary/);
    expect((within(item).getByRole("button", { name: "Save" }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(summary, { target: { value: "The user planned a trip to Porto." } });
    fireEvent.change(within(item).getByRole("textbox", { name: "Key facts" }), { target: { value: " Sails on May 2 \n\n Likes ferries" } });
    fireEvent.click(within(item).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(item.textContent).toContain("The user planned a trip to Porto."));
    expect(api.callsTo("episode.update")).toEqual([{ episodeId: "e1", summary: "The user planned a trip to Porto.", facts: ["Sails on May 2", "Likes ferries"] }]);

    fireEvent.click(within(item).getByRole("button", { name: "Delete episode “Trip to Lisbon”" }));
    expect(await within(episodesRegion()).findByText(/No episodes yet/)).toBeTruthy();
    expect(api.callsTo("episode.delete")).toEqual([{ episodeId: "e1" }]);
    expect(document.activeElement).toBe(within(episodesRegion()).getByRole("heading", { level: 3, name: "Episodes" }));
  });

  it("exports all chats as Markdown or JSON", async () => {
    const api = fakeServer();
    renderPage(api);
    fireEvent.click(screen.getByRole("button", { name: "Export all as JSON" }));
    await waitFor(() => expect(downloadFile).toHaveBeenCalledTimes(1));
    expect(vi.mocked(downloadFile).mock.calls[0]?.[0]).toEqual({ filename: "recall-export-2025-03-01.json", mimeType: "application/json", content: "{}" });
    fireEvent.click(screen.getByRole("button", { name: "Export all as Markdown" }));
    await waitFor(() => expect(downloadFile).toHaveBeenCalledTimes(2));
    expect(api.callsTo("export.all")).toEqual([{ format: "json" }, { format: "markdown" }]);
  });

  it("deletes everything only after the user types the phrase, then starts afresh", async () => {
    const api = fakeServer({ facts: [fact("f1", "name", "Ada")] });
    renderPage(api);
    await screen.findByText("Ada");
    const trigger = screen.getByRole("button", { name: "Delete everything Recall holds about me" });

    fireEvent.click(trigger);
    let dialog = screen.getByRole("alertdialog", { name: "Delete everything Recall holds about you?" });
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    const input = within(dialog).getByRole("textbox", { name: "Type delete my data to confirm" });
    expect(document.activeElement).toBe(input);
    fireEvent.keyDown(input, { key: "Escape" });
    expect(screen.queryByRole("alertdialog")).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(trigger));

    fireEvent.click(trigger);
    dialog = screen.getByRole("alertdialog");
    const confirm = within(dialog).getByRole("button", { name: "Delete everything" }) as HTMLButtonElement;
    fireEvent.change(within(dialog).getByRole("textbox"), { target: { value: "delete my dat" } });
    expect(confirm.disabled).toBe(true);
    fireEvent.change(within(dialog).getByRole("textbox"), { target: { value: "delete my data" } });
    expect(confirm.disabled).toBe(false);
    await act(async () => {
      fireEvent.click(confirm);
    });
    await waitFor(() => expect(reloadApp).toHaveBeenCalledTimes(1));
    expect(api.callsTo("account.deleteAll")).toEqual([{ confirm: "delete my data" }]);
    expect(api.queryClient.getQueryCache().getAll()).toEqual([]);
  });

  it("keeps the dialog open with the reason when deletion fails", async () => {
    const api = createScriptedApi({
      "profile.list": () => [],
      "episode.list": () => [],
      "account.deleteAll": () => Promise.reject(serverError("INTERNAL_SERVER_ERROR", "The database is unreachable. Try again.")),
    });
    render(<MemoryAndDataPage onClose={onClose} />, { wrapper: api.Providers });
    fireEvent.click(screen.getByRole("button", { name: "Delete everything Recall holds about me" }));
    const dialog = screen.getByRole("alertdialog");
    fireEvent.change(within(dialog).getByRole("textbox"), { target: { value: "delete my data" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Delete everything" }));
    expect((await within(dialog).findByRole("alert")).textContent).toBe("The database is unreachable. Try again.");
    expect(reloadApp).not.toHaveBeenCalled();
  });
});
