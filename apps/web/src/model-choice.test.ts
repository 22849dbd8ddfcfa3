import { describe, expect, it } from "vitest";
import { canChat, chooseModel, findInstalled } from "./model-choice.ts";

const installed = ["qwen2.5:7b", "llama3.2:latest"];

describe("findInstalled", () => {
  it("matches a name without a tag to its :latest entry", () => {
    expect(findInstalled("llama3.2", installed)).toBe("llama3.2:latest");
    expect(findInstalled("llama3.2:latest", ["llama3.2"])).toBe("llama3.2");
    expect(findInstalled("qwen2.5", installed)).toBeNull();
  });
});

describe("chooseModel", () => {
  it("honours an explicit pick first, then the chat's own model", () => {
    expect(chooseModel({ picked: "qwen2.5:7b", chatModel: "llama3.2", defaultModel: "llama3.2", installed })).toBe("qwen2.5:7b");
    expect(chooseModel({ picked: null, chatModel: "llama3.2", defaultModel: null, installed })).toBe("llama3.2:latest");
    expect(chooseModel({ picked: null, chatModel: "gone:1b", defaultModel: "llama3.2", installed })).toBe("gone:1b");
  });

  it("uses the server default, spelled as Ollama lists it, when Ollama has it", () => {
    expect(chooseModel({ picked: null, chatModel: null, defaultModel: "llama3.2", installed })).toBe("llama3.2:latest");
  });

  it("falls back to the first installed model when the default is missing", () => {
    expect(chooseModel({ picked: null, chatModel: null, defaultModel: "mistral", installed })).toBe("qwen2.5:7b");
  });

  it("keeps the default with nothing installed, so the server names what to pull", () => {
    expect(chooseModel({ picked: null, chatModel: null, defaultModel: "llama3.2", installed: [] })).toBe("llama3.2");
    expect(chooseModel({ picked: null, chatModel: null, defaultModel: null, installed: [] })).toBeNull();
  });
});

describe("canChat", () => {
  it("leaves embedding models out of the picker", () => {
    expect(canChat({ name: "nomic-embed-text:latest", family: "nomic-bert" })).toBe(false);
    expect(canChat({ name: "all-minilm:latest", family: "bert" })).toBe(false);
    expect(canChat({ name: "llama3.2:latest", family: "llama" })).toBe(true);
  });

  it("trusts the capabilities the server read from /api/show", () => {
    expect(canChat({ name: "mxbai-large:latest", family: "llama", capabilities: ["embedding"] })).toBe(false);
    expect(canChat({ name: "embedder-chat:latest", family: "bert", capabilities: ["completion", "tools"] })).toBe(true);
  });
});
