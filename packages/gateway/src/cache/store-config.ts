/**
 * Static config of the cache Store (`stores.cache`): the embedded memory LRU (default) or Redis,
 * shared by every replica pointing at it. Read at start; routes only opt in to caching.
 */
import { Type, type Static } from '@sinclair/typebox';

const MaxEntryBytes = Type.Integer({
  minimum: 1024,
  maximum: 67108864,
  default: 1048576,
  description: 'Largest response (headers and body) stored, in bytes. A larger response still streams to the client; storing it is abandoned.',
});

export const MemoryCacheStoreSchema = Type.Object(
  {
    type: Type.Literal('memory', { description: 'Embedded LRU in this process; not shared between replicas.' }),
    maxBytes: Type.Integer({ minimum: 1024, default: 67108864, description: 'Budget for all stored responses together, in bytes; the least recently used ones are evicted beyond it.' }),
    maxEntryBytes: MaxEntryBytes,
  },
  { additionalProperties: false },
);

export const RedisCacheStoreSchema = Type.Object(
  {
    type: Type.Literal('redis', { description: 'Redis shared by every replica; invalidations and purges reach all of them.' }),
    url: Type.String({ default: 'redis://127.0.0.1:6379', description: 'Redis URL (redis:// or rediss://, optional password and database number).' }),
    keyPrefix: Type.String({ default: 'portero:cache:', description: 'Prefix of every key and of the invalidation channel; replicas sharing a cache use the same one.' }),
    maxEntryBytes: MaxEntryBytes,
    commandTimeoutMs: Type.Integer({ minimum: 5, maximum: 10000, default: 100, description: 'A Redis command slower than this fails and the request bypasses the cache (served from the upstream).' }),
    connectTimeoutMs: Type.Integer({ minimum: 10, maximum: 60000, default: 1000, description: 'Time to establish the Redis connection.' }),
    reconnectMaxDelayMs: Type.Integer({ minimum: 10, maximum: 60000, default: 2000, description: 'Longest pause between reconnection attempts while Redis is unreachable (backoff starts at 50 ms).' }),
    maxPendingInvalidations: Type.Integer({ minimum: 0, default: 10000, description: 'Invalidations and purges that failed while Redis was unreachable, remembered and replayed when it is back (so a write during an outage does not leave old responses served afterwards). Past this number the replay clears the whole cache instead.' }),
    errorLogIntervalMs: Type.Integer({ minimum: 0, default: 10000, description: 'At most one log line per this interval about Redis failures; every failure is still counted in portero_cache_store_errors_total.' }),
  },
  { additionalProperties: false },
);

export const CacheStoreConfigSchema = Type.Union([MemoryCacheStoreSchema, RedisCacheStoreSchema], {
  // Only the discriminant: TypeBox merges an object default into a given value, and the
  // memory fields would otherwise leak into a redis config.
  default: { type: 'memory' },
  description: 'Where cached responses live. Defaults to the embedded memory LRU.',
});

export type CacheStoreConfig = Static<typeof CacheStoreConfigSchema>;
