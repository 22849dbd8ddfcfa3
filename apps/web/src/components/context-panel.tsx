import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC, type ReplyContext } from "../trpc.ts";

const layerNames: Record<string, string> = {
  system: "Instructions",
  episodic: "Earlier chats",
  profile: "About you",
  summary: "Summary",
  recalled: "Recalled turns",
  passages: "Documents",
  buffer: "Recent messages",
  user: "Your message",
};

/** Why a prompt could not continue the previous one, in the user's terms. */
const rebuildReasons: Record<string, string> = {
  "first-turn": "the first message of this chat",
  "budget-full": "the chat had filled the context, so it was laid out again with the latest summary",
  "memory-changed": "what Recall remembers about you changed",
  "summary-updated": "the chat's running summary was brought up to date",
  "branch-changed": "an edit or another branch changed the chat",
  "not-appendable": "the previous prompt had to be cut to fit",
  "incompatible-state": "Recall was updated since the previous reply",
};

/** How much of the prompt the model could take from its cache, and how much it read again. */
function PromptCacheNote({ cache }: { cache: NonNullable<NonNullable<ReplyContext["metadata"]>["promptCache"]> }) {
  const reason = cache.rebuildReason ? (rebuildReasons[cache.rebuildReason] ?? cache.rebuildReason) : null;
  return (
    <p className="message-note context-cache">
      {cache.decision === "continued"
        ? `Prompt cache: about ${cache.expectedCachedTokens} tokens reused from the previous reply, ${cache.expectedPrefillTokens} read again.`
        : `Prompt read in full (${cache.expectedPrefillTokens} tokens): ${reason ?? "laid out afresh"}.`}
    </p>
  );
}

/** What the model saw for one reply: tokens per memory layer against the budget, and what was trimmed. */
export function ContextBreakdown({ context, sessionId }: { context: ReplyContext; sessionId: string }) {
  const metadata = context.metadata;
  if (!metadata) return <p className="message-note">No context was recorded for this reply.</p>;
  const used = metadata.layers.filter((layer) => layer.tokens > 0);
  const scale = Math.max(metadata.budgetTokens, ...used.map((layer) => layer.tokens)) || 1;
  return (
    <div className="context-breakdown">
      <div className="context-bar" role="img" aria-label={`${metadata.estimatedPromptTokens} of ${metadata.numCtx} context tokens used`}>
        {used.map((layer) => (
          <span
            key={layer.layer}
            className={`context-segment context-${layer.layer}`}
            style={{ width: `${(layer.tokens / scale) * 100}%` }}
            title={`${layerNames[layer.layer] ?? layer.layer}: ${layer.tokens} tokens`}
          />
        ))}
      </div>
      <ul className="context-layers">
        {used.map((layer) => (
          <li key={layer.layer}>
            <span className={`context-swatch context-${layer.layer}`} aria-hidden="true" />
            {layerNames[layer.layer] ?? layer.layer}: {layer.tokens} tokens
            {layer.ids.length > 0 && layer.layer !== "buffer" ? ` (${layer.ids.length})` : ""}
          </li>
        ))}
      </ul>
      <p className="message-note">
        Estimated {metadata.estimatedPromptTokens} tokens
        {context.promptEvalCount !== null ? `, Ollama counted ${context.promptEvalCount}` : ""} · budget {metadata.budgetTokens} of {metadata.numCtx}
        {metadata.cached ? " · memory from cache" : ""}
      </p>
      {metadata.promptCache && <PromptCacheNote cache={metadata.promptCache} />}
      {metadata.trimmed.length > 0 && (
        <ul className="context-trimmed" aria-label="Trimmed to fit">
          {metadata.trimmed.map((part, index) => (
            <li key={index}>{part.what}</li>
          ))}
        </ul>
      )}
      {context.summary && (
        <details className="context-detail">
          <summary>Running summary of this chat ({context.summary.coveredMessages} earlier messages, as it is now)</summary>
          <p>{context.summary.text}</p>
        </details>
      )}
      {context.recalled.length > 0 && (
        <details className="context-detail">
          <summary>
            Recalled turns ({context.recalled.length}, by {metadata.recallBy.join(" + ")})
          </summary>
          <ol className="context-recalled">
            {context.recalled.map((turn) => (
              <li key={turn.id}>
                <span className="message-author">{turn.role === "user" ? "You" : "Assistant"}</span>
                {turn.sessionId !== sessionId && <span className="message-note"> · another chat</span>}
                <p>{turn.content}</p>
              </li>
            ))}
          </ol>
        </details>
      )}
    </div>
  );
}

/** A toggle under a finished reply; the context is fetched only when opened. */
export function ContextPanel({ messageId, sessionId }: { messageId: string; sessionId: string }) {
  const [open, setOpen] = useState(false);
  const trpc = useTRPC();
  const context = useQuery(trpc.message.context.queryOptions({ messageId }, { enabled: open, staleTime: Number.POSITIVE_INFINITY }));
  return (
    <div className="context-panel">
      <button type="button" className="button-link" aria-expanded={open} onClick={() => setOpen((value) => !value)}>
        {open ? "Hide what the model saw" : "What the model saw"}
      </button>
      {open && (context.data ? <ContextBreakdown context={context.data} sessionId={sessionId} /> : <p className="message-note">{context.isError ? "Could not load the context." : "Loading…"}</p>)}
    </div>
  );
}
