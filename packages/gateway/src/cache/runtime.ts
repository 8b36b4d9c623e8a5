/**
 * The cache objects shared by every cached route (through SharedResources, so they survive
 * reloads): the Store, the coalescer of fills in flight, the set of keys being refreshed in the
 * background, and a rate-limited reporter for store failures.
 */
import type { Logger } from 'pino';
import { createCoalescer, type Coalescer } from './coalescer.js';
import type { CacheStore } from './store.js';

export interface CacheRuntime {
  readonly store: CacheStore;
  readonly coalescer: Coalescer;
  /** Keys with a stale-while-revalidate refresh in flight (one refresh per key at a time). */
  readonly refreshing: Set<string>;
  /** Logs a store failure at most once per interval (the metric counts every one). */
  reportStoreError(operation: string, err: unknown): void;
  close(): Promise<void>;
}

export interface CacheRuntimeOptions {
  logger: Logger;
  errorLogIntervalMs?: number;
  now?: () => number;
}

export function createCacheRuntime(store: CacheStore, options: CacheRuntimeOptions): CacheRuntime {
  const coalescer = createCoalescer();
  const unsubscribe = store.onInvalidate((event) => coalescer.invalidate(event));
  const interval = options.errorLogIntervalMs ?? 10000;
  const now = options.now ?? Date.now;
  let lastLog = -Infinity;
  let suppressed = 0;
  return {
    store,
    coalescer,
    refreshing: new Set(),
    reportStoreError(operation, err) {
      const t = now();
      if (t - lastLog < interval) {
        suppressed++;
        return;
      }
      lastLog = t;
      options.logger.warn(
        { store: store.kind, operation, err: err instanceof Error ? err.message : String(err), suppressed },
        'cache store unavailable; requests bypass the cache',
      );
      suppressed = 0;
    },
    async close() {
      unsubscribe();
      await store.close();
    },
  };
}
