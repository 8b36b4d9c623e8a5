/**
 * The `cache` filter: answers GET/HEAD from the Store when RFC 9111 allows it, fills the Store
 * from upstream responses while they stream to the client, coalesces concurrent misses,
 * revalidates stale entries, serves stale ones while revalidating or when the upstream fails, and
 * invalidates after successful unsafe methods. It runs after authentication and authorization
 * (the definition's `validate` enforces that), so a lookup never precedes access control.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { Filter, GatewayContext, Next } from '../../pipeline/types.js';
import { deltaSeconds, parseCacheControl, type Directives } from '../../cache/cache-control.js';
import { compileInvalidateTemplates, invalidate, sameOriginPath, UNSAFE_METHODS } from '../../cache/invalidation.js';
import { createQueryPlan, primaryKey, principalPartition, SHARED_PARTITION, variantKey, varyValues } from '../../cache/key.js';
import type { CacheMetrics } from '../../cache/metrics.js';
import { currentAge, mergeNotModified, type CachePolicy, type StoreRequestFacts } from '../../cache/policy.js';
import type { CacheRuntime } from '../../cache/runtime.js';
import type { CachedResponse, CacheRecord } from '../../cache/store.js';
import { createRefresher } from './refresh.js';
import { discardResponseBody, markCacheStatus, onlyIfCachedMiss, serveEntry } from './respond.js';
import type { CacheFilterConfig } from './schema.js';
import { createFiller, type FillScope } from './fill.js';

const DONE: Promise<void> = Promise.resolve();

/** The request asks for no stored answer without revalidation: `no-cache`, or `Pragma: no-cache` without Cache-Control. */
function requestNoCache(h: IncomingHttpHeaders, directives: Directives): boolean {
  return directives.has('no-cache') || (h['cache-control'] === undefined && h['pragma']?.includes('no-cache') === true);
}

export interface CacheFilterOptions {
  readonly routeId: string;
  readonly runtime: CacheRuntime;
  readonly metrics: CacheMetrics;
  readonly logger: Logger;
  /** Injected clock, ms since the epoch. */
  readonly now?: () => number;
  /**
   * Sends a detached context through the route's terminal (the proxy) and leaves the answer in
   * its `response`. Enables stale-while-revalidate; without it a stale entry is revalidated in
   * the foreground instead.
   */
  readonly fetchUpstream?: ((ctx: GatewayContext) => Promise<void>) | undefined;
}

interface Found {
  entry: CachedResponse | undefined;
  varyMiss: boolean;
}

/** Whether an error from the rest of the chain is an upstream failure that stale-if-error covers. */
function isUpstreamFailure(err: unknown, ctx: GatewayContext): number | undefined {
  if (ctx.signal.aborted) return undefined;
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number') return status >= 500 ? status : undefined;
  return 502;
}

export function createCacheFilter(config: CacheFilterConfig, options: CacheFilterOptions): Filter {
  const { routeId, runtime, metrics } = options;
  const countLookup = metrics.forRoute(routeId);
  const { store } = runtime;
  const peek = store.peek?.bind(store);
  const now = options.now ?? Date.now;
  const methods = new Set<string>(config.methods);
  const policy: CachePolicy = {
    statuses: new Set(config.statuses),
    defaultTtlSeconds: config.defaultTtlSeconds,
    maxTtlSeconds: config.maxTtlSeconds,
    shared: config.shared,
    staleWhileRevalidateSeconds: config.staleWhileRevalidateSeconds,
    staleIfErrorSeconds: config.staleIfErrorSeconds,
    retainStaleSeconds: config.retainStaleSeconds,
  };
  const queryPlan = createQueryPlan(config.queryParams);
  const invalidateTargets = compileInvalidateTemplates(config.invalidate);
  const filler = createFiller({ runtime, metrics, policy, now, routeId });
  const refresher = options.fetchUpstream === undefined ? undefined : createRefresher({ runtime, filler, fetchUpstream: options.fetchUpstream, now, logger: options.logger });

  function storeFailed(operation: string, err: unknown): void {
    metrics.storeError(operation);
    runtime.reportStoreError(operation, err);
  }

  async function find(ctx: GatewayContext, primary: string, authOnly: boolean): Promise<Found> {
    const record = await store.get(primary);
    if (record === undefined) return { entry: undefined, varyMiss: false };
    let entry: CachedResponse | undefined;
    if (record.kind === 'response') entry = record;
    else {
      const variant = await store.get(variantKey(primary, varyValues(ctx.req.headers, record.headers)));
      if (variant === undefined || variant.kind !== 'response') return { entry: undefined, varyMiss: true };
      entry = variant;
    }
    // §3.5: a request with Authorization and no principal may only reuse what allows it.
    if (authOnly && !entry.authorizedOk) return { entry: undefined, varyMiss: false };
    return { entry, varyMiss: false };
  }

  async function unsafe(ctx: GatewayContext, next: Next): Promise<void> {
    await next();
    const res = ctx.response;
    if (res === undefined) return;
    markCacheStatus(res, 'fwd=method');
    if (res.status < 200 || res.status >= 400) return;
    const paths = [ctx.path];
    const location = sameOriginPath(res.headers['location'], ctx.host);
    if (location !== undefined) paths.push(location);
    const contentLocation = sameOriginPath(res.headers['content-location'], ctx.host);
    if (contentLocation !== undefined) paths.push(contentLocation);
    try {
      await invalidate(store, { paths, prefixes: invalidateTargets(ctx.params) });
    } catch (err) {
      storeFailed('invalidate', err);
    }
  }

  /** A variant-resolved entry from a store that answers at once; undefined when there is none. */
  function findNow(ctx: GatewayContext, peek: (key: string) => CacheRecord | undefined, primary: string, authOnly: boolean): CachedResponse | undefined {
    const record = peek(primary);
    if (record === undefined) return undefined;
    const entry = record.kind === 'response' ? record : peek(variantKey(primary, varyValues(ctx.req.headers, record.headers)));
    if (entry === undefined || entry.kind !== 'response') return undefined;
    if (authOnly && !entry.authorizedOk) return undefined;
    return entry;
  }

  /**
   * The common case, a fresh hit in a store that answers at once (memory), served without a
   * promise or an async frame: the same checks as `lookup` (shared entry first for a principal,
   * §3.5, Vary, request no-cache / max-age, entry no-cache). Anything else (a miss, a stale or
   * revalidated entry, only-if-cached, the Redis store, a store error) returns false and `lookup`
   * handles the request from the start.
   */
  function serveFreshNow(ctx: GatewayContext): boolean {
    if (peek === undefined) return false;
    const h = ctx.req.headers;
    const directives = parseCacheControl(h['cache-control']);
    if (requestNoCache(h, directives)) return false;
    const principal = ctx.principal;
    const query = queryPlan(ctx.query);
    let entry: CachedResponse | undefined;
    try {
      const sharedKey = primaryKey(ctx.path, query, SHARED_PARTITION);
      if (principal !== undefined && config.shared) entry = findNow(ctx, peek, sharedKey, true);
      if (entry === undefined) {
        const ownKey = principal === undefined ? sharedKey : primaryKey(ctx.path, query, principalPartition(principal));
        entry = findNow(ctx, peek, ownKey, principal === undefined && h['authorization'] !== undefined);
      }
    } catch {
      return false;
    }
    if (entry === undefined || entry.noCache) return false;
    const age = currentAge(entry, now());
    const ttl = entry.freshnessSeconds - age;
    const reqMaxAge = deltaSeconds(directives, 'max-age');
    if (ttl <= 0 || (reqMaxAge !== undefined && age > reqMaxAge)) return false;
    countLookup('hit');
    serveEntry(ctx, entry, age, `hit; ttl=${ttl}`);
    return true;
  }

  async function lookup(ctx: GatewayContext, next: Next): Promise<void> {
    const h = ctx.req.headers;
    const t0 = now();
    const directives: Directives = parseCacheControl(h['cache-control']);
    const reqNoCache = requestNoCache(h, directives);
    const reqMaxAge = deltaSeconds(directives, 'max-age');
    const onlyIfCached = directives.has('only-if-cached');
    const principal = ctx.principal;
    const authOnly = principal === undefined && h['authorization'] !== undefined;
    const query = queryPlan(ctx.query);
    const sharedKey = primaryKey(ctx.path, query, SHARED_PARTITION);
    const ownKey = principal === undefined ? sharedKey : primaryKey(ctx.path, query, principalPartition(principal));
    const scope: FillScope = {
      path: ctx.path,
      sharedKey,
      ownKey,
      facts: { requestDirectives: directives, hasPrincipal: principal !== undefined, hasAuthorization: h['authorization'] !== undefined, requestTime: t0, responseTime: t0 },
    };

    let found: Found;
    let foundKey = ownKey;
    try {
      found = { entry: undefined, varyMiss: false };
      if (principal !== undefined && config.shared) {
        // An authenticated request reuses a shared entry only when §3.5 allows it: an entry
        // filled by an anonymous request may differ from what this principal would get.
        found = await find(ctx, sharedKey, true);
        if (found.entry !== undefined) foundKey = sharedKey;
      }
      if (found.entry === undefined) {
        const own = await find(ctx, ownKey, authOnly);
        if (own.entry !== undefined || own.varyMiss) found = own;
      }
    } catch (err) {
      storeFailed('get', err);
      countLookup('bypass');
      await next();
      markCacheStatus(ctx.response, 'fwd=bypass; detail=store-unavailable');
      return;
    }

    const entry = found.entry;
    if (entry === undefined) {
      const fwd = found.varyMiss ? 'vary-miss' : 'uri-miss';
      if (onlyIfCached) {
        countLookup('miss');
        onlyIfCachedMiss(ctx, `fwd=${fwd}; detail=only-if-cached`);
        return;
      }
      return filler.miss(ctx, next, scope, fwd, config.coalesce);
    }

    const age = currentAge(entry, t0);
    const ttl = entry.freshnessSeconds - age;
    const requestForbids = reqNoCache || (reqMaxAge !== undefined && age > reqMaxAge);
    if (!requestForbids && !entry.noCache) {
      if (ttl > 0) {
        countLookup('hit');
        serveEntry(ctx, entry, age, `hit; ttl=${ttl}`);
        return;
      }
      if (refresher !== undefined && -ttl <= entry.staleWhileRevalidateSeconds) {
        countLookup('stale');
        serveEntry(ctx, entry, age, `hit; ttl=${ttl}; detail=stale-while-revalidate`);
        refresher.refresh(ctx, entry, scope, foundKey);
        return;
      }
    }
    if (onlyIfCached) {
      countLookup('miss');
      onlyIfCachedMiss(ctx, `fwd=${requestForbids ? 'request' : 'stale'}; detail=only-if-cached`);
      return;
    }
    return revalidate(ctx, next, entry, scope, requestForbids ? 'request' : 'stale');
  }

  async function revalidate(ctx: GatewayContext, next: Next, entry: CachedResponse, scope: FillScope, fwd: string): Promise<void> {
    const uh = ctx.upstreamHeaders;
    // Our validators replace the client's: the answer refreshes the entry, and the client's
    // conditionals are then evaluated against it.
    uh['if-none-match'] = undefined;
    uh['if-modified-since'] = undefined;
    if (entry.etag !== undefined) uh['if-none-match'] = entry.etag;
    if (entry.lastModified !== undefined) uh['if-modified-since'] = entry.lastModified;
    const { fill } = runtime.coalescer.begin(scope.ownKey, scope.path, false);
    const requestTime = now();
    const staleOk = (): boolean => -(entry.freshnessSeconds - currentAge(entry, now())) <= entry.staleIfErrorSeconds;
    try {
      await next();
    } catch (err) {
      fill.settle(undefined);
      const failed = isUpstreamFailure(err, ctx);
      if (failed !== undefined && staleOk()) {
        countLookup('stale');
        const age = currentAge(entry, now());
        serveEntry(ctx, entry, age, `fwd=${fwd}; fwd-status=${failed}; ttl=${entry.freshnessSeconds - age}; detail=stale-if-error`);
        return;
      }
      throw err;
    }
    const res = ctx.response;
    if (res === undefined) {
      fill.settle(undefined);
      return;
    }
    if (res.status >= 500 && staleOk()) {
      fill.settle(undefined);
      discardResponseBody(res);
      countLookup('stale');
      const age = currentAge(entry, now());
      serveEntry(ctx, entry, age, `fwd=${fwd}; fwd-status=${res.status}; ttl=${entry.freshnessSeconds - age}; detail=stale-if-error`);
      return;
    }
    const facts: StoreRequestFacts = { ...scope.facts, requestTime, responseTime: now() };
    if (res.status === 304 && (entry.etag !== undefined || entry.lastModified !== undefined)) {
      discardResponseBody(res);
      const refreshed = await filler.refreshed(ctx, entry, mergeNotModified(entry.headers, res.headers), { ...scope, facts }, fill);
      countLookup('revalidated');
      const served = refreshed ?? entry;
      const age = currentAge(served, now());
      serveEntry(ctx, served, age, `fwd=${fwd}; fwd-status=304; ttl=${served.freshnessSeconds - age}${refreshed === undefined ? '' : '; stored'}`);
      return;
    }
    countLookup('miss');
    filler.store(ctx, { ...scope, facts }, fill, `fwd=${fwd}; fwd-status=${res.status}`);
  }

  async function passThrough(ctx: GatewayContext, next: Next): Promise<void> {
    await next();
    markCacheStatus(ctx.response, 'fwd=method');
  }

  // Not an async function: a fresh hit answers with a settled promise and no frame of its own.
  return function cacheFilter(ctx, next) {
    try {
      if (methods.has(ctx.method)) return serveFreshNow(ctx) ? DONE : lookup(ctx, next);
      if (UNSAFE_METHODS.has(ctx.method)) return unsafe(ctx, next);
      return passThrough(ctx, next);
    } catch (err) {
      return Promise.reject(err);
    }
  };
}
