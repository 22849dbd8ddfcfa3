/** `Llama3.2`, `library/llama3.2` and `llama3.2:latest` are one model to Ollama. */
export function canonicalModelName(name: string): string {
  let normalized = name.trim().toLowerCase();
  if (normalized.startsWith("registry.ollama.ai/")) normalized = normalized.slice("registry.ollama.ai/".length);
  if (normalized.startsWith("library/")) normalized = normalized.slice("library/".length);
  const lastSegment = normalized.slice(normalized.lastIndexOf("/") + 1);
  return lastSegment.includes(":") ? normalized : `${normalized}:latest`;
}
