interface ModelChoiceInputs {
  /** What the person picked in this chat, if anything. */
  picked: string | null;
  /** The model the open chat was created with. */
  chatModel: string | null;
  defaultModel: string | null;
  installed: readonly string[];
}

/** Ollama reads a name without a tag as `:latest` (`llama3.2` is `llama3.2:latest`). */
function withTag(name: string): string {
  const lastSegment = name.slice(name.lastIndexOf("/") + 1);
  return lastSegment.includes(":") ? name : `${name}:latest`;
}

/** The installed model a name refers to, spelled as Ollama lists it. */
export function findInstalled(name: string, installed: readonly string[]): string | null {
  const wanted = withTag(name);
  return installed.find((candidate) => withTag(candidate) === wanted) ?? null;
}

/**
 * The model a message is sent with: an explicit pick, else the chat's own model, else the
 * server's default if Ollama has it, else the first installed model. With nothing installed
 * the default is still sent, so the server's error names the model to pull.
 */
export function chooseModel({ picked, chatModel, defaultModel, installed }: ModelChoiceInputs): string | null {
  if (picked) return picked;
  if (chatModel) return findInstalled(chatModel, installed) ?? chatModel;
  if (defaultModel && installed.length === 0) return defaultModel;
  return (defaultModel && findInstalled(defaultModel, installed)) ?? installed[0] ?? defaultModel;
}

/**
 * An embedding model cannot chat. The server reports each model's capabilities from
 * /api/show; when it could not read them, fall back to the usual names.
 */
export function canChat(model: { name: string; family: string | null; capabilities?: readonly string[] }): boolean {
  if (model.capabilities && model.capabilities.length > 0) return model.capabilities.includes("completion");
  return !/embed/i.test(model.name) && !/bert/i.test(model.family ?? "");
}
