/**
 * Filling the Store from upstream answers: misses (with coalescing), full responses to a
 * revalidation, 304 refreshes, and background refreshes. A response streams to the client while
 * a copy accumulates (up to the store's maxEntryBytes); waiters get the entry once it is complete.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayContext, Next } from '../../pipeline/types.js';
import type { Readable } from 'node:stream';
import { teeBody } from '../../cache/body-tee.js';
import { bodyAsStream, UpstreamExchange } from '../../proxy/upstream-exchange.js';
import type { Fill } from '../../cache/coalescer.js';
import { variantKey, varyValues } from '../../cache/key.js';
import type { CacheMetrics } from '../../cache/metrics.js';
import { admitResponse, currentAge, storableHeaders, type Admission, type CachePolicy, type StoreRequestFacts } from '../../cache/policy.js';
import type { CacheRuntime } from '../../cache/runtime.js';
import type { CachedResponse } from '../../cache/store.js';
import { markCacheStatus, serveEntry } from './respond.js';
import type { CacheFilterConfig } from './schema.js';

/** Where a request's responses may be stored, and the request facts for the storage decision. */
export interface FillScope {
  readonly path: string;
  /** Primary key in the shared partition. */
  readonly sharedKey: string;
  /** Primary key in the request's own partition (the shared one for anonymous requests). */
  readonly ownKey: string;
  readonly facts: StoreRequestFacts;
}

export interface FillerOptions {
  runtime: CacheRuntime;
  metrics: CacheMetrics;
  policy: CachePolicy;
  now: () => number;
  routeId: string;
}

export interface Filler {
  miss(ctx: GatewayContext, next: Next, scope: FillScope, fwd: string, coalesce: CacheFilterConfig['coalesce']): Promise<void>;
  /** Stores `ctx.response` (teeing its body) if the policy admits it, and marks Cache-Status. */
  store(ctx: GatewayContext, scope: FillScope, fill: Fill, status: string): void;
  /** Stores an entry refreshed by a 304; undefined when the merged response is no longer storable. */
  refreshed(ctx: GatewayContext, entry: CachedResponse, headers: Record<string, string | string[]>, scope: FillScope, fill: Fill): Promise<CachedResponse | undefined>;
  /** Stores a fully read response (background refresh). */
  storeBuffered(reqHeaders: IncomingHttpHeaders, status: number, headers: Record<string, string | string[]>, body: Buffer, scope: FillScope, fill: Fill): Promise<CachedResponse | undefined>;
}

function header(headers: Record<string, string | string[]>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function createFiller(options: FillerOptions): Filler {
  const { runtime, metrics, policy, now, routeId } = options;
  const countLookup = metrics.forRoute(routeId);
  const { store } = runtime;

  function buildEntry(status: number, headers: Record<string, string | string[]>, body: Buffer, admission: Admission & { ok: true }, reqHeaders: IncomingHttpHeaders): CachedResponse {
    return {
      kind: 'response',
      status,
      headers: storableHeaders(headers, body.length, status === 204),
      body,
      varyValues: varyValues(reqHeaders, admission.meta.vary),
      ...admission.meta,
    };
  }

  async function commit(primary: string, path: string, entry: CachedResponse, fill: Fill): Promise<CachedResponse | undefined> {
    if (fill.cancelled) {
      fill.settle(undefined);
      return undefined;
    }
    try {
      if (entry.vary.length > 0) {
        await store.set(primary, path, { kind: 'vary', headers: entry.vary, expiresAt: entry.expiresAt });
        await store.set(variantKey(primary, entry.varyValues), path, entry);
      } else await store.set(primary, path, entry);
    } catch (err) {
      metrics.storeError('set');
      runtime.reportStoreError('set', err);
    }
    // Waiters get the entry even when a remote store failed: the response itself is good.
    fill.settle(entry);
    return entry;
  }

  function primaryFor(admission: Admission & { ok: true }, scope: FillScope): string {
    return admission.partition === 'shared' ? scope.sharedKey : scope.ownKey;
  }

  /** A waiter may use the leader's entry only if its own request selects the same variant. */
  function usableFor(ctx: GatewayContext, entry: CachedResponse): boolean {
    if (ctx.principal === undefined && ctx.req.headers['authorization'] !== undefined && !entry.authorizedOk) return false;
    if (entry.vary.length === 0) return true;
    const values = varyValues(ctx.req.headers, entry.vary);
    return values.every((v, i) => v === entry.varyValues[i]);
  }

  const filler: Filler = {
    async miss(ctx, next, scope, fwd, coalesce) {
      const h = ctx.req.headers;
      const conditional = h['if-none-match'] !== undefined || h['if-modified-since'] !== undefined;
      const canCoalesce = coalesce.enabled && ctx.method === 'GET' && !conditional;
      const begun = runtime.coalescer.begin(scope.ownKey, scope.path, canCoalesce);
      let fill = begun.fill;
      const leader = begun.leader;
      if (!leader) {
        const waiting = runtime.coalescer.wait(fill, coalesce.maxWaiters, coalesce.waitTimeoutMs);
        if (waiting !== undefined) {
          metrics.coalescedWait(routeId);
          const outcome = await waiting;
          if (outcome.type === 'entry' && usableFor(ctx, outcome.entry)) {
            countLookup('miss');
            serveEntry(ctx, outcome.entry, currentAge(outcome.entry, now()), `fwd=${fwd}; collapsed`);
            return;
          }
        }
        // No usable result (not storable, too many waiters, timeout): go upstream alone.
        fill = runtime.coalescer.begin(scope.ownKey, scope.path, false).fill;
      }
      const requestTime = now();
      try {
        await next();
      } catch (err) {
        fill.settle(undefined);
        throw err;
      }
      countLookup('miss');
      filler.store(ctx, { ...scope, facts: { ...scope.facts, requestTime, responseTime: now() } }, fill, `fwd=${fwd}`);
    },

    store(ctx, scope, fill, status) {
      const res = ctx.response;
      if (res === undefined) {
        fill.settle(undefined);
        return;
      }
      if (ctx.method !== 'GET') {
        fill.settle(undefined);
        markCacheStatus(res, status);
        return;
      }
      const admission = admitResponse(res.status, res.headers, scope.facts, policy);
      if (!admission.ok) {
        fill.settle(undefined);
        markCacheStatus(res, `${status}; detail=${admission.reason}`);
        return;
      }
      const declared = Number(header(res.headers, 'content-length') ?? 0);
      if (declared > store.maxEntryBytes) {
        fill.settle(undefined);
        markCacheStatus(res, `${status}; detail=too-large`);
        return;
      }
      const responseStatus = res.status;
      const headers = { ...res.headers };
      const reqHeaders = ctx.req.headers;
      const primary = primaryFor(admission, scope);
      const complete = (body: Buffer | undefined): void => {
        if (body === undefined) fill.settle(undefined);
        else void commit(primary, scope.path, buildEntry(responseStatus, headers, body, admission, reqHeaders), fill);
      };
      markCacheStatus(res, `${status}; stored`);
      const body = res.body;
      if (body === null) complete(Buffer.alloc(0));
      else if (Buffer.isBuffer(body)) complete(body.length > store.maxEntryBytes ? undefined : body);
      else {
        // An upstream body that already arrived whole is stored and sent as bytes: no tee.
        const whole = body instanceof UpstreamExchange ? body.takeComplete() : undefined;
        if (whole !== undefined) {
          res.body = whole;
          complete(whole.length > store.maxEntryBytes ? undefined : whole);
        } else res.body = teeBody(bodyAsStream(body) as Readable, store.maxEntryBytes, complete);
      }
    },

    async refreshed(ctx, entry, headers, scope, fill) {
      const admission = admitResponse(entry.status, headers, scope.facts, policy);
      if (!admission.ok) {
        fill.settle(undefined);
        // The upstream now forbids storing: drop the stale copy wherever it was.
        const keys = [scope.sharedKey, scope.ownKey].map((p) => (entry.vary.length > 0 ? variantKey(p, entry.varyValues) : p));
        await Promise.all(keys.map((k) => store.delete(k))).catch((err: unknown) => runtime.reportStoreError('delete', err));
        return undefined;
      }
      return commit(primaryFor(admission, scope), scope.path, buildEntry(entry.status, headers, entry.body, admission, ctx.req.headers), fill);
    },

    async storeBuffered(reqHeaders, status, headers, body, scope, fill) {
      const admission = admitResponse(status, headers, scope.facts, policy);
      if (!admission.ok || body.length > store.maxEntryBytes) {
        fill.settle(undefined);
        return undefined;
      }
      return commit(primaryFor(admission, scope), scope.path, buildEntry(status, headers, body, admission, reqHeaders), fill);
    },
  };
  return filler;
}
