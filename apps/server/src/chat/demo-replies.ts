/**
 * Demo mode's answers when a question asks for code, a comparison or steps: the fake model's
 * filler text cannot show what the chat renders. Anything else gets the filler, which the UI
 * labels as coming from the built-in fake.
 */
const codeReply = [
  "Here is a small, typed example (from Recall's **demo** model, not a real LLM):",
  "",
  "```ts",
  "export function debounce<T extends unknown[]>(wait: number, run: (...values: T) => void) {",
  "  let timer: ReturnType<typeof setTimeout> | undefined;",
  "  return (...values: T) => {",
  "    clearTimeout(timer);",
  "    timer = setTimeout(() => run(...values), wait);",
  "  };",
  "}",
  "```",
  "",
  "Call it with the delay first: `debounce(200, save)`.",
].join("\n");

const tableReply = [
  "A comparison, as a real model might write it (this is the **demo** model):",
  "",
  "| | SQLite | PostgreSQL |",
  "| --- | --- | --- |",
  "| Setup | none: one file | a server to run |",
  "| Best for | one machine | many instances |",
  "| Recall's default | yes | opt-in (`DATABASE_URL`) |",
].join("\n");

const stepsReply = [
  "The steps (from Recall's **demo** model):",
  "",
  "1. Install Ollama and start it: `ollama serve`.",
  "2. Pull a model: `ollama pull llama3.2`.",
  "3. Start Recall with `pnpm start` and open http://127.0.0.1:3000.",
  "",
  "- Replies stream token by token.",
  "- Recall remembers what matters across chats.",
].join("\n");

export function demoReply(lastUserMessage: string): { text: string } | undefined {
  const question = lastUserMessage.toLowerCase();
  if (/\b(code|function|example|snippet|typescript|javascript|python)\b/.test(question)) return { text: codeReply };
  if (/\b(compare|comparison|table|versus|vs)\b/.test(question)) return { text: tableReply };
  if (/\b(steps|how do i|how to|list)\b/.test(question)) return { text: stepsReply };
  return undefined;
}
