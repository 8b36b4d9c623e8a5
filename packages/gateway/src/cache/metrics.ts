/**
 * Cache metrics, registered once per prom-client Registry (routes and reloads share them). Store
 * gauges are read at scrape time from the stores registered with `observeStore`.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CacheStore } from './store.js';
import { createCounterFamily, type CounterChild } from '../metrics/fast-metrics.js';

/** Outcomes counted by `portero_cache_lookups_total`. */
export type LookupResult = 'hit' | 'miss' | 'stale' | 'revalidated' | 'bypass';

/** Counts one lookup of a route; resolved once per route (when its filter is built). */
export type LookupCounter = (result: LookupResult) => void;

export interface CacheMetrics {
  forRoute(route: string): LookupCounter;
  coalescedWait(route: string): void;
  storeError(operation: string): void;
  observeStore(store: CacheStore): void;
}

const byRegistry = new WeakMap<Registry, CacheMetrics>();

export function createCacheMetrics(registry: Registry): CacheMetrics {
  const existing = byRegistry.get(registry);
  if (existing !== undefined) return existing;
  const stores = new Set<CacheStore>();
  // Counted on every cached request: a fast-metrics family, one plain increment per lookup.
  const lookups = createCounterFamily(registry, 'portero_cache_lookups_total', 'Cache lookups by route and result (hit, miss, stale, revalidated, bypass).', ['route', 'result']);
  const waits = new Counter({
    name: 'portero_cache_coalesced_waits_total',
    help: 'Requests that waited for another request to fill the same cache key.',
    labelNames: ['route'],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'portero_cache_store_errors_total',
    help: 'Cache store operations that failed (the cache was bypassed).',
    labelNames: ['operation'],
    registers: [registry],
  });
  new Gauge({
    name: 'portero_cache_stored_bytes',
    help: 'Bytes held by the embedded (memory) cache store; Redis reports its own memory.',
    registers: [registry],
    collect() {
      let bytes = 0;
      for (const store of stores) bytes += store.stats().storedBytes;
      this.set(bytes);
    },
  });
  let reportedEvictions = 0;
  new Counter({
    name: 'portero_cache_evictions_total',
    help: 'Cache entries evicted to respect the store size bound.',
    registers: [registry],
    collect() {
      let evictions = 0;
      for (const store of stores) evictions += store.stats().evictions;
      if (evictions > reportedEvictions) this.inc(evictions - reportedEvictions);
      reportedEvictions = Math.max(reportedEvictions, evictions);
    },
  });
  const metrics: CacheMetrics = {
    forRoute(route) {
      // A result's series appears at its first lookup, as with prom-client's own counters.
      const children: Partial<Record<LookupResult, CounterChild>> = {};
      return (result) => {
        (children[result] ??= lookups.child([route, result])).value++;
      };
    },
    coalescedWait: (route) => waits.inc({ route }),
    storeError: (operation) => errors.inc({ operation }),
    observeStore: (store) => {
      stores.add(store);
    },
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
