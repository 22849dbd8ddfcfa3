import { RecallIndex, type RecallTurn } from "@recall/memory";
import { LRUCache } from "lru-cache";

/** Computes vectors for texts (an embedding model behind it), or nothing when none is configured. */
export type Embed = (texts: string[]) => Promise<number[][]>;

/** A user's searchable turns: the BM25 index, the text it points at, and vectors when embeddings are on. */
export class UserRecall {
  readonly index = new RecallIndex();
  readonly turns = new Map<string, RecallTurn>();
  readonly vectors = new Map<string, Float32Array>();
  private readonly unembedded: RecallTurn[] = [];
  private embedding: Promise<void> | null = null;

  constructor(private readonly embed: Embed | null) {}

  add(turn: RecallTurn): void {
    if (turn.content.trim().length === 0) return;
    this.index.add(turn);
    this.turns.set(turn.id, turn);
    if (this.embed) {
      this.unembedded.push(turn);
      this.embedPending();
    }
  }

  removeSession(sessionId: string): void {
    this.index.removeSession(sessionId);
    for (const [id, turn] of this.turns) {
      if (turn.sessionId !== sessionId) continue;
      this.turns.delete(id);
      this.vectors.delete(id);
    }
  }

  /** Resolves when every turn added so far has its vector (or embedding failed). */
  async embedded(): Promise<void> {
    while (this.embedding) await this.embedding;
  }

  /** In the background, in batches: replies use BM25 alone until the vectors are there. */
  private embedPending(): void {
    if (this.embedding || !this.embed) return;
    const embed = this.embed;
    this.embedding = (async () => {
      while (this.unembedded.length > 0) {
        const batch = this.unembedded.splice(0, 64);
        try {
          const vectors = await embed(batch.map((turn) => turn.content.slice(0, 4000)));
          batch.forEach((turn, position) => {
            const vector = vectors[position];
            if (vector && this.turns.has(turn.id)) this.vectors.set(turn.id, Float32Array.from(vector));
          });
        } catch {
          // No embedding model right now: recall stays lexical for these turns.
        }
      }
    })().finally(() => {
      this.embedding = null;
    });
  }
}

/**
 * Recall indexes for recently active users, built from the database on first use and
 * kept current as messages are written. Bounded: the least recently used user's
 * index is dropped (and rebuilt from the database when they come back).
 */
export class RecallIndexes {
  private readonly loaded: LRUCache<string, Promise<UserRecall>>;

  constructor(
    private readonly loadTurns: (userId: string) => Promise<RecallTurn[]>,
    maxUsers: number,
    private readonly embed: Embed | null = null,
  ) {
    this.loaded = new LRUCache({ max: maxUsers });
  }

  get(userId: string): Promise<UserRecall> {
    let recall = this.loaded.get(userId);
    if (recall) return recall;
    recall = this.loadTurns(userId).then((turns) => {
      const built = new UserRecall(this.embed);
      for (const turn of turns) built.add(turn);
      return built;
    });
    const loading = recall;
    // A failed load is not kept (unless a newer one replaced it meanwhile).
    recall.catch(() => {
      if (this.loaded.peek(userId) === loading) this.loaded.delete(userId);
    });
    this.loaded.set(userId, recall);
    return recall;
  }

  /** Adds a finished message to the user's index if it is loaded; a later load reads it from the database anyway. */
  note(userId: string, turn: RecallTurn): void {
    void this.loaded.peek(userId)?.then((recall) => recall.add(turn), () => undefined);
  }

  forgetSession(userId: string, sessionId: string): void {
    void this.loaded.peek(userId)?.then((recall) => recall.removeSession(sessionId), () => undefined);
  }

  /** The user's data was erased: drop their whole index (a later load would find nothing anyway). */
  forgetUser(userId: string): void {
    this.loaded.delete(userId);
  }
}
