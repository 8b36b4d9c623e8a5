import type { Endpoint } from '../service/types.js';

/**
 * Subscribers of one provider, by service, with the last list each service had. Providers share
 * it so every subscription behaves alike: the current list at once, then every change, and never
 * the same list twice in a row.
 */
export interface SubscriberSet {
  subscribe(service: string, onChange: (endpoints: readonly Endpoint[]) => void): () => void;
  /** Publishes `endpoints` for `service` when they differ from the last published list. */
  publish(service: string, endpoints: readonly Endpoint[]): void;
  current(service: string): readonly Endpoint[] | undefined;
  services(): string[];
  /** Services with at least one subscriber. */
  watched(): string[];
}

export function createSubscriberSet(): SubscriberSet {
  const lists = new Map<string, readonly Endpoint[]>();
  const listeners = new Map<string, Set<(endpoints: readonly Endpoint[]) => void>>();

  return {
    subscribe(service, onChange) {
      let set = listeners.get(service);
      if (!set) listeners.set(service, (set = new Set()));
      set.add(onChange);
      const current = lists.get(service);
      if (current) onChange(current);
      return () => {
        set.delete(onChange);
        if (set.size === 0) listeners.delete(service);
      };
    },
    publish(service, endpoints) {
      const sorted = [...endpoints].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const previous = lists.get(service);
      if (previous && sameEndpoints(previous, sorted)) return;
      lists.set(service, sorted);
      for (const listener of listeners.get(service) ?? []) listener(sorted);
    },
    current: (service) => lists.get(service),
    services: () => [...lists.keys()],
    watched: () => [...listeners.keys()],
  };
}

export function sameEndpoints(a: readonly Endpoint[], b: readonly Endpoint[]): boolean {
  return a.length === b.length && a.every((e, i) => e.id === b[i]!.id && e.origin === b[i]!.origin && e.weight === b[i]!.weight);
}

/**
 * Parses an endpoint URL into its origin; only http(s) origins with no path, query or credentials.
 * Returns undefined when the URL is not acceptable.
 */
export function toOrigin(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  if ((parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search || parsed.hash || parsed.username || parsed.password) return undefined;
  return parsed.origin;
}
