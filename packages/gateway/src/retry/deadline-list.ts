/**
 * Per-try timeouts without a timer per try. Entries (the objects waiting, linked through their
 * own fields) are kept sorted by deadline; one scheduler timer waits for the earliest. A try that
 * finishes in time is unlinked in O(1) and nothing else happens: the timer, if it then fires
 * early, finds nothing due and waits for the new earliest entry. Inserting walks back from the
 * tail, which is O(1) when timeouts are equal (every first try of a route) and short otherwise.
 */
import type { Clock, Scheduler } from '../health/clock.js';

export interface DeadlineEntry {
  deadlineAt: number;
  deadlinePrev: DeadlineEntry | undefined;
  deadlineNext: DeadlineEntry | undefined;
  /** In a list now. */
  deadlineLinked: boolean;
  /** Called once when the deadline passes while the entry is still in the list (it is unlinked first). */
  onDeadline(): void;
}

export class DeadlineList {
  private head: DeadlineEntry | undefined = undefined;
  private tail: DeadlineEntry | undefined = undefined;
  private timer: unknown = undefined;
  private timerAt = Infinity;
  private readonly fire = (): void => this.expire();

  constructor(
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
  ) {}

  /** Calls `entry.onDeadline()` in `ms` unless `remove(entry)` comes first. */
  add(entry: DeadlineEntry, ms: number): void {
    if (entry.deadlineLinked) this.remove(entry);
    const at = this.clock() + Math.max(0, ms);
    entry.deadlineAt = at;
    entry.deadlineLinked = true;
    let after = this.tail;
    while (after !== undefined && after.deadlineAt > at) after = after.deadlinePrev;
    entry.deadlinePrev = after;
    entry.deadlineNext = after === undefined ? this.head : after.deadlineNext;
    if (after === undefined) this.head = entry;
    else after.deadlineNext = entry;
    if (entry.deadlineNext === undefined) this.tail = entry;
    else entry.deadlineNext.deadlinePrev = entry;
    if (at < this.timerAt) this.arm(at);
  }

  remove(entry: DeadlineEntry): void {
    if (!entry.deadlineLinked) return;
    entry.deadlineLinked = false;
    const prev = entry.deadlinePrev;
    const next = entry.deadlineNext;
    if (prev === undefined) this.head = next;
    else prev.deadlineNext = next;
    if (next === undefined) this.tail = prev;
    else next.deadlinePrev = prev;
    entry.deadlinePrev = undefined;
    entry.deadlineNext = undefined;
  }

  /** Entries waiting (walks the list; for tests and diagnostics). */
  size(): number {
    let n = 0;
    for (let e = this.head; e !== undefined; e = e.deadlineNext) n++;
    return n;
  }

  private arm(at: number): void {
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = this.scheduler.setTimeout(this.fire, Math.max(0, at - this.clock()));
  }

  private expire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.clock();
    for (let e = this.head; e !== undefined && e.deadlineAt <= now; e = this.head) {
      this.remove(e);
      e.onDeadline();
    }
    if (this.head !== undefined && this.timer === undefined) this.arm(this.head.deadlineAt);
  }
}
