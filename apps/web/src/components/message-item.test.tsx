import { act, fireEvent, render, screen } from "@testing-library/react";
import { TRPCClientError } from "@trpc/client";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createScriptedApi } from "../testing/scripted-api.tsx";
import { threadInput } from "../trpc.ts";
import type { ChatMessage } from "../trpc.ts";
import { noteQueuedReply } from "../hooks/use-queued-reply.ts";
import { MessageItem } from "./message-item.tsx";
import type { MessageItemProps } from "./message-item.tsx";

function assistantMessage(overrides: Partial<ChatMessage> = {}): ChatMessage {
  return {
    id: "reply-1",
    sessionId: "chat-1",
    parentId: "question-1",
    role: "assistant",
    content: "",
    status: "streaming",
    model: "llama3.2",
    promptTokens: null,
    completionTokens: null,
    sources: null,
    error: null,
    createdAt: "2025-03-01T10:00:00.000Z",
    updatedAt: "2025-03-01T10:00:00.000Z",
    ...overrides,
  };
}

let api: ReturnType<typeof createScriptedApi>;

beforeEach(() => {
  api = createScriptedApi();
});

function renderItem(message: ChatMessage, overrides: Partial<MessageItemProps> = {}) {
  const listKey = api.trpc.message.thread.queryKey(threadInput(message.sessionId));
  api.queryClient.setQueryData(listKey, { messages: [message], truncated: false });
  const props: MessageItemProps = {
    entry: { message, versions: [message.id], versionIndex: 0 },
    busy: false,
    isLastReply: true,
    onSelectVersion: vi.fn(),
    onEdit: vi.fn(async () => true),
    onRegenerate: vi.fn(),
    ...overrides,
  };
  const view = render(<MessageItem {...props} />, { wrapper: api.Providers });
  return { ...view, props, listKey, article: () => screen.getByRole("article") };
}

function openSubscription() {
  const subscription = api.subscriptions.at(-1);
  if (!subscription) throw new Error("The message opened no stream.");
  return subscription;
}

describe("MessageItem", () => {
  it("says a queued reply waits, and how many are ahead of it, until its first words arrive", () => {
    noteQueuedReply("reply-queued", 2);
    const { article } = renderItem(assistantMessage({ id: "reply-queued" }));
    expect(screen.getByRole("status").textContent).toBe("Your reply is queued: 2 replies ahead of yours.");
    // The stream counts the place down as replies ahead of it start.
    act(() => {
      openSubscription().emit({ id: "1", data: { type: "queued", ahead: 1 } });
    });
    expect(screen.getByRole("status").textContent).toBe("Your reply is queued: 1 reply ahead of yours.");
    act(() => {
      openSubscription().emit({ id: "2", data: { type: "queued", ahead: 0 } });
    });
    expect(screen.getByRole("status").textContent).toBe("Your reply is queued: it is next.");
    act(() => {
      openSubscription().emit({ id: "3", data: { type: "delta", text: "Hello" } });
    });
    expect(screen.queryByRole("status")).toBeNull();
    expect(article().textContent).toContain("Hello");
  });

  it("shows the place a reply's stream reports even when the send said it started at once", () => {
    renderItem(assistantMessage({ id: "reply-requeued" }));
    expect(screen.getByRole("status").textContent).toBe("Thinking");
    act(() => {
      openSubscription().emit({ id: "1", data: { type: "queued", ahead: 3 } });
    });
    expect(screen.getByRole("status").textContent).toBe("Your reply is queued: 3 replies ahead of yours.");
  });

  it("streams deltas in and, when done, writes the final message into the query cache", async () => {
    const { article, listKey } = renderItem(assistantMessage());
    const subscription = openSubscription();
    expect(subscription.input).toEqual({ messageId: "reply-1" });

    act(() => {
      subscription.emit({ id: "1", data: { type: "delta", text: "Hel" } });
      subscription.emit({ id: "2", data: { type: "delta", text: "lo" } });
    });
    expect(article().querySelector(".message-text")?.textContent).toBe("Hello");
    expect(article().getAttribute("aria-busy")).toBe("true");

    await act(async () => {
      subscription.emit({ id: "3", data: { type: "done", promptTokens: 12, completionTokens: 2, doneReason: "stop" } });
    });
    expect(article().dataset.status).toBe("complete");
    expect(api.queryClient.getQueryData(listKey)?.messages[0]).toMatchObject({
      content: "Hello",
      status: "complete",
      promptTokens: 12,
      completionTokens: 2,
    });
  });

  it("after a reload, shows the saved text until the replayed stream takes over", () => {
    const { article } = renderItem(assistantMessage({ content: "Partial te" }));
    expect(article().querySelector(".message-text")?.textContent).toBe("Partial te");
    const subscription = openSubscription();
    act(() => {
      subscription.emit({ id: "1", data: { type: "delta", text: "Partial " } });
      subscription.emit({ id: "2", data: { type: "delta", text: "text" } });
      // A reconnect that replays an event must not repeat its text.
      subscription.emit({ id: "2", data: { type: "delta", text: "text" } });
      subscription.emit({ id: "3", data: { type: "delta", text: " and more" } });
    });
    expect(article().querySelector(".message-text")?.textContent).toBe("Partial text and more");
  });

  it("shows a stream error on the message with its text", async () => {
    const { article } = renderItem(assistantMessage());
    await act(async () => {
      openSubscription().emit({ id: "1", data: { type: "error", code: "MODEL_ERROR", message: "Ollama stopped answering." } });
    });
    expect(article().textContent).toContain("The reply failed: Ollama stopped answering.");
    expect(article().dataset.status).toBe("error");
  });

  it("says a stopped reply was stopped, keeping its text", async () => {
    const { article } = renderItem(assistantMessage());
    const subscription = openSubscription();
    await act(async () => {
      subscription.emit({ id: "1", data: { type: "delta", text: "Once upon" } });
      subscription.emit({ id: "2", data: { type: "interrupted", reason: "stopped" } });
    });
    expect(article().querySelector(".message-text")?.textContent).toBe("Once upon");
    expect(article().textContent).toContain("Stopped.");
  });

  it("shows stored endings without opening a stream", () => {
    renderItem(assistantMessage({ id: "a", content: "Half", status: "interrupted" }));
    renderItem(assistantMessage({ id: "b", content: "", status: "error", error: "Model llama3.2 is not installed." }));
    const [interrupted, failed] = screen.getAllByRole("article");
    expect(interrupted?.textContent).toContain("Interrupted before the reply finished.");
    expect(failed?.textContent).toContain("The reply failed: Model llama3.2 is not installed.");
    expect(api.subscriptions).toHaveLength(0);
  });

  it("reports a lost stream and reopens it on Retry", () => {
    const { article } = renderItem(assistantMessage());
    act(() => {
      openSubscription().fail(
        TRPCClientError.from({ error: { code: -32004, message: "That reply does not exist.", data: { code: "NOT_FOUND", httpStatus: 404 } } }),
      );
    });
    expect(article().textContent).toContain("Lost the live reply: That reply does not exist.");
    act(() => {
      fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    });
    expect(api.subscriptions).toHaveLength(2);
    expect(api.subscriptions[0]?.closed).toBe(true);
    expect(api.subscriptions[1]?.closed).toBe(false);
  });

  it("does not pretend to stream when the server closes the stream without an ending", () => {
    const { article } = renderItem(assistantMessage({ content: "Orphan" }));
    act(() => {
      const subscription = openSubscription();
      subscription.emit({ id: "snapshot", data: { type: "snapshot", content: "Orphaned text", status: "streaming" } });
      subscription.end();
    });
    expect(article().querySelector(".message-text")?.textContent).toBe("Orphaned text");
    expect(article().textContent).toContain("The reply stopped arriving before it finished.");
  });

  it("says it is thinking until the first token, then shows the text", () => {
    const { article } = renderItem(assistantMessage());
    expect(screen.getByRole("status").textContent).toBe("Thinking");
    act(() => openSubscription().emit({ id: "1", data: { type: "delta", text: "Hi" } }));
    expect(screen.queryByRole("status")).toBeNull();
    expect(article().querySelector(".message-text")?.textContent).toBe("Hi");
    // No actions on a reply still being written.
    expect(screen.queryByRole("button", { name: "Regenerate" })).toBeNull();
  });

  it("regenerates only the newest reply, and not while something is busy", () => {
    const done = assistantMessage({ content: "Answer", status: "complete" });
    const { props, unmount } = renderItem(done);
    fireEvent.click(screen.getByRole("button", { name: "Regenerate" }));
    expect(props.onRegenerate).toHaveBeenCalledWith(done);
    unmount();
    renderItem(done, { isLastReply: false });
    expect(screen.queryByRole("button", { name: "Regenerate" })).toBeNull();
  });

  it("edits a user message in place and resends it; Escape cancels", async () => {
    const question = assistantMessage({ id: "q", role: "user", content: "What is 2+2?", status: "complete", model: null });
    const { props } = renderItem(question);
    fireEvent.click(screen.getByRole("button", { name: "Edit" }));
    const box = screen.getByRole("textbox", { name: "Edit message" });
    expect((box as HTMLTextAreaElement).value).toBe("What is 2+2?");
    fireEvent.keyDown(box, { key: "Escape" });
    expect(screen.queryByRole("textbox", { name: "Edit message" })).toBeNull();

    fireEvent.click(screen.getByRole("button", { name: "Edit" }));
    fireEvent.change(screen.getByRole("textbox", { name: "Edit message" }), { target: { value: "What is 3+3?" } });
    await act(async () => {
      fireEvent.keyDown(screen.getByRole("textbox", { name: "Edit message" }), { key: "Enter" });
    });
    expect(props.onEdit).toHaveBeenCalledWith(question, "What is 3+3?");
    expect(screen.queryByRole("textbox", { name: "Edit message" })).toBeNull();
  });

  it("switches between versions of a message", () => {
    const reply = assistantMessage({ id: "v2", content: "Second try", status: "complete" });
    const { props } = renderItem(reply, { entry: { message: reply, versions: ["v1", "v2", "v3"], versionIndex: 1 } });
    expect(screen.getByRole("group", { name: "Versions" }).textContent).toContain("2 / 3");
    fireEvent.click(screen.getByRole("button", { name: "Previous version" }));
    expect(props.onSelectVersion).toHaveBeenCalledWith(reply, "v1");
    fireEvent.click(screen.getByRole("button", { name: "Next version" }));
    expect(props.onSelectVersion).toHaveBeenCalledWith(reply, "v3");
  });
});
