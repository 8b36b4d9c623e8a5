import type { Clock, Scheduler } from './clock.js';

/**
 * A clock and scheduler that only move when told to: `advance(ms)` moves time forward and runs,
 * in due order, every timer that falls due. Used by tests and simulations of time-based logic.
 */
export interface ManualClock {
  readonly now: Clock;
  readonly scheduler: Scheduler;
  /** Moves time forward by `ms`, firing due timers in order (timers set while firing included). */
  advance(ms: number): void;
  /** Number of timers still waiting. */
  pending(): number;
}

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

export function createManualClock(start = 1_000_000): ManualClock {
  let now = start;
  let seq = 0;
  const timers = new Set<Timer>();

  const nextDue = (until: number): Timer | undefined => {
    let best: Timer | undefined;
    for (const t of timers) {
      if (t.at > until) continue;
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  };

  return {
    now: () => now,
    scheduler: {
      setTimeout(fn, ms) {
        const timer: Timer = { at: now + Math.max(0, ms), seq: seq++, fn };
        timers.add(timer);
        return timer;
      },
      clearTimeout(handle) {
        timers.delete(handle as Timer);
      },
    },
    advance(ms) {
      const until = now + ms;
      for (let t = nextDue(until); t; t = nextDue(until)) {
        timers.delete(t);
        now = Math.max(now, t.at);
        t.fn();
      }
      now = until;
    },
    pending: () => timers.size,
  };
}
