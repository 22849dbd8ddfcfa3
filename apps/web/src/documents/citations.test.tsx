import { fireEvent, render, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { MessageItem } from "../components/message-item.tsx";
import type { MessageItemProps } from "../components/message-item.tsx";
import { createScriptedApi } from "../testing/scripted-api.tsx";
import { threadInput } from "../trpc.ts";
import type { ChatMessage, DocumentSources } from "../trpc.ts";
import { citation } from "./testing/document-fixtures.ts";

let api: ReturnType<typeof createScriptedApi>;

beforeEach(() => {
  api = createScriptedApi({
    "document.passage": (input) => {
      const { chunkId } = input as { chunkId: string };
      return {
        chunkId,
        documentId: "doc-1",
        documentName: "report.pdf",
        pageStart: 3,
        pageEnd: 4,
        section: "Revenue > Europe",
        text: `Revenue in Europe grew by 12% (${chunkId}).`,
      };
    },
  });
});

function reply(content: string, sources: DocumentSources | null): ChatMessage {
  return {
    id: "reply-1",
    sessionId: "chat-1",
    parentId: "question-1",
    role: "assistant",
    content,
    status: "complete",
    model: "llama3.2",
    promptTokens: 10,
    completionTokens: 20,
    sources,
    error: null,
    createdAt: "2025-03-01T10:00:00.000Z",
    updatedAt: "2025-03-01T10:00:00.000Z",
  };
}

function renderReply(message: ChatMessage) {
  api.queryClient.setQueryData(api.trpc.message.thread.queryKey(threadInput(message.sessionId)), { messages: [message], truncated: false });
  const props: MessageItemProps = {
    entry: { message, versions: [message.id], versionIndex: 0 },
    busy: false,
    isLastReply: true,
    onSelectVersion: vi.fn(),
    onEdit: vi.fn(async () => true),
    onRegenerate: vi.fn(),
  };
  return render(<MessageItem {...props} />, { wrapper: api.Providers });
}

const sources: DocumentSources = {
  nothingRelevant: false,
  citations: [
    citation({ n: 1, chunkId: "chunk-1", documentName: "report.pdf", pageStart: 3, pageEnd: 3, section: "Revenue > Europe", cited: true }),
    citation({ n: 2, chunkId: "chunk-2", documentName: "report.pdf", pageStart: 7, pageEnd: 8, section: null, cited: true }),
    citation({ n: 3, chunkId: "chunk-3", documentName: "notes.md", pageStart: 1, pageEnd: 1, section: "Decisions", cited: false }),
  ],
};

describe("a reply with sources", () => {
  it("shows its [n] markers as chips, only for numbers among its sources", () => {
    renderReply(reply("Revenue grew **12%** [1], costs fell [2]. See also [5].\n\n```\nx[1]\n```", sources));
    const text = screen.getByRole("article").querySelector(".message-markdown") as HTMLElement;
    expect(within(text).getAllByTestId("citation-chip").map((chip) => chip.textContent)).toEqual(["1", "2"]);
    expect(text.textContent).toContain("See also [5].");
    expect(text.querySelector("strong")?.textContent).toBe("12%");
    expect(text.querySelector("pre code")?.textContent).toBe("x[1]");
  });

  it("lists the cited sources by document, page and section, with the uncited ones folded away", () => {
    renderReply(reply("Revenue grew [1] [2].", sources));
    const list = screen.getByRole("region", { name: "Sources" });
    const cited = within(list).getAllByTestId("source-item").filter((item) => item.getAttribute("data-cited") === "true");
    expect(cited.map((item) => item.textContent)).toEqual(["1report.pdfp. 3 · Revenue > Europe", "2report.pdfpp. 7–8"]);
    const folded = list.querySelector("details");
    expect(folded?.open).toBe(false);
    expect(folded?.querySelector("summary")?.textContent).toBe("Also given to the model, not cited (1)");
    expect(within(folded as HTMLElement).getByTestId("source-item").textContent).toBe("3notes.mdp. 1 · Decisions");
  });

  it("opens the passage from a chip: document, pages, section and text, and closes with Escape", async () => {
    renderReply(reply("Revenue grew [1].", sources));
    const chip = within(screen.getByRole("article").querySelector(".message-markdown") as HTMLElement).getByRole("button", {
      name: "Source 1: report.pdf, p. 3, Revenue > Europe",
    });
    chip.focus();
    fireEvent.click(chip);
    const dialog = screen.getByRole("dialog", { name: "report.pdf" });
    expect((await within(dialog).findByLabelText("Passage")).textContent).toBe("Revenue in Europe grew by 12% (chunk-1).");
    // Where it is, as the server says (the passage spans pages 3–4).
    expect(within(dialog).getByText("Source 1 · pp. 3–4 · Revenue > Europe")).toBeTruthy();
    expect(api.callsTo("document.passage")).toEqual([{ chunkId: "chunk-1" }]);
    fireEvent.keyDown(dialog, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(chip);
  });

  it("opens the passage from the Sources list too", async () => {
    renderReply(reply("Costs fell [2].", sources));
    fireEvent.click(within(screen.getByRole("region", { name: "Sources" })).getByTitle("report.pdf, pp. 7–8"));
    expect((await screen.findByLabelText("Passage")).textContent).toBe("Revenue in Europe grew by 12% (chunk-2).");
  });

  it("says quietly when the chat's documents had nothing relevant", () => {
    renderReply(reply("I could not find that in your documents.", { citations: [], nothingRelevant: true }));
    expect(screen.getByTestId("nothing-relevant").textContent).toBe("Nothing relevant was found in this chat's documents.");
    expect(screen.queryByText("Sources")).toBeNull();
    expect(screen.queryByTestId("citation-chip")).toBeNull();
  });

  it("shows no chips, list or note for a reply without sources", () => {
    renderReply(reply("Plain [1] answer.", null));
    expect(screen.queryByTestId("citation-chip")).toBeNull();
    expect(screen.queryByRole("region", { name: "Sources" })).toBeNull();
    expect(screen.getByRole("article").textContent).toContain("Plain [1] answer.");
  });
});
