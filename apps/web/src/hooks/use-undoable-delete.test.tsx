import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChatSession } from "../trpc.ts";
import { undoWindowMs, useUndoableDelete } from "./use-undoable-delete.ts";

const chat = (id: string): ChatSession => ({ id, title: id, model: null, ephemeral: false, createdAt: "2025-01-01T00:00:00.000Z", updatedAt: "2025-01-01T00:00:00.000Z" });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("useUndoableDelete", () => {
  it("hides the chat at once and deletes it only when the undo window ends", () => {
    const commit = vi.fn();
    const { result } = renderHook(() => useUndoableDelete(commit));
    act(() => result.current.remove(chat("a")));
    expect(result.current.pending?.id).toBe("a");
    act(() => vi.advanceTimersByTime(undoWindowMs - 1));
    expect(commit).not.toHaveBeenCalled();
    act(() => vi.advanceTimersByTime(1));
    expect(commit).toHaveBeenCalledWith(chat("a"));
    expect(result.current.pending).toBeNull();
  });

  it("undo keeps the chat", () => {
    const commit = vi.fn();
    const { result } = renderHook(() => useUndoableDelete(commit));
    act(() => result.current.remove(chat("a")));
    act(() => result.current.undo());
    act(() => vi.advanceTimersByTime(undoWindowMs * 2));
    expect(commit).not.toHaveBeenCalled();
    expect(result.current.pending).toBeNull();
  });

  it("a second delete commits the first straight away", () => {
    const commit = vi.fn();
    const { result } = renderHook(() => useUndoableDelete(commit));
    act(() => result.current.remove(chat("a")));
    act(() => result.current.remove(chat("b")));
    expect(commit).toHaveBeenCalledTimes(1);
    expect(commit).toHaveBeenCalledWith(chat("a"));
    expect(result.current.pending?.id).toBe("b");
    act(() => vi.advanceTimersByTime(undoWindowMs));
    expect(commit).toHaveBeenLastCalledWith(chat("b"));
  });
});
