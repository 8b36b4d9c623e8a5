/**
 * Builds the cache Store and its runtime from the static `stores.cache` config. Called once,
 * through SharedResources, by the first cached route; every route and reload shares the result.
 */
import type { Logger } from 'pino';
import { createMemoryStore } from './memory-store.js';
import { createRedisStore } from './redis-store.js';
import { createCacheRuntime, type CacheRuntime } from './runtime.js';
import type { CacheStoreConfig } from './store-config.js';
import type { CacheStore } from './store.js';

export const DEFAULT_CACHE_STORE: CacheStoreConfig = { type: 'memory', maxBytes: 67108864, maxEntryBytes: 1048576 };

/** The SharedResources key of the cache runtime. */
export const CACHE_RUNTIME_RESOURCE = 'cache:runtime';

export function createCacheStore(config: CacheStoreConfig, logger: Logger): CacheStore {
  if (config.type === 'memory') return createMemoryStore({ maxBytes: config.maxBytes, maxEntryBytes: config.maxEntryBytes });
  let last = -Infinity;
  return createRedisStore({
    url: config.url,
    keyPrefix: config.keyPrefix,
    maxEntryBytes: config.maxEntryBytes,
    commandTimeoutMs: config.commandTimeoutMs,
    connectTimeoutMs: config.connectTimeoutMs,
    reconnectMaxDelayMs: config.reconnectMaxDelayMs,
    maxPendingInvalidations: config.maxPendingInvalidations,
    onError(err) {
      // ioredis reports every failed reconnect; one line per interval is enough.
      const t = Date.now();
      if (t - last < config.errorLogIntervalMs) return;
      last = t;
      logger.warn({ store: 'redis', err: err.message }, 'cache store connection error; requests bypass the cache until it recovers');
    },
  });
}

/** Reads `stores.cache` out of the whole gateway config (defaulted when absent). */
export function cacheStoreConfigOf(gatewayConfig: unknown): CacheStoreConfig {
  const stores = (gatewayConfig as { stores?: { cache?: CacheStoreConfig } } | null | undefined)?.stores;
  return stores?.cache ?? DEFAULT_CACHE_STORE;
}

export function createCacheRuntimeFromConfig(gatewayConfig: unknown, logger: Logger): CacheRuntime {
  const config = cacheStoreConfigOf(gatewayConfig);
  return createCacheRuntime(createCacheStore(config, logger), {
    logger,
    errorLogIntervalMs: config.type === 'redis' ? config.errorLogIntervalMs : 10000,
  });
}
