/**
 * Admin API for the cache: `POST /admin/cache/purge` with `{ "url": "/api/customers/1" }` (every
 * query variant and partition of that path), `{ "prefix": "/api/customers" }` (segment-aware) or
 * `{ "all": true }`. Answers `{ "purged": <records dropped> }`. With a Redis store the purge is
 * seen by every replica. The admin listener registers this plugin behind its bearer token.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import { CACHE_RUNTIME_RESOURCE, createCacheRuntimeFromConfig } from '../cache/create-store.js';
import type { SharedResources } from '../filters/registry.js';
import { errorBody, GatewayError } from '../errors.js';
import type { CacheStore } from '../cache/store.js';
import type { AdminPluginOptions } from './admin-server.js';

/** Resolves the cache store at request time (it is created lazily, shared by routes). */
export type CacheStoreResolver = () => CacheStore;

type PurgeBody = { url: string } | { prefix: string } | { all: true };

/** Parses and normalises a purge request; returns undefined when it is not exactly one form. */
export function parsePurgeBody(body: unknown): PurgeBody | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const keys = Object.keys(body);
  if (keys.length !== 1) return undefined;
  const record = body as Record<string, unknown>;
  if (keys[0] === 'all') return record.all === true ? { all: true } : undefined;
  const value = record[keys[0] as string];
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return undefined;
  let path: string;
  try {
    // Absolute URLs and paths with a query both reduce to the normalised path.
    const url = new URL(value, 'http://purge.invalid');
    if (!value.startsWith('/') && url.host === 'purge.invalid') return undefined;
    path = decodeURI(url.pathname);
  } catch {
    return undefined;
  }
  if (keys[0] === 'url') return { url: path };
  if (keys[0] === 'prefix') return { prefix: path };
  return undefined;
}

export function createCachePurgePlugin(resolveStore: CacheStoreResolver): FastifyPluginAsync<AdminPluginOptions> {
  return async (app) => {
    app.post('/admin/cache/purge', async (request, reply) => {
      const purge = parsePurgeBody(request.body);
      if (purge === undefined) {
        const err = new GatewayError('GW_ERR_BAD_REQUEST', {
          message: 'The body must be exactly one of {"url": "/path"}, {"prefix": "/path"} or {"all": true}.',
        });
        return reply.code(err.status).type('application/json').send(errorBody(err));
      }
      const store = resolveStore();
      try {
        const purged = 'all' in purge ? await store.clear() : 'url' in purge ? await store.deletePath(purge.url) : await store.deletePrefix(purge.prefix);
        return { purged };
      } catch (cause) {
        request.log.warn({ err: (cause as Error).message }, 'cache purge failed');
        const err = new GatewayError('GW_ERR_CACHE_STORE_UNAVAILABLE', { cause });
        return reply.code(err.status).type('application/json').send(errorBody(err));
      }
    });
  };
}

/**
 * The resolver the gateway composition passes: the cache runtime is a SharedResource, created by
 * the first cached route or, if none caches yet, by the first purge (so a replica without cached
 * routes still purges a shared Redis store).
 */
export function cacheStoreFromResources(
  resources: SharedResources,
  gatewayConfig: () => unknown,
  logger: Logger,
): CacheStoreResolver {
  return () => resources.acquire(CACHE_RUNTIME_RESOURCE, () => createCacheRuntimeFromConfig(gatewayConfig(), logger)).store;
}
