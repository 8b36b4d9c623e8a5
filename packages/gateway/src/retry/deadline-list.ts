/**
 * Per-try timeouts without a timer per try. Entries (the objects waiting, linked through their
 * own fields) are kept sorted by deadline; one scheduler timer waits for the earliest. A try that
 * finishes in time is unlinked in O(1) and nothing else happens: the timer, if it then fires
 * early, finds nothing due and waits for the new earliest entry. Inserting walks back from the
 * tail, which is O(1) when timeouts are equal; `DeadlineTimers` keeps one list per timeout value
 * so that it always is.
 */
import type { Clock, Scheduler } from '../health/clock.js';

export interface DeadlineEntry {
  deadlineAt: number;
  deadlinePrev: DeadlineEntry | undefined;
  deadlineNext: DeadlineEntry | undefined;
  /** In a list now. */
  deadlineLinked: boolean;
  /** The list holding it (set by DeadlineTimers). */
  deadlineList?: DeadlineList | undefined;
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
    /** Called after the timer fired and found the list empty (DeadlineTimers drops it then). */
    private readonly onIdle?: () => void,
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

  get empty(): boolean {
    return this.head === undefined;
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
    try {
      for (let e = this.head; e !== undefined && e.deadlineAt <= now; e = this.head) {
        this.remove(e);
        e.onDeadline();
      }
    } finally {
      // Even if an onDeadline threw, the entries left keep a timer.
      // An onDeadline may have added an entry (arming the timer for it): an entry already waiting
      // with an earlier deadline still needs the timer at its own time.
      if (this.head !== undefined) {
        if (this.head.deadlineAt < this.timerAt) this.arm(this.head.deadlineAt);
      } else if (this.timer === undefined) {
        this.onIdle?.();
      }
    }
  }
}

/**
 * One DeadlineList per timeout value: within a list every entry has the same timeout, so entries
 * arrive in deadline order and inserting is O(1) whatever mix of timeouts the routes use. A list
 * lives while it has entries and until its timer next fires empty.
 */
export class DeadlineTimers {
  private readonly lists = new Map<number, DeadlineList>();

  constructor(
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
  ) {}

  add(entry: DeadlineEntry, ms: number): void {
    this.remove(entry);
    const key = Math.max(0, Math.round(ms));
    let list = this.lists.get(key);
    if (list === undefined) {
      list = new DeadlineList(this.clock, this.scheduler, () => this.lists.delete(key));
      this.lists.set(key, list);
    }
    entry.deadlineList = list;
    list.add(entry, key);
  }

  remove(entry: DeadlineEntry): void {
    const list = entry.deadlineList;
    if (list === undefined) return;
    entry.deadlineList = undefined;
    list.remove(entry);
  }

  /** Lists alive (for tests). */
  get listCount(): number {
    return this.lists.size;
  }
}
