/**
 * Knows which methods each registered path accepts, so an unmatched request can be told apart:
 * a known path with the wrong method is 405 with Allow, anything else is 404.
 */
export interface RouteMethodIndex {
  add(url: string, methods: string | string[]): void;
  /** Methods accepted on this concrete path, empty when no route has the path. */
  allowedFor(path: string): string[];
}

export function createRouteMethodIndex(): RouteMethodIndex {
  const entries: { pattern: RegExp; methods: Set<string> }[] = [];
  return {
    add(url, methods) {
      const source = `^${url.split('/').map((s) => (s.startsWith(':') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}/?$`;
      let entry = entries.find((e) => e.pattern.source === source);
      if (entry === undefined) {
        entry = { pattern: new RegExp(source), methods: new Set() };
        entries.push(entry);
      }
      for (const m of Array.isArray(methods) ? methods : [methods]) entry.methods.add(m);
    },
    allowedFor(path) {
      const allowed = new Set<string>();
      for (const entry of entries) if (entry.pattern.test(path)) for (const m of entry.methods) allowed.add(m);
      return [...allowed].sort();
    },
  };
}
