/**
 * Building responses of a cached route: answers from a stored entry (with Age and a 304 when
 * the client's copy is current) and the Cache-Status field (RFC 9211) on every response.
 */
import type { GatewayContext, GatewayResponse } from '../../pipeline/types.js';
import { clientHasCurrent, notModifiedHeaders } from '../../cache/conditional.js';
import type { CachedResponse } from '../../cache/store.js';
import { catalogBody } from '../../errors.js';
import { discardBody } from '../../http/discard-body.js';
import { copyHeaders } from '../../http/copy-headers.js';

/** The cache's name in Cache-Status. */
export const CACHE_NAME = 'Portero';


function cacheStatus(existing: string | string[] | undefined, value: string): string {
  const own = `${CACHE_NAME}; ${value}`;
  if (existing === undefined) return own;
  return `${Array.isArray(existing) ? existing.join(', ') : existing}, ${own}`;
}

/** Adds this cache's member to the response's Cache-Status (after any upstream cache's). */
export function markCacheStatus(response: GatewayResponse | undefined, value: string): void {
  if (response === undefined) return;
  response.headers['cache-status'] = cacheStatus(response.headers['cache-status'], value);
}

/** Answers from a stored entry: a 304 when the client's conditionals match, else the entry. */
export function serveEntry(ctx: GatewayContext, entry: CachedResponse, age: number, status: string): void {
  const value = cacheStatus(entry.headers['cache-status'], status);
  const h = ctx.req.headers;
  if (entry.status === 200 && (h['if-none-match'] !== undefined || h['if-modified-since'] !== undefined) && clientHasCurrent(h, entry)) {
    const headers = notModifiedHeaders(entry);
    headers['age'] = String(age);
    headers['cache-status'] = value;
    ctx.response = { status: 304, headers, body: null };
    return;
  }
  const headers = copyHeaders(entry.headers);
  headers['age'] = String(age);
  headers['cache-status'] = value;
  ctx.response = { status: entry.status, headers, body: ctx.method === 'HEAD' ? null : entry.body };
}

/** RFC 9111 §5.2.1.7: `only-if-cached` with nothing usable stored answers 504. */
export function onlyIfCachedMiss(ctx: GatewayContext, status: string): void {
  const body = catalogBody('GW_ERR_CACHE_ONLY_IF_CACHED');
  ctx.response = {
    status: 504,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(body.length),
      'cache-status': `${CACHE_NAME}; ${status}`,
    },
    body,
  };
}

/** Discards an upstream body we will not forward (a 304 or a 5xx replaced by a stale entry). */
export function discardResponseBody(response: GatewayResponse): void {
  discardBody(response.body);
}
