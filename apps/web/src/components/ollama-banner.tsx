import type { OllamaStatus } from "../trpc.ts";

interface OllamaBannerProps {
  ollama: OllamaStatus;
  modelCount: number;
  /** The model Recall uses when none is picked: the one worth pulling first. */
  defaultModel: string;
  checking: boolean;
  onCheckAgain: () => void;
}

/** The server writes commands in backticks; show them as code. */
function withCode(text: string) {
  return text.split(/`([^`]+)`/).map((part, index) => (index % 2 === 1 ? <code key={index}>{part}</code> : part));
}

/** Says what to run when there is nothing to chat with, instead of leaving a dead composer. */
export function OllamaBanner({ ollama, modelCount, defaultModel, checking, onCheckAgain }: OllamaBannerProps) {
  if (ollama.reachable && modelCount > 0) return null;
  const checkButton = (
    <button type="button" className="button-secondary" onClick={onCheckAgain} disabled={checking}>
      {checking ? "Checking…" : "Check again"}
    </button>
  );
  if (!ollama.reachable) {
    return (
      <section className="banner" role="alert" aria-label="Ollama is not reachable">
        <h2>Ollama is not reachable</h2>
        {ollama.problem && <p>{withCode(ollama.problem)}</p>}
        {/* The server's sentence usually says what to run already; say it only when it does not. */}
        {!ollama.problem?.includes("ollama serve") && (
          <p>
            Recall expects Ollama at <code>{ollama.url}</code>. If it is not running, start it with <code>ollama serve</code>,
            then check again.
          </p>
        )}
        {checkButton}
      </section>
    );
  }
  return (
    <section className="banner" role="alert" aria-label="No models installed">
      <h2>No models installed</h2>
      <p>
        Ollama is running at <code>{ollama.url}</code> but has no models yet. Download one with{" "}
        <code>ollama pull {defaultModel}</code>, then check again.
      </p>
      {checkButton}
    </section>
  );
}
