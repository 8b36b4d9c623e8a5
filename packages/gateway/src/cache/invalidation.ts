/**
 * Invalidation after unsafe methods (RFC 9111 §4.4): a successful (2xx/3xx) POST, PUT, PATCH or
 * DELETE drops the target URI, the URIs in Location and Content-Location when they are on the
 * same origin, and the related prefixes the route configures. Paths are dropped across every
 * partition and query variant (the Store indexes records by path).
 */
import type { CacheStore } from './store.js';

export const UNSAFE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What to drop: exact paths and path prefixes. */
export interface InvalidationTargets {
  readonly paths: string[];
  readonly prefixes: string[];
}

/**
 * Resolves a Location / Content-Location value against the request's origin; returns its
 * normalised path, or undefined when it points at another origin or does not parse.
 */
export function sameOriginPath(value: string | string[] | undefined, host: string): string | undefined {
  if (value === undefined) return undefined;
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.length === 0) return undefined;
  try {
    const base = new URL(`http://${host}/`);
    const url = new URL(raw, base);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname !== base.hostname) return undefined;
    // URL normalises dot segments; a trailing slash is kept as written (the listener does too).
    return decodeURI(url.pathname);
  } catch {
    return undefined;
  }
}

/** Compiles the route's `invalidate` templates: `{param}` is replaced by the captured parameter. */
export function compileInvalidateTemplates(templates: readonly string[]): (params: Readonly<Record<string, string>>) => string[] {
  const compiled = templates.map((t) => t.split(/(\{[^}]+\})/).filter((s) => s.length > 0));
  return (params) => {
    const out: string[] = [];
    for (const parts of compiled) {
      let path = '';
      let complete = true;
      for (const part of parts) {
        if (part.startsWith('{') && part.endsWith('}')) {
          const v = params[part.slice(1, -1)];
          if (v === undefined || v.length === 0 || v.includes('/')) complete = false;
          else path += v;
        } else path += part;
      }
      if (complete) out.push(path);
    }
    return out;
  };
}

/** Drops every target; returns how many records went. Rejects when the store fails. */
export async function invalidate(store: CacheStore, targets: InvalidationTargets): Promise<number> {
  const jobs: Promise<number>[] = [];
  for (const path of new Set(targets.paths)) jobs.push(store.deletePath(path));
  for (const prefix of new Set(targets.prefixes)) jobs.push(store.deletePrefix(prefix));
  const counts = await Promise.all(jobs);
  return counts.reduce((a, b) => a + b, 0);
}
