/**
 * The cache Store seam (after undici's `CacheStore`): a byte-bounded map from keys to immutable
 * records, plus a path index so that invalidation can drop every record of a path (or of a path
 * prefix) across all partitions and query variants.
 *
 * Semantics every implementation keeps:
 * - `get` returns the record stored under `key` if it has not expired (`expiresAt` is past) and
 *   was not deleted; otherwise undefined. It never returns a partially written record.
 * - `set` replaces the record under `key` atomically; the record is indexed under `path` and kept
 *   until `expiresAt` (ms since the epoch), or until it is evicted to respect the store's bounds.
 *   A record larger than `maxEntryBytes` is silently not stored.
 * - `delete(key)` drops one record.
 * - `deletePath(path)` drops every record indexed under exactly `path`; `deletePrefix(prefix)`
 *   drops every record whose path is `prefix` or lies below it segment-wise (`/a` covers `/a/b`,
 *   never `/ab`); `clear()` drops everything. They return how many records were dropped (for
 *   Redis: keys deleted) and notify `onInvalidate` listeners in every replica that shares the
 *   store, so that fills in flight for those paths are not stored afterwards.
 * - Any method may reject (a remote store that is down or slow); callers bypass the cache then.
 */

/** One stored record: a response (`kind: 'response'`) or the Vary spec of a primary key. */
export type CacheRecord = CachedResponse | VarySpec;

/**
 * A primary key whose responses vary: the request header names (lower case, sorted) whose values
 * select the variant. Variants live under `variantKey(primary, values)`.
 */
export interface VarySpec {
  readonly kind: 'vary';
  readonly headers: readonly string[];
  readonly expiresAt: number;
}

/**
 * A stored response. Headers are kept ready to write (lower-case names, hop-by-hop and
 * per-hop fields removed) and the body as one Buffer, so a hit never re-serialises anything.
 */
export interface CachedResponse {
  readonly kind: 'response';
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: Buffer;
  /** Request header names (lower case) listed by Vary, and their values at store time. */
  readonly vary: readonly string[];
  readonly varyValues: readonly string[];
  /** When the upstream response arrived, ms since the epoch (`response_time`, §4.2.3). */
  readonly responseTime: number;
  /** `corrected_initial_age` of §4.2.3, in seconds. */
  readonly initialAgeSeconds: number;
  /** Freshness lifetime in seconds (already capped by the route's maxTtlSeconds). */
  readonly freshnessSeconds: number;
  /** How long past freshness the entry may be served while a refresh runs, in seconds. */
  readonly staleWhileRevalidateSeconds: number;
  /** How long past freshness the entry may be served when the upstream fails, in seconds. */
  readonly staleIfErrorSeconds: number;
  /** `no-cache` on the response: every use must be revalidated first. */
  readonly noCache: boolean;
  /** `must-revalidate` / `proxy-revalidate`: never served stale. */
  readonly mustRevalidate: boolean;
  /** The response may answer a request carrying Authorization (RFC 9111 §3.5). */
  readonly authorizedOk: boolean;
  readonly etag: string | undefined;
  readonly lastModified: string | undefined;
  readonly expiresAt: number;
}

/** What an invalidation covered, as broadcast to every replica. */
export type InvalidationEvent =
  | { readonly type: 'path'; readonly path: string }
  | { readonly type: 'prefix'; readonly prefix: string }
  | { readonly type: 'all' };

/** Counters a store keeps for metrics; remote stores report what this replica observed. */
export interface CacheStoreStats {
  storedBytes: number;
  evictions: number;
}

export interface CacheStore {
  readonly kind: 'memory' | 'redis';
  /** Largest record (headers + body) the store accepts, in bytes. */
  readonly maxEntryBytes: number;
  get(key: string): Promise<CacheRecord | undefined>;
  /**
   * `get` answered at once, for stores that hold records in process (memory): lets a fresh hit be
   * served without a promise. Stores that must ask a server (Redis) leave it out.
   */
  peek?(key: string): CacheRecord | undefined;
  set(key: string, path: string, record: CacheRecord): Promise<void>;
  /** Drops the record under `key` (no broadcast: used when a response stops being storable). */
  delete(key: string): Promise<void>;
  deletePath(path: string): Promise<number>;
  deletePrefix(prefix: string): Promise<number>;
  clear(): Promise<number>;
  /** Subscribes to invalidations from this and other replicas; returns the unsubscribe function. */
  onInvalidate(listener: (event: InvalidationEvent) => void): () => void;
  stats(): CacheStoreStats;
  close(): Promise<void>;
}

/** Whether `path` is `prefix` or below it, segment-wise. */
export function pathUnder(path: string, prefix: string): boolean {
  if (prefix === '/' ) return path.startsWith('/');
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return path === p || path.startsWith(p + '/');
}

/** Approximate size of a record in bytes, used for the LRU budget and maxEntryBytes. */
export function recordBytes(record: CacheRecord): number {
  if (record.kind === 'vary') return 64 + record.headers.join(',').length;
  let size = 256 + record.body.length;
  for (const name in record.headers) {
    const v = record.headers[name];
    size += name.length + 4 + (Array.isArray(v) ? v.join(', ').length : (v ?? '').length);
  }
  return size;
}
