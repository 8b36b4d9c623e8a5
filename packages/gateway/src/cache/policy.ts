/**
 * RFC 9111 decisions, kept free of I/O so they can be tested as tables: may this response be
 * stored, in which partition, for how long (§3, §3.5, §4.2.1), how old is it now (§4.2.3), and how
 * a 304 refreshes it (§3.2, §4.3.4).
 */
import { deltaSeconds, parseCacheControl, type Directives } from './cache-control.js';
import { parseVary } from './key.js';
import type { CachedResponse } from './store.js';
import { copyHeaders } from '../http/copy-headers.js';

/** A route's compiled caching policy. */
export interface CachePolicy {
  readonly statuses: ReadonlySet<number>;
  readonly defaultTtlSeconds: number;
  readonly maxTtlSeconds: number;
  /** The route allows sharing authenticated responses that say `public` or `s-maxage`. */
  readonly shared: boolean;
  readonly staleWhileRevalidateSeconds: number;
  readonly staleIfErrorSeconds: number;
  /** How long past its usable life an entry with a validator is kept for revalidation. */
  readonly retainStaleSeconds: number;
}

/** What the request contributes to the storage decision. */
export interface StoreRequestFacts {
  readonly requestDirectives: Directives;
  /** An authentication filter set ctx.principal. */
  readonly hasPrincipal: boolean;
  /** The request carries Authorization (or the principal came from it). */
  readonly hasAuthorization: boolean;
  /** When the request went upstream, ms since the epoch. */
  readonly requestTime: number;
  /** When the response head arrived, ms since the epoch. */
  readonly responseTime: number;
}

export type Admission =
  | { readonly ok: true; readonly partition: 'shared' | 'principal'; readonly meta: Omit<CachedResponse, 'kind' | 'status' | 'headers' | 'body' | 'varyValues'> }
  | { readonly ok: false; readonly reason: string };

/** Header fields a cache never stores or forwards from storage (hop-by-hop and per-hop). */
const UNSTORED = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'proxy-authenticate', 'proxy-authorization', 'age',
]);

/** Statuses that are never stored, whatever a route says. */
export function isForbiddenStatus(status: number): boolean {
  return status >= 500 || status === 401 || status === 403 || status === 206 || status === 304;
}

function header(headers: Record<string, string | string[]>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Decides whether a response may be stored and computes everything a later hit needs.
 * `reason` names the rule that refused (`no-store`, `private`, `set-cookie`, `status`, `vary-star`,
 * `authorization`, `request-no-store`, `not-reusable`), and is reported in Cache-Status `detail`.
 */
export function admitResponse(
  status: number,
  headers: Record<string, string | string[]>,
  facts: StoreRequestFacts,
  policy: CachePolicy,
): Admission {
  if (facts.requestDirectives.has('no-store')) return { ok: false, reason: 'request-no-store' };
  if (!policy.statuses.has(status) || isForbiddenStatus(status)) return { ok: false, reason: 'status' };
  const cc = parseCacheControl(headers['cache-control']);
  if (cc.has('no-store')) return { ok: false, reason: 'no-store' };
  if (headers['set-cookie'] !== undefined) return { ok: false, reason: 'set-cookie' };
  const vary = parseVary(headers['vary']);
  if (vary === '*') return { ok: false, reason: 'vary-star' };

  const isPrivate = cc.has('private');
  const sMaxAge = deltaSeconds(cc, 's-maxage');
  const shareable = cc.has('public') || sMaxAge !== undefined;
  const mustRevalidate = cc.has('must-revalidate') || cc.has('proxy-revalidate') || cc.has('no-cache');
  // §3.5: a shared cache reuses a response to an authorized request only when it says so.
  const authorizedOk = shareable || cc.has('must-revalidate');
  let partition: 'shared' | 'principal';
  if (facts.hasPrincipal) {
    partition = policy.shared && shareable && !isPrivate ? 'shared' : 'principal';
  } else {
    if (isPrivate) return { ok: false, reason: 'private' };
    if (facts.hasAuthorization && !authorizedOk) return { ok: false, reason: 'authorization' };
    partition = 'shared';
  }

  const date = parseHttpDate(header(headers, 'date')) ?? facts.responseTime;
  let freshness: number;
  if (cc.has('no-cache')) freshness = 0;
  else {
    const maxAge = cc.has('max-age') ? (deltaSeconds(cc, 'max-age') ?? 0) : undefined;
    const explicit = partition === 'shared' && sMaxAge !== undefined ? sMaxAge : maxAge;
    if (explicit !== undefined) freshness = explicit;
    else if (headers['expires'] !== undefined) {
      const expires = parseHttpDate(header(headers, 'expires'));
      freshness = expires === undefined ? 0 : Math.max(0, Math.floor((expires - date) / 1000));
    } else freshness = policy.defaultTtlSeconds;
  }
  freshness = Math.min(freshness, policy.maxTtlSeconds);

  const ageValue = Number(header(headers, 'age') ?? 0);
  const apparentAge = Math.max(0, (facts.responseTime - date) / 1000);
  const responseDelay = Math.max(0, (facts.responseTime - facts.requestTime) / 1000);
  const correctedAge = (Number.isFinite(ageValue) && ageValue > 0 ? ageValue : 0) + responseDelay;
  const initialAgeSeconds = Math.max(apparentAge, correctedAge);

  const swr = mustRevalidate ? 0 : (deltaSeconds(cc, 'stale-while-revalidate') ?? policy.staleWhileRevalidateSeconds);
  const sie = mustRevalidate ? 0 : (deltaSeconds(cc, 'stale-if-error') ?? policy.staleIfErrorSeconds);
  const etag = header(headers, 'etag');
  const lastModified = header(headers, 'last-modified');
  const hasValidator = etag !== undefined || lastModified !== undefined;
  const usableSeconds = freshness - initialAgeSeconds + Math.max(swr, sie) + (hasValidator ? policy.retainStaleSeconds : 0);
  if (usableSeconds <= 0) return { ok: false, reason: 'not-reusable' };

  return {
    ok: true,
    partition,
    meta: {
      vary,
      responseTime: facts.responseTime,
      initialAgeSeconds,
      freshnessSeconds: freshness,
      staleWhileRevalidateSeconds: swr,
      staleIfErrorSeconds: sie,
      noCache: cc.has('no-cache'),
      mustRevalidate,
      authorizedOk,
      etag,
      lastModified,
      expiresAt: facts.responseTime + Math.ceil(usableSeconds * 1000),
    },
  };
}

/** Headers as stored: lower-case, without hop-by-hop fields, with an exact Content-Length. */
export function storableHeaders(headers: Record<string, string | string[]>, bodyLength: number, isHeadOrBodiless: boolean): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    if (UNSTORED.has(name)) continue;
    const v = headers[name];
    if (v !== undefined) out[name] = v;
  }
  if (!isHeadOrBodiless) out['content-length'] = String(bodyLength);
  return out;
}

/** `current_age` of §4.2.3 in whole seconds. */
export function currentAge(entry: CachedResponse, now: number): number {
  return Math.max(0, Math.floor(entry.initialAgeSeconds + (now - entry.responseTime) / 1000));
}

/** Seconds of freshness left (negative when stale). */
export function ttlSeconds(entry: CachedResponse, now: number): number {
  return entry.freshnessSeconds - currentAge(entry, now);
}

/**
 * Merges a 304's headers into a stored response's (§3.2): every field the 304 carries replaces
 * the stored one, except Content-Length and the fields a cache never stores.
 */
export function mergeNotModified(stored: Readonly<Record<string, string | string[]>>, fresh: Record<string, string | string[]>): Record<string, string | string[]> {
  const out = copyHeaders(stored);
  for (const name in fresh) {
    if (UNSTORED.has(name) || name === 'content-length' || name === 'cache-status') continue;
    const v = fresh[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}
