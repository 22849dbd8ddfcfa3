import { describe, expect, it } from "vitest";
import { assembleContext, selectWorkingBuffer } from "./working-buffer.ts";
import type { MemoryMessage } from "./ports.ts";

function history(count: number): MemoryMessage[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `m${index}`,
    role: index % 2 === 0 ? "user" : "assistant",
    content: `message ${index}`,
    createdAt: new Date(2026, 0, 1, 0, index),
  }));
}

describe("selectWorkingBuffer", () => {
  it("keeps the last K messages in order", () => {
    const buffer = selectWorkingBuffer(history(25), { size: 10 });
    expect(buffer.map((message) => message.id)).toEqual(Array.from({ length: 10 }, (_, index) => `m${index + 15}`));
  });

  it("keeps everything when the chat is shorter than K", () => {
    expect(selectWorkingBuffer(history(3), { size: 10 })).toHaveLength(3);
  });

  it("skips empty messages so a failed reply does not become an empty turn", () => {
    const messages = history(4);
    messages[3] = { ...messages[3]!, content: "  " };
    expect(selectWorkingBuffer(messages, { size: 10 }).map((message) => message.id)).toEqual(["m0", "m1", "m2"]);
  });

  it("refuses a buffer of no messages", () => {
    expect(() => selectWorkingBuffer(history(3), { size: 0 })).toThrow(RangeError);
  });
});

describe("assembleContext", () => {
  it("puts the system prompt first, the buffer next and the user's message last", () => {
    const context = assembleContext({ systemPrompt: "Be brief.", history: history(5), userMessage: "hello", bufferSize: 2 });
    expect(context.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "assistant", content: "message 3" },
      { role: "user", content: "message 4" },
      { role: "user", content: "hello" },
    ]);
    expect(context.bufferMessageIds).toEqual(["m3", "m4"]);
  });

  it("omits an empty system prompt", () => {
    const context = assembleContext({ systemPrompt: "", history: [], userMessage: "hi", bufferSize: 10 });
    expect(context.messages).toEqual([{ role: "user", content: "hi" }]);
  });
});
