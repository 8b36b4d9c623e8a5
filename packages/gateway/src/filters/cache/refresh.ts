/**
 * Background refresh for stale-while-revalidate. The client already got the stale entry, so the
 * refresh cannot use the request's `next` (which runs at most once and whose context the listener
 * is about to write out). It sends a detached copy of the context through the route's terminal
 * (`fetchUpstream`, the proxy), conditional on the entry's validators, and stores the answer.
 * One refresh per key runs at a time.
 */
import type { Logger } from 'pino';
import type { GatewayContext } from '../../pipeline/types.js';
import { readBody } from '../../cache/body-tee.js';
import { variantKey } from '../../cache/key.js';
import { mergeNotModified } from '../../cache/policy.js';
import type { CacheRuntime } from '../../cache/runtime.js';
import type { CachedResponse } from '../../cache/store.js';
import type { Filler, FillScope } from './fill.js';
import { copyHeaders } from '../../http/copy-headers.js';
import { discardBody, drainBody } from '../../http/discard-body.js';
import { bodyAsStream } from '../../proxy/upstream-exchange.js';

export interface RefresherOptions {
  runtime: CacheRuntime;
  filler: Filler;
  fetchUpstream: (ctx: GatewayContext) => Promise<void>;
  now: () => number;
  logger: Logger;
}

export interface Refresher {
  refresh(ctx: GatewayContext, entry: CachedResponse, scope: FillScope, foundKey: string): void;
}

/** A copy of the request context that lives independently of the client connection. */
function detach(ctx: GatewayContext, entry: CachedResponse): GatewayContext {
  const upstreamHeaders = copyHeaders(ctx.upstreamHeaders);
  upstreamHeaders['if-none-match'] = undefined;
  upstreamHeaders['if-modified-since'] = undefined;
  if (entry.etag !== undefined) upstreamHeaders['if-none-match'] = entry.etag;
  if (entry.lastModified !== undefined) upstreamHeaders['if-modified-since'] = entry.lastModified;
  // The client's request has been answered; the refresh must never read its body again.
  const headers = { ...ctx.req.headers };
  delete headers['content-length'];
  delete headers['transfer-encoding'];
  const req = Object.create(ctx.req, { headers: { value: headers } }) as typeof ctx.req;
  return {
    req,
    requestId: ctx.requestId,
    method: 'GET',
    path: ctx.path,
    query: ctx.query,
    host: ctx.host,
    route: ctx.route,
    params: ctx.params,
    signal: new AbortController().signal,
    upstreamHeaders,
    upstreamPath: ctx.upstreamPath,
    principal: ctx.principal,
    response: undefined,
    state: new Map(),
  };
}

export function createRefresher(options: RefresherOptions): Refresher {
  const { runtime, filler, fetchUpstream, now, logger } = options;

  async function run(ctx: GatewayContext, detached: GatewayContext, entry: CachedResponse, scope: FillScope): Promise<void> {
    const { fill } = runtime.coalescer.begin(scope.ownKey, scope.path, false);
    try {
      const requestTime = now();
      await fetchUpstream(detached);
      const res = detached.response;
      if (res === undefined) return;
      const refreshedScope: FillScope = { ...scope, facts: { ...scope.facts, requestTime, responseTime: now() } };
      if (res.status === 304) {
        drainBody(res.body);
        await filler.refreshed(ctx, entry, mergeNotModified(entry.headers, res.headers), refreshedScope, fill);
        return;
      }
      if (res.status >= 500) {
        // Keep serving the stale entry until its window closes; a later request retries.
        discardBody(res.body);
        return;
      }
      const body = await readBody(bodyAsStream(res.body), runtime.store.maxEntryBytes);
      if (body !== undefined) await filler.storeBuffered(ctx.req.headers, res.status, res.headers, body, refreshedScope, fill);
    } finally {
      fill.settle(undefined);
    }
  }

  return {
    refresh(ctx, entry, scope, foundKey) {
      const key = entry.vary.length > 0 ? variantKey(foundKey, entry.varyValues) : foundKey;
      if (runtime.refreshing.has(key)) return;
      runtime.refreshing.add(key);
      const detached = detach(ctx, entry);
      run(ctx, detached, entry, scope)
        .catch((err: unknown) => logger.debug({ err: err instanceof Error ? err.message : String(err), path: scope.path }, 'cache background refresh failed'))
        .finally(() => runtime.refreshing.delete(key));
    },
  };
}
