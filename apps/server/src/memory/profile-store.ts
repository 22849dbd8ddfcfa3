import type { PrismaClient } from "@recall/db";
import { extractProfileFacts, planProfileMerge } from "@recall/memory";
import type { ProfileFactKind, ProfileFactView } from "@recall/schema";
import { PlaintextFieldCipher, type FieldCipher } from "../crypto/index.ts";
import { newId } from "../chat/saved-chat-store.ts";
import { notFound } from "../domain-errors.ts";

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

  constructor(
    private readonly prisma: PrismaClient,
    /** Each fact's value is encrypted under its owner, bound to the fact's id. */
    private readonly cipher: FieldCipher = new PlaintextFieldCipher(),
  ) {}

  private async plainView(row: FactRow & { userId: string }): Promise<ProfileFactView> {
    return toView({ ...row, value: await this.cipher.decrypt(row.value, { field: "ProfileFact.value", rowId: row.id, userId: row.userId }) });
  }

  private seal(value: string, factId: string, userId: string): Promise<string> {
    return this.cipher.encrypt(value, { field: "ProfileFact.value", rowId: factId, userId });
  }

  async list(userId: string): Promise<ProfileFactView[]> {
    const rows = await this.prisma.profileFact.findMany({ where: { userId }, orderBy: [{ kind: "asc" }, { createdAt: "asc" }] });
    return Promise.all(rows.map((row) => this.plainView(row)));
  }

  /** Runs the pattern extractor over a user message and stores what it finds. Returns the facts written. */
  learnFromMessage(userId: string, messageId: string, text: string): Promise<number> {
    return this.learn(userId, extractProfileFacts(text), "pattern", messageId);
  }

  /** Stores facts found by the pattern extractor or the model by `planProfileMerge`'s rules (what the user typed is never overwritten). Returns the facts written. */
  async learn(userId: string, found: ReadonlyArray<{ kind: ProfileFactKind; value: string }>, source: "pattern" | "model", sourceMessageId: string | null): Promise<number> {
    if (found.length === 0) return 0;
    const merge = planProfileMerge(await this.list(userId), found, source);
    if (merge.create.length === 0 && merge.delete.length === 0) return 0;
    const created = await Promise.all(
      merge.create.map(async (fact) => {
        const id = newId("f");
        return { id, userId, kind: fact.kind, value: await this.seal(fact.value, id, userId), source: fact.source, sourceMessageId };
      }),
    );
    await this.prisma.$transaction([
      // The source condition is the rule's last guard: a fact the user typed meanwhile stays.
      this.prisma.profileFact.deleteMany({ where: { userId, id: { in: merge.delete }, source: { not: "user" } } }),
      ...created.map((data) => this.prisma.profileFact.create({ data })),
    ]);
    await this.onChange(userId);
    return merge.create.length;
  }

  async add(userId: string, kind: ProfileFactKind, value: string): Promise<ProfileFactView> {
    const id = newId("f");
    const row = await this.prisma.profileFact.create({ data: { id, userId, kind, value: await this.seal(value, id, userId), source: "user" } });
    await this.onChange(userId);
    return toView({ ...row, value });
  }

  async update(userId: string, factId: string, value: string): Promise<ProfileFactView> {
    const { count } = await this.prisma.profileFact.updateMany({ where: { id: factId, userId }, data: { value: await this.seal(value, factId, userId), source: "user" } });
    await this.onChange(userId);
    if (count === 0) throw notFound("remembered fact");
    return this.plainView(await this.prisma.profileFact.findUniqueOrThrow({ where: { id: factId } }));
  }

  async remove(userId: string, factId: string): Promise<void> {
    const { count } = await this.prisma.profileFact.deleteMany({ where: { id: factId, userId } });
    await this.onChange(userId);
    if (count === 0) throw notFound("remembered fact");
  }
}
