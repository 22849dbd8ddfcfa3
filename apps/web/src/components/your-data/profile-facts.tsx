import type { ProfileFactKind } from "@recall/schema";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState } from "react";
import type { FormEvent, KeyboardEvent } from "react";
import { describeError } from "../../error-message.ts";
import { useTRPC } from "../../trpc.ts";
import type { RouterOutputs } from "../../trpc.ts";

type ProfileFact = RouterOutputs["profile"]["list"][number];

/** The server's limit (profileValueSchema); repeated here so zod stays out of the bundle. */
const factMaxChars = 500;

/** Every kind, in the order shown; a Record so a new kind on the server fails the typecheck here. */
const kindLabels: Record<ProfileFactKind, { group: string; one: string }> = {
  name: { group: "Name", one: "name" },
  role: { group: "Role", one: "role" },
  location: { group: "Location", one: "location" },
  interest: { group: "Interests", one: "interest" },
  preference: { group: "Preferences", one: "preference" },
  other: { group: "Other", one: "other fact" },
};
const kinds = Object.keys(kindLabels) as ProfileFactKind[];

const sourceLabels: Record<ProfileFact["source"], string> = {
  pattern: "from what you said",
  model: "noticed by the model",
  user: "added by you",
};

/** Profile facts grouped by kind; each can be corrected or forgotten, and the user can add their own. */
export function ProfileFacts() {
  const trpc = useTRPC();
  const facts = useQuery(trpc.profile.list.queryOptions());
  const byKind = kinds
    .map((kind) => ({ kind, facts: (facts.data ?? []).filter((fact) => fact.kind === kind) }))
    .filter((group) => group.facts.length > 0);
  const headingId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  // The deleted fact's buttons are gone: focus goes to the section rather than the page's start.
  const focusSection = () => headingRef.current?.focus();

  return (
    <section className="your-data-block" aria-labelledby={headingId}>
      <h3 id={headingId} ref={headingRef} tabIndex={-1}>
        Profile
      </h3>
      {facts.isPending ? (
        <p className="your-data-note">Loading what Recall remembers…</p>
      ) : facts.isError ? (
        <p className="your-data-error" role="alert">
          {describeError(facts.error)}
        </p>
      ) : byKind.length === 0 ? (
        <p className="your-data-note">
          Recall remembers nothing about you yet. When you tell it about yourself (“My name is…”, “I live in…”), it notes the facts here so
          later chats can use them. You can also add facts yourself below.
        </p>
      ) : (
        byKind.map((group) => (
          <div key={group.kind} className="fact-group">
            <h4>{kindLabels[group.kind].group}</h4>
            <ul className="fact-list">
              {group.facts.map((fact) => (
                <FactRow key={fact.id} fact={fact} onRemoved={focusSection} />
              ))}
            </ul>
          </div>
        ))
      )}
      <AddFactForm />
    </section>
  );
}

function useInvalidateProfile() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries(trpc.profile.list.pathFilter());
}

function FactRow({ fact, onRemoved }: { fact: ProfileFact; onRemoved: () => void }) {
  const trpc = useTRPC();
  const invalidate = useInvalidateProfile();
  const [draft, setDraft] = useState<string | null>(null);
  const editButtonRef = useRef<HTMLButtonElement>(null);
  const update = useMutation(trpc.profile.update.mutationOptions({ onSuccess: invalidate }));
  const remove = useMutation(trpc.profile.delete.mutationOptions({ onSuccess: invalidate }));
  const label = kindLabels[fact.kind].one;

  function stopEditing() {
    setDraft(null);
    update.reset();
    // After React put the Edit button back.
    requestAnimationFrame(() => editButtonRef.current?.focus());
  }

  function save() {
    if (draft === null) return;
    const value = draft.trim();
    if (value === fact.value) return stopEditing();
    update.mutate({ factId: fact.id, value }, { onSuccess: stopEditing });
  }

  function handleKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "Enter" && !event.nativeEvent.isComposing) {
      event.preventDefault();
      save();
    } else if (event.key === "Escape") {
      event.preventDefault();
      stopEditing();
    }
  }

  const error = update.error ?? remove.error;
  return (
    <li className="fact-row">
      {draft === null ? (
        <>
          <span className="fact-value">{fact.value}</span>
          <span className="fact-source">{sourceLabels[fact.source]}</span>
          <span className="fact-actions">
            <button ref={editButtonRef} type="button" className="action-button" aria-label={`Edit ${label} “${fact.value}”`} onClick={() => setDraft(fact.value)}>
              Edit
            </button>
            <button
              type="button"
              className="action-button"
              aria-label={`Delete ${label} “${fact.value}”`}
              disabled={remove.isPending}
              onClick={() => remove.mutate({ factId: fact.id }, { onSuccess: onRemoved })}
            >
              Delete
            </button>
          </span>
        </>
      ) : (
        <span className="fact-edit">
          <input
            className="your-data-input"
            aria-label={`Edit ${label}`}
            value={draft}
            maxLength={factMaxChars}
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={handleKeyDown}
            autoFocus
          />
          <button type="button" onClick={save} disabled={draft.trim() === "" || update.isPending}>
            {update.isPending ? "Saving…" : "Save"}
          </button>
          <button type="button" className="button-secondary" onClick={stopEditing}>
            Cancel
          </button>
        </span>
      )}
      {error && (
        <p className="your-data-error" role="alert">
          {describeError(error)}
        </p>
      )}
    </li>
  );
}

function AddFactForm() {
  const trpc = useTRPC();
  const invalidate = useInvalidateProfile();
  const [kind, setKind] = useState<ProfileFactKind>("interest");
  const [value, setValue] = useState("");
  const add = useMutation(
    trpc.profile.add.mutationOptions({
      onSuccess: () => {
        setValue("");
        return invalidate();
      },
    }),
  );
  const kindId = useId();
  const valueId = useId();

  function submit(event: FormEvent) {
    event.preventDefault();
    if (value.trim() === "") return;
    add.mutate({ kind, value: value.trim() });
  }

  return (
    <form className="add-fact" onSubmit={submit} aria-label="Add a fact">
      <label htmlFor={kindId}>Kind</label>
      <select id={kindId} value={kind} onChange={(event) => setKind(event.target.value as ProfileFactKind)}>
        {kinds.map((option) => (
          <option key={option} value={option}>
            {kindLabels[option].group}
          </option>
        ))}
      </select>
      <label htmlFor={valueId}>Fact</label>
      <input id={valueId} className="your-data-input" value={value} maxLength={factMaxChars} onChange={(event) => setValue(event.target.value)} placeholder="e.g. sourdough baking" />
      <button type="submit" disabled={value.trim() === "" || add.isPending}>
        {add.isPending ? "Adding…" : "Add fact"}
      </button>
      {add.isError && (
        <p className="your-data-error" role="alert">
          {describeError(add.error)}
        </p>
      )}
    </form>
  );
}
