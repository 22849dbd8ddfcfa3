import { RecallIndex, type RecallTurn } from "@recall/memory";

/** A user's searchable turns: the BM25 index plus the text it points at. */
export class UserRecall {
  readonly index = new RecallIndex();
  readonly turns = new Map<string, RecallTurn>();

  add(turn: RecallTurn): void {
    if (turn.content.trim().length === 0) return;
    this.index.add(turn);
    this.turns.set(turn.id, turn);
  }

  removeSession(sessionId: string): void {
    this.index.removeSession(sessionId);
    for (const [id, turn] of this.turns) if (turn.sessionId === sessionId) this.turns.delete(id);
  }
}

/**
 * Recall indexes for recently active users, built from the database on first use and
 * kept current as messages are written. Bounded: the least recently used user's
 * index is dropped (and rebuilt from the database when they come back).
 */
export class RecallIndexes {
  private readonly loaded = new Map<string, Promise<UserRecall>>();

  constructor(
    private readonly loadTurns: (userId: string) => Promise<RecallTurn[]>,
    private readonly maxUsers: number,
  ) {}

  get(userId: string): Promise<UserRecall> {
    let recall = this.loaded.get(userId);
    if (recall) {
      // Re-insert to mark as most recently used.
      this.loaded.delete(userId);
      this.loaded.set(userId, recall);
      return recall;
    }
    recall = this.loadTurns(userId).then((turns) => {
      const built = new UserRecall();
      for (const turn of turns) built.add(turn);
      return built;
    });
    recall.catch(() => this.loaded.delete(userId));
    this.loaded.set(userId, recall);
    while (this.loaded.size > this.maxUsers) {
      const oldest = this.loaded.keys().next().value;
      if (oldest === undefined) break;
      this.loaded.delete(oldest);
    }
    return recall;
  }

  /** Adds a finished message to the user's index if it is loaded; a later load reads it from the database anyway. */
  note(userId: string, turn: RecallTurn): void {
    void this.loaded.get(userId)?.then((recall) => recall.add(turn), () => undefined);
  }

  forgetSession(userId: string, sessionId: string): void {
    void this.loaded.get(userId)?.then((recall) => recall.removeSession(sessionId), () => undefined);
  }
}
