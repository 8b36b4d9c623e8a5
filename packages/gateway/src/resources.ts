/**
 * SharedResources for filters: one instance per key, kept across reloads (a JWKS cache or a
 * cache store survives a config change) and closed once, when the gateway shuts down.
 */
import type { SharedResources } from './filters/registry.js';

export interface ClosableResources extends SharedResources {
  /** Keys currently held, for diagnostics. */
  keys(): string[];
  /** Closes every resource (errors are collected, not thrown midway) and forgets them. */
  closeAll(): Promise<Error[]>;
}

export function createSharedResources(): ClosableResources {
  const items = new Map<string, { close?(): Promise<void> | void }>();
  return {
    acquire<T extends { close?(): Promise<void> | void }>(key: string, create: () => T): T {
      let item = items.get(key) as T | undefined;
      if (item === undefined) {
        item = create();
        items.set(key, item);
      }
      return item;
    },
    keys: () => [...items.keys()],
    async closeAll() {
      const all = [...items.values()];
      items.clear();
      const results = await Promise.allSettled(all.map(async (item) => item.close?.()));
      return results.flatMap((r) => (r.status === 'rejected' ? [r.reason instanceof Error ? r.reason : new Error(String(r.reason))] : []));
    },
  };
}
