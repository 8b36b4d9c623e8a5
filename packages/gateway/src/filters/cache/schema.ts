/**
 * The per-route `cache` filter config. Caching is opt-in: only routes listing `{ cache: {...} }`
 * cache, and only for the methods listed here (GET, HEAD).
 */
import { Type, type Static } from '@sinclair/typebox';

export const DEFAULT_CACHEABLE_STATUSES = [200, 203, 204, 300, 301, 404, 410];

export const CacheFilterConfigSchema = Type.Object(
  {
    methods: Type.Array(Type.Union([Type.Literal('GET'), Type.Literal('HEAD')]), {
      minItems: 1,
      uniqueItems: true,
      default: ['GET', 'HEAD'],
      description: 'Methods answered from the cache. HEAD is answered from stored GET responses; unsafe methods always go upstream and invalidate.',
    }),
    defaultTtlSeconds: Type.Integer({ minimum: 0, default: 0, description: 'Freshness for a response that gives none (no s-maxage, max-age or Expires). 0 stores such responses only to revalidate them.' }),
    maxTtlSeconds: Type.Integer({ minimum: 0, default: 3600, description: 'Upper bound on any freshness lifetime, whatever the upstream says.' }),
    queryParams: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        uniqueItems: true,
        description: 'Query parameters that are part of the key (others are ignored). Omitted: every parameter, sorted by name.',
      }),
    ),
    shared: Type.Boolean({
      default: false,
      description: 'Share responses to authenticated requests across principals when the response allows it (public or s-maxage, RFC 9111 §3.5). Off: each principal has its own partition.',
    }),
    statuses: Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), {
      uniqueItems: true,
      default: DEFAULT_CACHEABLE_STATUSES,
      description: 'Statuses that may be stored. 5xx, 401, 403, 206 and 304 are rejected.',
    }),
    staleWhileRevalidateSeconds: Type.Integer({ minimum: 0, default: 0, description: 'Serve a stale entry this long past freshness while one background request refreshes it, when the response has no stale-while-revalidate directive.' }),
    staleIfErrorSeconds: Type.Integer({ minimum: 0, default: 0, description: 'Serve a stale entry this long past freshness when the upstream fails (5xx, 502/503/504 from the gateway, timeout), when the response has no stale-if-error directive.' }),
    retainStaleSeconds: Type.Integer({ minimum: 0, default: 300, description: 'How long a stale entry with a validator (ETag or Last-Modified) is kept for conditional revalidation.' }),
    invalidate: Type.Array(Type.String({ pattern: '^/' }), {
      default: [],
      description: 'Path prefixes dropped after a successful POST, PUT, PATCH or DELETE through this route (besides the target URI, Location and Content-Location); {param} is replaced by the captured path parameter.',
    }),
    coalesce: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: 'Concurrent misses for one key send one upstream request.' }),
        maxWaiters: Type.Integer({ minimum: 0, default: 1000, description: 'Most requests waiting for one fill; more go upstream themselves.' }),
        waitTimeoutMs: Type.Integer({ minimum: 1, default: 5000, description: 'How long a waiter waits for the fill before going upstream itself.' }),
      },
      { additionalProperties: false, default: {}, description: 'Request coalescing of concurrent misses.' },
    ),
  },
  { additionalProperties: false, default: {} },
);

export type CacheFilterConfig = Static<typeof CacheFilterConfigSchema>;

/** The single-key entry a route lists: `{ cache: {...} }`. */
export const CacheFilterEntrySchema = Type.Object({ cache: CacheFilterConfigSchema }, { additionalProperties: false });
