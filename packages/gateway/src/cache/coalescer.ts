/**
 * Request coalescing and fill tracking. The first miss for a key becomes the leader and goes
 * upstream; later misses for the same key wait (up to `maxWaiters`, for up to `waitTimeoutMs`)
 * for the leader's stored entry. A leader that ends without an entry (not storable, too large,
 * upstream error, client gone) settles with undefined and the waiters go upstream themselves.
 *
 * Every fill also carries a cancellation flag: an invalidation that covers the fill's path while
 * it is in flight flips it, so a response that started before a write is not stored after it.
 */
import type { CachedResponse, InvalidationEvent } from './store.js';
import { pathUnder } from './store.js';

export interface Fill {
  readonly key: string;
  readonly path: string;
  cancelled: boolean;
  /** Number of requests waiting for this fill. */
  waiters: number;
  settle(entry: CachedResponse | undefined): void;
  readonly result: Promise<CachedResponse | undefined>;
}

/** What a waiter learns: the leader's entry, nothing storable, or that it waited too long. */
export type WaitOutcome = { readonly type: 'entry'; readonly entry: CachedResponse } | { readonly type: 'none' } | { readonly type: 'timeout' };

export interface Coalescer {
  /** Starts a fill for `key`; `leader` is false when another fill for the key is in flight. */
  begin(key: string, path: string, coalesce: boolean): { fill: Fill; leader: boolean };
  /** Waits for the in-flight fill, or returns undefined when it already has `maxWaiters` waiters. */
  wait(fill: Fill, maxWaiters: number, waitTimeoutMs: number): Promise<WaitOutcome> | undefined;
  /** Cancels fills covered by an invalidation (called for local and remote invalidations). */
  invalidate(event: InvalidationEvent): void;
  /** Fills in flight, for tests and metrics. */
  readonly size: number;
}

export function createCoalescer(): Coalescer {
  const leaders = new Map<string, Fill>();
  const tracked = new Set<Fill>();

  function makeFill(key: string, path: string, indexed: boolean): Fill {
    let resolve!: (entry: CachedResponse | undefined) => void;
    const result = new Promise<CachedResponse | undefined>((r) => (resolve = r));
    let settled = false;
    const fill: Fill = {
      key,
      path,
      cancelled: false,
      waiters: 0,
      result,
      settle(entry) {
        if (settled) return;
        settled = true;
        tracked.delete(fill);
        if (indexed && leaders.get(key) === fill) leaders.delete(key);
        resolve(fill.cancelled ? undefined : entry);
      },
    };
    tracked.add(fill);
    return fill;
  }

  return {
    begin(key, path, coalesce) {
      if (coalesce) {
        const current = leaders.get(key);
        if (current !== undefined) return { fill: current, leader: false };
        const fill = makeFill(key, path, true);
        leaders.set(key, fill);
        return { fill, leader: true };
      }
      return { fill: makeFill(key, path, false), leader: true };
    },
    wait(fill, maxWaiters, waitTimeoutMs) {
      if (fill.waiters >= maxWaiters) return undefined;
      fill.waiters++;
      return new Promise<WaitOutcome>((resolve) => {
        // Not unref'd: a waiting request is work in progress, and the timer is cleared on settle.
        const timer = setTimeout(() => resolve({ type: 'timeout' }), waitTimeoutMs);
        void fill.result.then((entry) => {
          clearTimeout(timer);
          resolve(entry === undefined ? { type: 'none' } : { type: 'entry', entry });
        });
      });
    },
    invalidate(event) {
      for (const fill of tracked) {
        if (event.type === 'all' || (event.type === 'path' && fill.path === event.path) || (event.type === 'prefix' && pathUnder(fill.path, event.prefix))) {
          fill.cancelled = true;
          // New misses start a fresh fill instead of joining one that will not be stored.
          if (leaders.get(fill.key) === fill) leaders.delete(fill.key);
        }
      }
    },
    get size() {
      return tracked.size;
    },
  };
}
