import type { ProfileFactKind } from "./profile-patterns.ts";

/** Where a profile fact came from: what the user said (patterns), the model's reading of a chat, or the user typing it in. */
export type ProfileFactSource = "pattern" | "model" | "user";

/** A person has one name, one current role and one home: a newer statement replaces the older. */
export const singleValuedProfileKinds: ReadonlySet<ProfileFactKind> = new Set<ProfileFactKind>(["name", "role", "location"]);

export interface KnownProfileFact {
  id: string;
  kind: ProfileFactKind;
  value: string;
  source: ProfileFactSource;
}

export interface ProfileMerge {
  /** Ids of stored facts to delete (never one the user typed). */
  delete: string[];
  /** Facts to store, in the order found. */
  create: Array<{ kind: ProfileFactKind; value: string; source: ProfileFactSource }>;
}

/**
 * How facts found by the pattern extractor or the model join what is known:
 * - a fact already known (same kind, same value ignoring case) is not stored again, and so is
 *   a repeat within `found`;
 * - for single-valued kinds (name, role, location) the last one found wins, and it replaces
 *   the known ones of that kind;
 * - what the user typed (source `user`) is never deleted or changed: a found value that
 *   differs is stored beside it.
 */
export function planProfileMerge(
  existing: readonly KnownProfileFact[],
  found: ReadonlyArray<{ kind: ProfileFactKind; value: string }>,
  source: Exclude<ProfileFactSource, "user">,
): ProfileMerge {
  const keyOf = (fact: { kind: ProfileFactKind; value: string }): string => `${fact.kind}\u0000${fact.value.trim().toLowerCase()}`;
  const lastOfKind = new Map<ProfileFactKind, number>();
  found.forEach((fact, index) => {
    if (singleValuedProfileKinds.has(fact.kind)) lastOfKind.set(fact.kind, index);
  });
  const known = new Set(existing.map(keyOf));
  const seen = new Set<string>();
  const merge: ProfileMerge = { delete: [], create: [] };
  found.forEach((fact, index) => {
    const value = fact.value.trim();
    if (value.length === 0) return;
    const single = singleValuedProfileKinds.has(fact.kind);
    if (single && lastOfKind.get(fact.kind) !== index) return;
    const key = keyOf(fact);
    if (known.has(key) || seen.has(key)) return;
    seen.add(key);
    if (single) {
      for (const old of existing) if (old.kind === fact.kind && old.source !== "user") merge.delete.push(old.id);
    }
    merge.create.push({ kind: fact.kind, value, source });
  });
  return merge;
}
