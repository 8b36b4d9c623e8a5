/**
 * Cache keys. A primary key names "this method class, path, query and partition"; when the
 * stored response varies, the primary key holds a Vary spec and each variant lives under a
 * variant key that appends the values of the listed request headers. Everything that can be is
 * decided when the route's config loads (the query plan), so a lookup only concatenates strings.
 *
 * Layout: `G\n<path>\n<query>\n<partition>` and `<primary>\n<v1>\n<v2>…`. Paths are normalised
 * by the listener and never contain a newline; partition parts are percent-encoded.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../pipeline/types.js';

/** The partition shared by every client (anonymous requests and shareable responses). */
export const SHARED_PARTITION = 's';

/** The partition of one authenticated principal: issuer plus subject. */
export function principalPartition(principal: Principal): string {
  return `u:${encodeURIComponent(principal.issuer)}:${encodeURIComponent(principal.subject)}`;
}

/**
 * Builds the function that turns a raw query string into its key form: all parameters sorted by
 * name (stable for equal names), or only the configured subset. Values are re-encoded through
 * URLSearchParams so `a=%41` and `a=A` share a key.
 */
export function createQueryPlan(subset: readonly string[] | undefined): (query: string) => string {
  if (subset !== undefined) {
    const wanted = new Set(subset);
    return (query) => {
      if (query.length === 0) return '';
      const params = new URLSearchParams(query);
      const kept = new URLSearchParams();
      for (const [name, value] of params) if (wanted.has(name)) kept.append(name, value);
      kept.sort();
      return kept.toString();
    };
  }
  return (query) => {
    if (query.length === 0) return '';
    // Fast path for the common query without escapes: a stable sort of the raw pairs by name.
    // It never makes two different queries collide: a query with '%' or '+' takes the
    // canonicalising path, whose output equals a raw one only when both mean the same.
    if (!ESCAPED.test(query)) {
      const pairs = query.split('&').filter((p) => p.length > 0);
      if (pairs.length < 2) return pairs[0] ?? '';
      return pairs.sort(byName).join('&');
    }
    const params = new URLSearchParams(query);
    params.sort();
    return params.toString();
  };
}

const ESCAPED = /[%+]/;

function nameOf(pair: string): string {
  const i = pair.indexOf('=');
  return i === -1 ? pair : pair.slice(0, i);
}

function byName(a: string, b: string): number {
  const x = nameOf(a);
  const y = nameOf(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function primaryKey(path: string, query: string, partition: string): string {
  return `G\n${path}\n${query}\n${partition}`;
}

/** Values of the Vary-listed request headers, normalised; absent headers differ from empty ones. */
export function varyValues(headers: IncomingHttpHeaders, names: readonly string[]): string[] {
  const out = new Array<string>(names.length);
  for (let i = 0; i < names.length; i++) {
    const v = headers[names[i] as string];
    out[i] = v === undefined ? '!' : '=' + (Array.isArray(v) ? v.join(', ') : v).trim().replace(/\s*,\s*/g, ',');
  }
  return out;
}

export function variantKey(primary: string, values: readonly string[]): string {
  return `${primary}\n${values.join('\n')}`;
}

/**
 * Parses a response's Vary into sorted lower-case header names; `'*'` when it contains `*`
 * (such a response is never stored), an empty list when there is no Vary.
 */
export function parseVary(value: string | string[] | undefined): string[] | '*' {
  if (value === undefined) return [];
  const names = new Set<string>();
  for (const part of (Array.isArray(value) ? value.join(',') : value).split(',')) {
    const name = part.trim().toLowerCase();
    if (name === '*') return '*';
    if (name.length > 0) names.add(name);
  }
  return [...names].sort();
}
