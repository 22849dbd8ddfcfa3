/** Where a model call waits for its turn (`chat/generation.ts`); resolves with the slot's release. */
export interface GenerationSlots {
  /** `messageId`: the reply, so its place in the queue can be told (`waitingAheadOf`). */
  acquire(userId: string, signal: AbortSignal, messageId?: string): Promise<() => void>;
}

export const unlimitedSlots: GenerationSlots = { acquire: async () => () => {} };

export interface GenerationQueueSettings {
  /** Replies in flight (running or waiting) per user; 0: no per-user limit. */
  perUser: number;
  /** Model calls running at once on this instance; 0: no limit (and no queue). */
  perServer: number;
  /** Replies waiting for a running slot; 0: none wait, a full server refuses. */
  queue: number;
}

/** Why a reply cannot be admitted. */
export type Refusal = { limit: "concurrent_generations_user"; inFlight: number } | { limit: "concurrent_generations_server"; waiting: number };

/** A send's claim on a place, held from admission until its reply is queued or the send fails. */
export interface Reservation {
  release(): void;
}

interface Waiter {
  userId: string;
  messageId: string | undefined;
  start: () => void;
}

interface PendingReservation {
  consumed: boolean;
  /** Called once the reply it became ends, or the send gives it back (the shared lease). */
  onEnd: () => void;
}

/**
 * The in-process concurrency of replies: at most `perServer` model calls at once, the rest
 * in one FIFO of at most `queue`; a user has at most `perUser` replies in flight (running or
 * waiting), so nobody fills the queue alone and it stays fair across users. A send reserves
 * its place before anything is saved (`reserve`), so a refusal leaves nothing behind.
 */
export class GenerationQueue implements GenerationSlots {
  private readonly running = new Map<string, number>();
  private runningTotal = 0;
  private readonly waiters: Waiter[] = [];
  private readonly reservations = new Map<string, PendingReservation[]>();
  private reservedTotal = 0;

  constructor(private readonly settings: GenerationQueueSettings) {}

  get runningCount(): number {
    return this.runningTotal;
  }

  get waitingCount(): number {
    return this.waiters.length;
  }

  /** Replies waiting ahead of this user's first waiting reply (null when none of theirs waits). */
  waitingAhead(userId: string): number | null {
    const index = this.waiters.findIndex((waiter) => waiter.userId === userId);
    return index < 0 ? null : index;
  }

  /** Replies waiting ahead of this one (null when it is not waiting: running, or gone). */
  waitingAheadOf(messageId: string): number | null {
    const index = this.waiters.findIndex((waiter) => waiter.messageId === messageId);
    return index < 0 ? null : index;
  }

  /** A place for one more reply of this user, or why not; `onEnd` runs once that reply (or the failed send) ends. */
  reserve(userId: string, onEnd: () => void = () => undefined): Reservation | Refusal {
    const { perUser, perServer, queue } = this.settings;
    const inFlight = this.inFlight(userId);
    if (perUser > 0 && inFlight >= perUser) return { limit: "concurrent_generations_user", inFlight };
    if (perServer > 0 && this.runningTotal + this.waiters.length + this.reservedTotal >= perServer + queue) {
      return { limit: "concurrent_generations_server", waiting: this.waiters.length };
    }
    const pending: PendingReservation = { consumed: false, onEnd };
    const list = this.reservations.get(userId) ?? [];
    list.push(pending);
    this.reservations.set(userId, list);
    this.reservedTotal += 1;
    return {
      release: () => {
        if (pending.consumed) return;
        pending.consumed = true;
        this.dropReservation(userId, pending);
        pending.onEnd();
      },
    };
  }

  acquire(userId: string, signal: AbortSignal, messageId?: string): Promise<() => void> {
    // The reply takes over its send's reservation: counted once, as running or waiting.
    const pending = this.reservations.get(userId)?.[0];
    const onEnd = pending?.onEnd ?? (() => undefined);
    if (pending) {
      pending.consumed = true;
      this.dropReservation(userId, pending);
    }
    if (signal.aborted) {
      onEnd();
      return Promise.reject(signal.reason);
    }
    if (this.settings.perServer <= 0 || (this.runningTotal < this.settings.perServer && this.waiters.length === 0)) {
      return Promise.resolve(this.occupy(userId, onEnd));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        userId,
        messageId,
        start: () => {
          signal.removeEventListener("abort", onAbort);
          resolve(this.occupy(userId, onEnd));
        },
      };
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        onEnd();
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private inFlight(userId: string): number {
    let waiting = 0;
    for (const waiter of this.waiters) if (waiter.userId === userId) waiting += 1;
    return (this.running.get(userId) ?? 0) + waiting + (this.reservations.get(userId)?.length ?? 0);
  }

  private dropReservation(userId: string, pending: PendingReservation): void {
    const list = this.reservations.get(userId);
    const index = list?.indexOf(pending) ?? -1;
    if (!list || index < 0) return;
    list.splice(index, 1);
    if (list.length === 0) this.reservations.delete(userId);
    this.reservedTotal -= 1;
  }

  private occupy(userId: string, onEnd: () => void): () => void {
    this.running.set(userId, (this.running.get(userId) ?? 0) + 1);
    this.runningTotal += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const count = (this.running.get(userId) ?? 1) - 1;
      if (count > 0) this.running.set(userId, count);
      else this.running.delete(userId);
      this.runningTotal -= 1;
      onEnd();
      this.startWaiting();
    };
  }

  private startWaiting(): void {
    while (this.waiters.length > 0 && this.runningTotal < this.settings.perServer) this.waiters.shift()?.start();
  }
}
