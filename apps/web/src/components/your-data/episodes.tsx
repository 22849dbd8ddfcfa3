import type { episodeLimits } from "@recall/schema";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState } from "react";
import type { FormEvent, KeyboardEvent } from "react";
import { toDate } from "../../dates.ts";
import { describeError } from "../../error-message.ts";
import { useTRPC } from "../../trpc.ts";
import type { RouterOutputs } from "../../trpc.ts";

type Episode = RouterOutputs["episode"]["list"][number];

/** The server's limits, repeated so zod stays out of the bundle; typed so they cannot drift apart. */
const limits: typeof episodeLimits = { summaryMaxChars: 4000, factMaxChars: 300, factsMax: 12 };

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

/** What finished chats left behind: a summary and key facts each, which new chats see. */
export function Episodes() {
  const trpc = useTRPC();
  const episodes = useQuery(trpc.episode.list.queryOptions());
  const headingId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const focusSection = () => headingRef.current?.focus();
  return (
    <section className="your-data-block" aria-labelledby={headingId}>
      <h3 id={headingId} ref={headingRef} tabIndex={-1}>
        Episodes
      </h3>
      {episodes.isPending ? (
        <p className="your-data-note">Loading episodes…</p>
      ) : episodes.isError ? (
        <p className="your-data-error" role="alert">
          {describeError(episodes.error)}
        </p>
      ) : episodes.data.length === 0 ? (
        <p className="your-data-note">
          No episodes yet. When a chat ends (you start another, or it sits idle), Recall writes a short summary of it with its key facts, and new
          chats see the most recent ones. They will appear here.
        </p>
      ) : (
        <ul className="episode-list">
          {episodes.data.map((episode) => (
            <EpisodeItem key={episode.id} episode={episode} onRemoved={focusSection} />
          ))}
        </ul>
      )}
    </section>
  );
}

function EpisodeItem({ episode, onRemoved }: { episode: Episode; onRemoved: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const invalidate = () => queryClient.invalidateQueries(trpc.episode.list.pathFilter());
  const update = useMutation(trpc.episode.update.mutationOptions({ onSuccess: invalidate }));
  const remove = useMutation(trpc.episode.delete.mutationOptions({ onSuccess: invalidate }));
  const [editing, setEditing] = useState(false);
  const editButtonRef = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const createdAt = toDate(episode.createdAt);

  function stopEditing() {
    setEditing(false);
    update.reset();
    requestAnimationFrame(() => editButtonRef.current?.focus());
  }

  const error = update.error ?? remove.error;
  return (
    <li className="episode" aria-labelledby={titleId}>
      <div className="episode-heading">
        <h4 id={titleId}>{episode.sessionTitle}</h4>
        <time dateTime={createdAt.toISOString()}>{dateFormat.format(createdAt)}</time>
      </div>
      {editing ? (
        <EpisodeEditForm
          episode={episode}
          saving={update.isPending}
          onSave={(edit) => update.mutate({ episodeId: episode.id, ...edit }, { onSuccess: stopEditing })}
          onCancel={stopEditing}
        />
      ) : (
        <>
          <p className="episode-summary">{episode.summary}</p>
          {episode.facts.length > 0 && (
            <ul className="episode-facts" aria-label="Key facts">
              {episode.facts.map((fact, index) => (
                <li key={index}>{fact}</li>
              ))}
            </ul>
          )}
          <div className="episode-actions">
            <button ref={editButtonRef} type="button" className="action-button" aria-label={`Edit episode “${episode.sessionTitle}”`} onClick={() => setEditing(true)}>
              Edit
            </button>
            <button
              type="button"
              className="action-button"
              aria-label={`Delete episode “${episode.sessionTitle}”`}
              disabled={remove.isPending}
              onClick={() => remove.mutate({ episodeId: episode.id }, { onSuccess: onRemoved })}
            >
              Delete
            </button>
          </div>
        </>
      )}
      {error && (
        <p className="your-data-error" role="alert">
          {describeError(error)}
        </p>
      )}
    </li>
  );
}

interface EpisodeEditFormProps {
  episode: Episode;
  saving: boolean;
  onSave: (edit: { summary: string; facts: string[] }) => void;
  onCancel: () => void;
}

function EpisodeEditForm({ episode, saving, onSave, onCancel }: EpisodeEditFormProps) {
  const [summary, setSummary] = useState(episode.summary);
  const [factsText, setFactsText] = useState(episode.facts.join("\n"));
  const summaryId = useId();
  const factsId = useId();
  const factsHintId = useId();
  const facts = factsText
    .split("\n")
    .map((fact) => fact.trim())
    .filter((fact) => fact.length > 0);
  const problem =
    summary.trim() === ""
      ? "An episode needs a summary; delete the episode instead of emptying it."
      : facts.length > limits.factsMax
        ? `An episode keeps at most ${limits.factsMax} facts.`
        : facts.some((fact) => fact.length > limits.factMaxChars)
          ? `A fact of an episode is at most ${limits.factMaxChars} characters.`
          : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!problem) onSave({ summary: summary.trim(), facts });
  }

  function handleKeyDown(event: KeyboardEvent<HTMLFormElement>) {
    if (event.key === "Escape") {
      event.preventDefault();
      onCancel();
    }
  }

  return (
    <form className="episode-edit" onSubmit={submit} onKeyDown={handleKeyDown}>
      <label htmlFor={summaryId}>Summary</label>
      <textarea id={summaryId} value={summary} maxLength={limits.summaryMaxChars} onChange={(event) => setSummary(event.target.value)} rows={4} autoFocus />
      <label htmlFor={factsId}>Key facts</label>
      <textarea id={factsId} value={factsText} aria-describedby={factsHintId} onChange={(event) => setFactsText(event.target.value)} rows={3} />
      <p id={factsHintId} className="your-data-note">
        One fact per line, at most {limits.factsMax}.
      </p>
      {problem && (
        <p className="your-data-error" role="alert">
          {problem}
        </p>
      )}
      <div className="your-data-buttons">
        <button type="button" className="button-secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" disabled={Boolean(problem) || saving}>
          {saving ? "Saving…" : "Save"}
        </button>
      </div>
    </form>
  );
}
