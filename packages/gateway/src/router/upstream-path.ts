/**
 * Builds, at config load, the function that turns the normalised request path into the path the
 * upstream receives: unchanged, with `stripPrefix` removed and/or `addPrefix` added, or from a
 * `rewrite` template whose `{param}` parts take the captured (normalised, still percent-encoded)
 * path segments. The query string is appended unchanged.
 */
import { parsePattern } from './router.js';

export type UpstreamPathBuilder = (path: string, query: string, params: Readonly<Record<string, string>>) => string;

export interface RewriteSpec {
  stripPrefix?: string | undefined;
  addPrefix?: string | undefined;
  rewrite?: string | undefined;
  /** Parameter names the match pattern captures (for checking the template). */
  paramNames: readonly string[];
}

function withQuery(path: string, query: string): string {
  return query === '' ? path : path + '?' + query;
}

export function compileUpstreamPath(spec: RewriteSpec): UpstreamPathBuilder {
  if (spec.rewrite !== undefined) {
    if (spec.stripPrefix !== undefined || spec.addPrefix !== undefined) throw new Error('rewrite cannot be combined with stripPrefix/addPrefix');
    const parts: { text: string; param: boolean }[] = [];
    const re = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
    let last = 0;
    for (let m = re.exec(spec.rewrite); m !== null; m = re.exec(spec.rewrite)) {
      const name = m[1] as string;
      if (!spec.paramNames.includes(name)) throw new Error(`rewrite uses {${name}}, which the match path does not capture`);
      if (m.index > last) parts.push({ text: spec.rewrite.slice(last, m.index), param: false });
      parts.push({ text: name, param: true });
      last = m.index + m[0].length;
    }
    if (last < spec.rewrite.length) parts.push({ text: spec.rewrite.slice(last), param: false });
    if (parts.every((p) => !p.param)) {
      const fixed = spec.rewrite;
      return (_path, query) => withQuery(fixed, query);
    }
    return (_path, query, params) => {
      let out = '';
      for (const p of parts) out += p.param ? params[p.text] : p.text;
      return withQuery(out, query);
    };
  }
  const strip = spec.stripPrefix !== undefined && spec.stripPrefix !== '/' ? spec.stripPrefix.replace(/\/$/, '') : undefined;
  const add = spec.addPrefix !== undefined && spec.addPrefix !== '/' ? spec.addPrefix.replace(/\/$/, '') : undefined;
  if (strip === undefined && add === undefined) return withQuery;
  return (path, query) => {
    let p = path;
    // Segment-aware: /api strips from /api and /api/x, never from /apix.
    if (strip !== undefined && p.startsWith(strip) && (p.length === strip.length || p.charCodeAt(strip.length) === 47)) {
      p = p.length === strip.length ? '/' : p.slice(strip.length);
    }
    if (add !== undefined) p = p === '/' ? add : add + p;
    return withQuery(p, query);
  };
}

/** Names captured by a pattern path, for checking rewrite templates. */
export function patternParamNames(path: string): string[] {
  return parsePattern(path).names.filter((n): n is string => n !== null);
}

/**
 * The reverse of stripPrefix/addPrefix for `Location` and `Content-Location` answers, so that a
 * client (and the cache's invalidation) sees URIs in the gateway's path space: with
 * `stripPrefix: /api`, an upstream `Location: /customers/42` becomes `/api/customers/42`, as
 * nginx's `proxy_redirect default` does. Only paths under the upstream side's prefix are mapped;
 * absolute URLs and other paths pass unchanged. Undefined when the route maps paths one to one
 * or by a rewrite template (which has no general inverse).
 */
export function compileLocationRewrite(spec: Omit<RewriteSpec, 'paramNames'>): ((location: string) => string) | undefined {
  if (spec.rewrite !== undefined) return undefined;
  const strip = spec.stripPrefix !== undefined && spec.stripPrefix !== '/' ? spec.stripPrefix.replace(/\/$/, '') : '';
  const add = spec.addPrefix !== undefined && spec.addPrefix !== '/' ? spec.addPrefix.replace(/\/$/, '') : '';
  if (strip === add) return undefined;
  return (location) => {
    if (location.charCodeAt(0) !== 47 || location.charCodeAt(1) === 47) return location; // not an absolute path
    if (add === '') return strip + location;
    if (location === add) return strip === '' ? '/' : strip;
    const next = location.charCodeAt(add.length);
    if (location.startsWith(add) && (next === 47 || next === 63 || next === 35)) return strip + location.slice(add.length);
    return location;
  };
}

/** Applies a route's location rewrite to the response headers it concerns, in place. */
export function rewriteLocationHeaders(headers: Record<string, string | string[] | undefined>, rewrite: (location: string) => string): void {
  const location = headers['location'];
  if (typeof location === 'string') headers['location'] = rewrite(location);
  const contentLocation = headers['content-location'];
  if (typeof contentLocation === 'string') headers['content-location'] = rewrite(contentLocation);
}
