/**
 * The cost model's simulated clock, in milliseconds from start (or `reset()`).
 *
 * - timeScale > 0: simulated time runs at 1/timeScale of real time, so every real wait
 *   (a queue, a sleep standing in for a load or a prefill) is a simulated wait too.
 * - timeScale 0: nothing sleeps and the clock only moves when a reply is delivered (to
 *   that reply's simulated end) or when `advanceClock` is called. A request is stamped
 *   with the clock when it arrives, so a request sent after a reply came back never
 *   waits for it, while requests inside the server at the same time queue for slots in
 *   simulated time.
 *
 * Never goes backwards.
 */
export class SimClock {
  readonly timeScale: number;
  private realStart = performance.now();
  private offset = 0;
  private floor = 0;

  constructor(timeScale: number) {
    this.timeScale = timeScale;
  }

  now(): number {
    if (this.timeScale <= 0) return this.floor;
    return Math.max(this.floor, this.offset + (performance.now() - this.realStart) / this.timeScale);
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

  reset(): void {
    this.realStart = performance.now();
    this.offset = 0;
    this.floor = 0;
  }
}
