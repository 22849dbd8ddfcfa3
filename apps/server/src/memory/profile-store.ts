import type { PrismaClient } from "@recall/db";
import { extractProfileFacts } from "@recall/memory";
import type { ProfileFactKind, ProfileFactView } from "@recall/schema";
import { notFound } from "../chat/chat-store.ts";

/** A person has one name, one current role and one home: a newer statement replaces the older. */
const singleValuedKinds: ReadonlySet<ProfileFactKind> = new Set(["name", "role", "location"]);

interface FactRow {
  id: string;
  kind: string;
  value: string;
  source: string;
  createdAt: Date;
  updatedAt: Date;
}

function toView(row: FactRow): ProfileFactView {
  return {
    id: row.id,
    kind: row.kind as ProfileFactKind,
    value: row.value,
    source: row.source as ProfileFactView["source"],
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * What Recall remembers about each user. Facts come from what the user says (cheap
 * patterns on every message) or from the user directly; the user can see, edit and
 * delete each one. Reads go to the database; the conversation cache sits in front of them.
 */
export class ProfileStore {
  /** Set by the composition root: a write here must reach every cached conversation of the user. */
  onChange: (userId: string) => Promise<void> = async () => {};

  constructor(private readonly prisma: PrismaClient) {}

  async list(userId: string): Promise<ProfileFactView[]> {
    const rows = await this.prisma.profileFact.findMany({ where: { userId }, orderBy: [{ kind: "asc" }, { createdAt: "asc" }] });
    return rows.map(toView);
  }

  /** Runs the pattern extractor over a user message and stores what it finds. Returns the facts written. */
  learnFromMessage(userId: string, messageId: string, text: string): Promise<number> {
    return this.learn(userId, extractProfileFacts(text), "pattern", messageId);
  }

  /** Stores facts found by the pattern extractor or the model; what the user typed is never overwritten. */
  async learn(userId: string, found: ReadonlyArray<{ kind: ProfileFactKind; value: string }>, source: "pattern" | "model", sourceMessageId: string | null): Promise<number> {
    if (found.length === 0) return 0;
    const existing = await this.list(userId);
    let written = 0;
    for (const fact of found) {
      const same = existing.find((known) => known.kind === fact.kind && known.value.toLowerCase() === fact.value.toLowerCase());
      if (same) continue;
      await this.prisma.$transaction([
        ...(singleValuedKinds.has(fact.kind) ? [this.prisma.profileFact.deleteMany({ where: { userId, kind: fact.kind, source: { not: "user" } } })] : []),
        this.prisma.profileFact.create({ data: { userId, kind: fact.kind, value: fact.value, source, sourceMessageId } }),
      ]);
      written += 1;
    }
    if (written > 0) await this.onChange(userId);
    return written;
  }

  async add(userId: string, kind: ProfileFactKind, value: string): Promise<ProfileFactView> {
    const row = await this.prisma.profileFact.create({ data: { userId, kind, value, source: "user" } });
    await this.onChange(userId);
    return toView(row);
  }

  async update(userId: string, factId: string, value: string): Promise<ProfileFactView> {
    const { count } = await this.prisma.profileFact.updateMany({ where: { id: factId, userId }, data: { value, source: "user" } });
    await this.onChange(userId);
    if (count === 0) throw notFound("remembered fact");
    return toView(await this.prisma.profileFact.findUniqueOrThrow({ where: { id: factId } }));
  }

  async remove(userId: string, factId: string): Promise<void> {
    const { count } = await this.prisma.profileFact.deleteMany({ where: { id: factId, userId } });
    await this.onChange(userId);
    if (count === 0) throw notFound("remembered fact");
  }
}
