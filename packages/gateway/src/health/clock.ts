/**
 * Time seams for everything time-based in health, retries, breakers and discovery: production
 * passes nothing and gets the system clock; tests pass a manual clock and move time explicitly
 * instead of sleeping.
 */

/** Milliseconds since the epoch (or any monotonic origin; only differences are used). */
export type Clock = () => number;

/** Timer functions. `unref` is applied by the system scheduler so timers never keep the process up. */
export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = () => Date.now();

export const systemScheduler: Scheduler = {
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** A random number in [0, 1), injectable so jitter and sampling are reproducible in tests. */
export type Random = () => number;
