import type { Clock } from '../clock.js';

/** Failed-login accounting per (username, client address), in memory on each instance. */
export interface LoginThrottle {
  /** True when this key has used up its failures for the current window. */
  blocked(key: string): boolean;
  fail(key: string): void;
  succeed(key: string): void;
}

/**
 * At most `maxFailures` wrong passwords per key within `windowSeconds`; the window starts at the
 * first failure. Keying by username and address slows guessing from one place without letting
 * anyone lock a user out everywhere. At most `maxKeys` keys are tracked (oldest dropped) so a
 * stream of invented usernames cannot grow memory without bound.
 */
export function createLoginThrottle(options: { maxFailures: number; windowSeconds: number; maxKeys: number; clock: Clock }): LoginThrottle {
  const entries = new Map<string, { failures: number; resetAt: number }>();
  const current = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.resetAt <= options.clock()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  return {
    blocked: (key) => (current(key)?.failures ?? 0) >= options.maxFailures,
    fail(key) {
      const entry = current(key) ?? { failures: 0, resetAt: options.clock() + options.windowSeconds * 1000 };
      entry.failures += 1;
      entries.delete(key);
      entries.set(key, entry);
      while (entries.size > options.maxKeys) entries.delete(entries.keys().next().value as string);
    },
    succeed(key) {
      entries.delete(key);
    },
  };
}
