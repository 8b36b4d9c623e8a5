/**
 * The embedded reference Store: an LRU bounded by total bytes and by entry size. A Map keeps
 * insertion order, so re-inserting on every hit makes its first key the least recently used one.
 * Expired records are dropped lazily (on get) and first when room is needed.
 */
import type { CacheRecord, CacheStore, CacheStoreStats, InvalidationEvent } from './store.js';
import { pathUnder, recordBytes } from './store.js';

export interface MemoryStoreOptions {
  /** Budget for all records together, in bytes. */
  maxBytes: number;
  /** Largest single record, in bytes. */
  maxEntryBytes: number;
  /** Injected clock (ms since the epoch) so expiry is testable without sleeping. */
  now?: () => number;
}

interface Slot {
  record: CacheRecord;
  path: string;
  bytes: number;
}

export function createMemoryStore(options: MemoryStoreOptions): CacheStore {
  const now = options.now ?? Date.now;
  const slots = new Map<string, Slot>();
  const byPath = new Map<string, Set<string>>();
  const listeners = new Set<(event: InvalidationEvent) => void>();
  const stats: CacheStoreStats = { storedBytes: 0, evictions: 0 };

  function remove(key: string): boolean {
    const slot = slots.get(key);
    if (slot === undefined) return false;
    slots.delete(key);
    stats.storedBytes -= slot.bytes;
    const keys = byPath.get(slot.path);
    if (keys !== undefined) {
      keys.delete(key);
      if (keys.size === 0) byPath.delete(slot.path);
    }
    return true;
  }

  function removeKeys(keys: Iterable<string>): number {
    let n = 0;
    for (const key of [...keys]) if (remove(key)) n++;
    return n;
  }

  function peek(key: string): CacheRecord | undefined {
    const slot = slots.get(key);
    if (slot === undefined) return undefined;
    if (slot.record.expiresAt <= now()) {
      remove(key);
      return undefined;
    }
    // Refresh recency: move to the end of the insertion order.
    slots.delete(key);
    slots.set(key, slot);
    return slot.record;
  }

  function emit(event: InvalidationEvent): void {
    for (const listener of listeners) listener(event);
  }

  return {
    kind: 'memory',
    maxEntryBytes: options.maxEntryBytes,
    async get(key) {
      return peek(key);
    },
    peek,
    async set(key, path, record) {
      const bytes = recordBytes(record);
      remove(key);
      if (bytes > options.maxEntryBytes || bytes > options.maxBytes || record.expiresAt <= now()) return;
      if (stats.storedBytes + bytes > options.maxBytes) {
        // Expired records go first, then the least recently used ones.
        const t = now();
        for (const [k, slot] of slots) if (slot.record.expiresAt <= t) remove(k);
        for (const k of slots.keys()) {
          if (stats.storedBytes + bytes <= options.maxBytes) break;
          remove(k);
          stats.evictions++;
        }
      }
      slots.set(key, { record, path, bytes });
      stats.storedBytes += bytes;
      let keys = byPath.get(path);
      if (keys === undefined) byPath.set(path, (keys = new Set()));
      keys.add(key);
    },
    async delete(key) {
      remove(key);
    },
    async deletePath(path) {
      const keys = byPath.get(path);
      const n = keys === undefined ? 0 : removeKeys(keys);
      emit({ type: 'path', path });
      return n;
    },
    async deletePrefix(prefix) {
      let n = 0;
      for (const [path, keys] of [...byPath]) if (pathUnder(path, prefix)) n += removeKeys(keys);
      emit({ type: 'prefix', prefix });
      return n;
    },
    async clear() {
      const n = slots.size;
      slots.clear();
      byPath.clear();
      stats.storedBytes = 0;
      emit({ type: 'all' });
      return n;
    },
    onInvalidate(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stats: () => stats,
    async close() {
      slots.clear();
      byPath.clear();
      listeners.clear();
      stats.storedBytes = 0;
    },
  };
}
