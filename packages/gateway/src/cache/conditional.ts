/**
 * Client conditionals answered from a stored response (RFC 9110 §13.1.2, §13.1.3, §15.4.5):
 * If-None-Match uses the weak comparison; If-Modified-Since is ignored when If-None-Match is
 * present.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { CachedResponse } from './store.js';

function opaque(tag: string): string {
  const t = tag.trim();
  return t.startsWith('W/') ? t.slice(2) : t;
}

/** Weak comparison of an If-None-Match value against an entity tag. */
export function ifNoneMatchHits(ifNoneMatch: string, etag: string | undefined): boolean {
  if (ifNoneMatch.trim() === '*') return true;
  if (etag === undefined) return false;
  const target = opaque(etag);
  for (const candidate of ifNoneMatch.split(',')) if (opaque(candidate) === target) return true;
  return false;
}

/** Whether the client's conditionals say its copy is current, so a 304 answers. */
export function clientHasCurrent(headers: IncomingHttpHeaders, entry: CachedResponse): boolean {
  const inm = headers['if-none-match'];
  if (inm !== undefined) return ifNoneMatchHits(inm, entry.etag);
  const ims = headers['if-modified-since'];
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  const reference = entry.lastModified ?? (entry.headers['date'] as string | undefined);
  if (Number.isNaN(since) || reference === undefined) return false;
  const modified = Date.parse(reference);
  return !Number.isNaN(modified) && modified <= since;
}

/** Fields a 304 carries when the 200 would have (RFC 9110 §15.4.5). */
const NOT_MODIFIED_FIELDS = ['cache-control', 'content-location', 'date', 'etag', 'expires', 'vary', 'last-modified'];

export function notModifiedHeaders(entry: CachedResponse): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name of NOT_MODIFIED_FIELDS) {
    const v = entry.headers[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}
