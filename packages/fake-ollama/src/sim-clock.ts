/**
 * The cost model's simulated clock, in milliseconds from start (or `reset()`).
 *
 * - timeScale > 0: simulated time runs at 1/timeScale of real time, so every real wait
 *   (a queue, a sleep standing in for a load or a prefill) is a simulated wait too.
 * - timeScale 0: nothing sleeps and the clock only moves when a reply is delivered (to
 *   that reply's simulated end) or when `advanceClock` is called. A request is stamped
 *   with the clock when it arrives, so a request sent after a reply came back never
 *   waits for it, while requests inside the server at the same time queue for slots in
 *   simulated time. Requests reach this server one after another even when a client sends
 *   them together (each is answered before the next one's bytes are read), so to model
 *   clients that send at the same moment, `hold()` the clock: every request arriving while
 *   it is held is stamped with the same simulated time and queues for the slots.
 *
 * Never goes backwards.
 */
export class SimClock {
  readonly timeScale: number;
  private realStart = performance.now();
  private offset = 0;
  private floor = 0;
  private holds = 0;
  private heldAt = 0;

  constructor(timeScale: number) {
    this.timeScale = timeScale;
  }

  now(): number {
    if (this.timeScale <= 0) return this.floor;
    return Math.max(this.floor, this.offset + (performance.now() - this.realStart) / this.timeScale);
  }

  /** The simulated arrival time of a request arriving now. */
  arrival(): number {
    return this.holds > 0 ? this.heldAt : this.now();
  }

  /** Stamps every arrival with the current time until the returned function is called. Nests. */
  hold(): () => void {
    if (this.holds === 0) this.heldAt = this.now();
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
    };
  }

  /** A reply delivered at simulated time `at`: the clock is at least there. */
  reach(at: number): void {
    if (at > this.floor) this.floor = at;
  }

  advance(milliseconds: number): void {
    if (!(milliseconds > 0)) return;
    const target = this.now() + milliseconds;
    this.offset += milliseconds;
    this.floor = target;
  }

  /** Real milliseconds until the simulated time `at` (0 with timeScale 0 or when already past). */
  realDelayUntil(at: number): number {
    if (this.timeScale <= 0) return 0;
    return Math.max(0, (at - this.now()) * this.timeScale);
  }

}
