import type { GenerationSlots, ModelCall, SharedSlotOutcome, SharedSlots, SlotRelease } from "./generation-slots.ts";

export { unlimitedSlots, type GenerationSlots, type ModelCall, type SharedSlotOutcome, type SharedSlots, type SlotRelease } from "./generation-slots.ts";

export interface GenerationQueueSettings {
  /** Replies in flight (running or waiting) per user; 0: no per-user limit. */
  perUser: number;
  /** Model calls running at once on this instance; 0: no limit of its own (the Ollama pool's capacity may still set one). */
  perServer: number;
  /** Replies waiting for a running slot; 0: none wait, a full server refuses. */
  queue: number;
  /** A waiting reply is told its place again after this long without a change (default 15 s). */
  placeRepeatMs?: number;
}

/** What sizes the running slots besides `perServer`: the Ollama pool (healthy hosts × slots per host). */
export interface SlotCapacity {
  capacity(): number | null;
  onCapacityChange(listener: () => void): () => void;
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
  call: ModelCall | undefined;
  /** Set once it left the queue (started, or gave up). */
  gone: boolean;
  start: (slot: SharedSlotOutcome | null) => void;
  onPlace: ((ahead: number) => void) | undefined;
  /** Replies that start before this one if nobody else arrives. */
  place: number;
  toldPlace: number | null;
  toldAt: number;
}

interface PendingReservation {
  consumed: boolean;
  /** Called once the reply it became ends, or the send gives it back (the shared lease). */
  onEnd: () => void;
}

/**
 * The in-process concurrency of replies: at most `perServer` model calls at once (and at most
 * what the Ollama pool can run, when it knows), the rest waiting, at most `queue` of them. The
 * wait is fair across users: round robin over the users with waiting replies, so a user with ten
 * queued replies delays another user's one reply by at most one of theirs. A user has at most
 * `perUser` replies in flight (running or waiting). A send reserves its place before anything is
 * saved (`reserve`), so a refusal leaves nothing behind.
 */
export class GenerationQueue implements GenerationSlots {
  private readonly running = new Map<string, number>();
  private runningTotal = 0;
  /** Each user's waiting replies, oldest first. */
  private readonly waitersByUser = new Map<string, Waiter[]>();
  /** Users with waiting replies, in the order they are served next; one served goes to the back. */
  private rotation: string[] = [];
  private waitingTotal = 0;
  private readonly reservations = new Map<string, PendingReservation[]>();
  private reservedTotal = 0;
  private poolCapacity: number | null = null;
  private stopFollowing: (() => void) | null = null;
  private tellScheduled = false;
  private repeater: NodeJS.Timeout | null = null;
  private shared: SharedSlots | null = null;
  private stopSharing: (() => void) | null = null;
  /** Shared slots being asked for: counted as running, so the local limit holds meanwhile. */
  private taking = 0;
  private pumping = false;
  private pumpAgain = false;

  constructor(private readonly settings: GenerationQueueSettings) {}

  get runningCount(): number {
    return this.runningTotal;
  }

  get waitingCount(): number {
    return this.waitingTotal;
  }

  /** Running slots: `perServer` and the pool's capacity, whichever is smaller; Infinity with neither. */
  get runningLimit(): number {
    const own = this.settings.perServer > 0 ? this.settings.perServer : Infinity;
    return this.poolCapacity === null ? own : Math.min(own, Math.max(1, this.poolCapacity));
  }

  /** Sizes the running slots by the pool too, following it as hosts go out and come back. */
  followCapacity(source: SlotCapacity): void {
    this.stopFollowing?.();
    const update = (): void => {
      this.poolCapacity = source.capacity();
      this.startWaiting();
    };
    this.stopFollowing = source.onCapacityChange(update);
    update();
  }

  /**
   * Scaled mode: a reply starts only once it also holds a slot counted across instances, on a
   * host the pool would pick; otherwise it keeps its place here and retries when one frees.
   */
  shareSlots(shared: SharedSlots): void {
    this.stopSharing?.();
    this.shared = shared;
    this.stopSharing = shared.onMaybeFree(() => this.startWaiting());
  }

  /** Replies waiting ahead of this user's first waiting reply (null when none of theirs waits). */
  waitingAhead(userId: string): number | null {
    const first = this.waitersByUser.get(userId)?.[0];
    return first ? first.place : null;
  }

  /** Replies waiting ahead of this one (null when it is not waiting: running, or gone). */
  waitingAheadOf(messageId: string): number | null {
    for (const list of this.waitersByUser.values()) {
      const waiter = list.find((entry) => entry.messageId === messageId);
      if (waiter) return waiter.place;
    }
    return null;
  }

  /** A place for one more reply of this user, or why not; `onEnd` runs once that reply (or the failed send) ends. */
  reserve(userId: string, onEnd: () => void = () => undefined): Reservation | Refusal {
    const { perUser, queue } = this.settings;
    const inFlight = this.inFlight(userId);
    if (perUser > 0 && inFlight >= perUser) return { limit: "concurrent_generations_user", inFlight };
    if (this.runningTotal + this.waitingTotal + this.reservedTotal >= this.runningLimit + queue) {
      return { limit: "concurrent_generations_server", waiting: this.waitingTotal };
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

  acquire(userId: string, signal: AbortSignal, messageId?: string, onPlace?: (ahead: number) => void, call?: ModelCall): Promise<SlotRelease> {
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
    if (this.runningTotal + this.taking < this.runningLimit && this.waitingTotal === 0) {
      if (this.shared && call) return this.startShared(userId, signal, call, onEnd, messageId, onPlace);
      return Promise.resolve(this.occupy(userId, onEnd, null));
    }
    return this.wait(userId, signal, onEnd, messageId, onPlace, call);
  }

  /** Nobody waits here: a shared slot at once when one is free, else a place at the head of the queue. */
  private async startShared(userId: string, signal: AbortSignal, call: ModelCall, onEnd: () => void, messageId?: string, onPlace?: (ahead: number) => void): Promise<SlotRelease> {
    this.taking += 1;
    let slot: SharedSlotOutcome;
    try {
      slot = await this.shared!.take(call);
    } finally {
      this.taking -= 1;
    }
    if (signal.aborted) {
      if (slot.kind === "taken") slot.release();
      onEnd();
      this.startWaiting();
      throw signal.reason;
    }
    if (slot.kind !== "full") return this.occupy(userId, onEnd, slot);
    return this.wait(userId, signal, onEnd, messageId, onPlace, call);
  }

  private wait(userId: string, signal: AbortSignal, onEnd: () => void, messageId: string | undefined, onPlace: ((ahead: number) => void) | undefined, call: ModelCall | undefined): Promise<SlotRelease> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        userId,
        messageId,
        call,
        gone: false,
        onPlace,
        place: 0,
        toldPlace: null,
        toldAt: 0,
        start: (slot) => {
          signal.removeEventListener("abort", onAbort);
          resolve(this.occupy(userId, onEnd, slot));
        },
      };
      const onAbort = (): void => {
        this.removeWaiter(waiter);
        onEnd();
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.addWaiter(waiter);
      // Told at once, so the stream's first event says where the reply stands.
      this.tell(waiter, Date.now());
      // A reply that found the local slots free waits only for a shared one: ask at once.
      if (this.shared) this.startWaiting();
    });
  }

  close(): void {
    this.stopFollowing?.();
    this.stopSharing?.();
    if (this.repeater) clearInterval(this.repeater);
    this.repeater = null;
  }

  private addWaiter(waiter: Waiter): void {
    const list = this.waitersByUser.get(waiter.userId);
    if (list) list.push(waiter);
    else {
      this.waitersByUser.set(waiter.userId, [waiter]);
      this.rotation.push(waiter.userId);
    }
    this.waitingTotal += 1;
    this.placesChanged();
    this.repeater ??= this.startRepeater();
  }

  private removeWaiter(waiter: Waiter): void {
    const list = this.waitersByUser.get(waiter.userId);
    const index = list?.indexOf(waiter) ?? -1;
    if (!list || index < 0) return;
    waiter.gone = true;
    list.splice(index, 1);
    this.waitingTotal -= 1;
    if (list.length === 0) {
      this.waitersByUser.delete(waiter.userId);
      this.rotation = this.rotation.filter((userId) => userId !== waiter.userId);
    }
    this.placesChanged();
  }

  /** Starts this waiter (wherever it stands) and moves its user to the back of the rotation, as `takeNext` does. */
  private startOutOfTurn(waiter: Waiter, slot: SharedSlotOutcome | null): void {
    const list = this.waitersByUser.get(waiter.userId)!;
    list.splice(list.indexOf(waiter), 1);
    waiter.gone = true;
    this.waitingTotal -= 1;
    this.rotation = this.rotation.filter((userId) => userId !== waiter.userId);
    if (list.length > 0) this.rotation.push(waiter.userId);
    else this.waitersByUser.delete(waiter.userId);
    waiter.start(slot);
    this.placesChanged();
  }

  /** The waiting replies in the order they would start (by place). */
  private fairOrder(): Waiter[] {
    const waiters: Waiter[] = [];
    for (const list of this.waitersByUser.values()) waiters.push(...list);
    return waiters.sort((left, right) => left.place - right.place);
  }

  /** The next reply to start: the first of the user at the front of the rotation, who then goes to the back. */
  private takeNext(): Waiter | undefined {
    const userId = this.rotation.shift();
    if (userId === undefined) return undefined;
    const list = this.waitersByUser.get(userId)!;
    const waiter = list.shift()!;
    waiter.gone = true;
    this.waitingTotal -= 1;
    if (list.length > 0) this.rotation.push(userId);
    else this.waitersByUser.delete(userId);
    return waiter;
  }

  /**
   * Every waiter's place under round robin, in one pass: round r serves the r-th reply of each
   * user that has one, in rotation order. Linear in the replies waiting.
   */
  private placesChanged(): void {
    let place = 0;
    let active = this.rotation.map((userId) => this.waitersByUser.get(userId)!);
    for (let round = 0; active.length > 0; round += 1) {
      const next: Waiter[][] = [];
      for (const list of active) {
        list[round]!.place = place;
        place += 1;
        if (list.length > round + 1) next.push(list);
      }
      active = next;
    }
    this.scheduleTelling();
  }

  /** Changes in one turn of the event loop (a burst of arrivals, a reply ending) are told once. */
  private scheduleTelling(): void {
    if (this.tellScheduled) return;
    this.tellScheduled = true;
    setImmediate(() => {
      this.tellScheduled = false;
      const now = Date.now();
      for (const list of this.waitersByUser.values()) {
        for (const waiter of list) if (waiter.place !== waiter.toldPlace) this.tell(waiter, now);
      }
    });
  }

  private tell(waiter: Waiter, now: number): void {
    waiter.toldPlace = waiter.place;
    waiter.toldAt = now;
    waiter.onPlace?.(waiter.place);
  }

  /** Through a long wait with no change, the place is told again: the stream stays alive through proxies. */
  private startRepeater(): NodeJS.Timeout {
    const every = this.settings.placeRepeatMs ?? 15_000;
    const timer = setInterval(() => {
      if (this.waitingTotal === 0) {
        clearInterval(timer);
        this.repeater = null;
        return;
      }
      const now = Date.now();
      for (const list of this.waitersByUser.values()) {
        for (const waiter of list) if (now - waiter.toldAt >= every) this.tell(waiter, now);
      }
    }, Math.max(10, Math.floor(every / 2)));
    timer.unref();
    return timer;
  }

  private inFlight(userId: string): number {
    return (this.running.get(userId) ?? 0) + (this.waitersByUser.get(userId)?.length ?? 0) + (this.reservations.get(userId)?.length ?? 0);
  }

  private dropReservation(userId: string, pending: PendingReservation): void {
    const list = this.reservations.get(userId);
    const index = list?.indexOf(pending) ?? -1;
    if (!list || index < 0) return;
    list.splice(index, 1);
    if (list.length === 0) this.reservations.delete(userId);
    this.reservedTotal -= 1;
  }

  private occupy(userId: string, onEnd: () => void, slot: SharedSlotOutcome | null): SlotRelease {
    this.running.set(userId, (this.running.get(userId) ?? 0) + 1);
    this.runningTotal += 1;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      if (slot?.kind === "taken") slot.release();
      const count = (this.running.get(userId) ?? 1) - 1;
      if (count > 0) this.running.set(userId, count);
      else this.running.delete(userId);
      this.runningTotal -= 1;
      onEnd();
      this.startWaiting();
    };
    return slot?.kind === "taken" ? Object.assign(release, { host: slot.host }) : release;
  }

  private startWaiting(): void {
    if (this.shared) {
      void this.pump();
      return;
    }
    let started = false;
    while (this.waitingTotal > 0 && this.runningTotal < this.runningLimit) {
      this.takeNext()?.start(null);
      started = true;
    }
    if (started) this.placesChanged();
  }

  /** One pass at a time over the waiters; a trigger during a pass (an arrival, a release, a slot freed elsewhere) runs another. */
  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        await this.startWithSharedSlots();
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Waiters in fair order take a shared slot while the local limit allows. One that finds every
   * host full for its model keeps its place; later waiters of that model are not asked this pass
   * (same hosts, same answer), those of another model may still start.
   */
  private async startWithSharedSlots(): Promise<void> {
    const fullModels = new Set<string>();
    for (const waiter of this.fairOrder()) {
      if (this.runningTotal + this.taking >= this.runningLimit) return;
      if (waiter.gone) continue;
      if (!waiter.call) {
        this.startOutOfTurn(waiter, null);
        continue;
      }
      if (fullModels.has(waiter.call.model)) continue;
      this.taking += 1;
      let slot: SharedSlotOutcome;
      try {
        slot = await this.shared!.take(waiter.call);
      } finally {
        this.taking -= 1;
      }
      if (waiter.gone) {
        // It gave up while the slot was being taken.
        if (slot.kind === "taken") slot.release();
        continue;
      }
      if (slot.kind === "full") fullModels.add(waiter.call.model);
      else this.startOutOfTurn(waiter, slot);
    }
  }
}
