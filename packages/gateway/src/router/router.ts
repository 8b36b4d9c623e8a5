/**
 * Route matching, compiled once per config. Precedence, deterministic and independent of how
 * the config lists routes except as the last tie-breaker:
 *
 * 1. Routes naming the request's host come before routes for any host.
 * 2. Within each, exact > pattern > prefix.
 * 3. Patterns: more literal segments first, then a literal segment beats a `{param}` at the
 *    first position where two patterns differ. Prefixes: the longest (most segments) first.
 * 4. Then config order.
 *
 * The first candidate (in that order) whose methods accept the request wins. When the path
 * matches some routes but none accepts the method, the result is 405 with the union of their
 * methods. Matching is map look-ups (exact paths, each ancestor of the path for prefixes) plus a
 * scan of the patterns with the request's segment count; nothing is compiled per request.
 */

/** What the router needs to know about a route. */
export interface MatchSpec {
  readonly kind: 'exact' | 'pattern' | 'prefix';
  /** Route path as configured (a pattern may contain `{name}` segments). */
  readonly path: string;
  /** Upper-case methods, or null for every method. */
  readonly methods: ReadonlySet<string> | null;
  /** Lower-case host without port, or null for any host. */
  readonly host: string | null;
}

export type MatchResult<R> =
  | { readonly kind: 'route'; readonly route: R; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'not-found' };

export interface Router<R> {
  match(host: string, method: string, path: string): MatchResult<R>;
}

interface PatternEntry<R> {
  route: R;
  /** Literal segment text, or null for a parameter. */
  literals: (string | null)[];
  names: (string | null)[];
  literalCount: number;
  order: number;
}

interface Table<R> {
  exact: Map<string, R[]>;
  patternsBySegments: Map<number, PatternEntry<R>[]>;
  prefixes: Map<string, R[]>;
}

export const EMPTY_PARAMS: Readonly<Record<string, string>> = Object.freeze({});
const NOT_FOUND = Object.freeze({ kind: 'not-found' as const });

/** Splits a pattern into segments; throws on a segment that mixes text and `{param}`. */
export function parsePattern(path: string): { literals: (string | null)[]; names: (string | null)[] } {
  const segments = path.split('/').slice(1);
  const literals: (string | null)[] = [];
  const names: (string | null)[] = [];
  for (const seg of segments) {
    const m = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(seg);
    if (m) {
      literals.push(null);
      names.push(m[1] as string);
    } else if (seg.includes('{') || seg.includes('}')) {
      throw new Error(`pattern segment "${seg}" must be a whole {param} or plain text`);
    } else {
      literals.push(seg);
      names.push(null);
    }
  }
  return { literals, names };
}

/** Prefix keys drop a trailing slash so that `/api` and `/api/` configure the same prefix. */
function prefixKey(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

function comparePatterns<R>(a: PatternEntry<R>, b: PatternEntry<R>): number {
  if (a.literalCount !== b.literalCount) return b.literalCount - a.literalCount;
  for (let i = 0; i < a.literals.length; i++) {
    const al = a.literals[i] !== null;
    const bl = b.literals[i] !== null;
    if (al !== bl) return al ? -1 : 1;
  }
  return a.order - b.order;
}

function newTable<R>(): Table<R> {
  return { exact: new Map(), patternsBySegments: new Map(), prefixes: new Map() };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function createRouter<R extends MatchSpec>(routes: readonly R[]): Router<R> {
  const anyHost = newTable<R>();
  const byHost = new Map<string, Table<R>>();
  routes.forEach((route, order) => {
    let table = anyHost;
    if (route.host !== null) {
      table = byHost.get(route.host) ?? newTable<R>();
      byHost.set(route.host, table);
    }
    if (route.kind === 'exact') push(table.exact, route.path, route);
    else if (route.kind === 'prefix') push(table.prefixes, prefixKey(route.path), route);
    else {
      const { literals, names } = parsePattern(route.path);
      const entry: PatternEntry<R> = { route, literals, names, literalCount: literals.filter((l) => l !== null).length, order };
      push(table.patternsBySegments, literals.length, entry);
    }
  });
  const hasPatterns = [anyHost, ...byHost.values()].some((t) => t.patternsBySegments.size > 0);
  for (const table of [anyHost, ...byHost.values()]) {
    for (const list of table.patternsBySegments.values()) list.sort(comparePatterns);
  }

  // Collects the methods of path-matching routes that refused the method; allocated only then.
  let allow: Set<string> | null = null;

  function accepts(route: R, method: string): boolean {
    if (route.methods === null || route.methods.has(method)) return true;
    allow ??= new Set();
    for (const m of route.methods) allow.add(m);
    return false;
  }

  function search(table: Table<R>, method: string, path: string, segments: string[] | null): MatchResult<R> | null {
    const exact = table.exact.get(path);
    if (exact !== undefined) {
      for (const route of exact) if (accepts(route, method)) return { kind: 'route', route, params: EMPTY_PARAMS };
    }
    if (segments !== null) {
      const patterns = table.patternsBySegments.get(segments.length);
      if (patterns !== undefined) {
        for (const p of patterns) {
          let ok = true;
          for (let i = 0; i < segments.length; i++) {
            const lit = p.literals[i];
            const seg = segments[i] as string;
            if (lit === null ? seg === '' : lit !== seg) {
              ok = false;
              break;
            }
          }
          if (ok && accepts(p.route, method)) {
            const params: Record<string, string> = {};
            for (let i = 0; i < segments.length; i++) {
              const name = p.names[i];
              if (name !== null && name !== undefined) params[name] = segments[i] as string;
            }
            return { kind: 'route', route: p.route, params };
          }
        }
      }
    }
    if (table.prefixes.size > 0) {
      let probe = prefixKey(path);
      while (true) {
        const list = table.prefixes.get(probe);
        if (list !== undefined) {
          for (const route of list) if (accepts(route, method)) return { kind: 'route', route, params: EMPTY_PARAMS };
        }
        if (probe === '/') break;
        const idx = probe.lastIndexOf('/');
        probe = idx === 0 ? '/' : probe.slice(0, idx);
      }
    }
    return null;
  }

  return {
    match(host, method, path) {
      allow = null;
      const segments = hasPatterns ? path.split('/').slice(1) : null;
      const hostTable = byHost.size > 0 ? byHost.get(host) : undefined;
      if (hostTable !== undefined) {
        const found = search(hostTable, method, path, segments);
        if (found !== null) return found;
      }
      const found = search(anyHost, method, path, segments);
      if (found !== null) return found;
      if (allow !== null) return { kind: 'method-not-allowed', allow: [...(allow as Set<string>)].sort() };
      return NOT_FOUND;
    },
  };
}
