import type { Endpoint, EndpointProvider } from '../service/types.js';
import { createSubscriberSet, toOrigin } from './endpoint-list.js';

/** Endpoints as written in a service's config: `{ url, weight }`. */
export interface StaticEndpointConfig {
  readonly url: string;
  readonly weight?: number | undefined;
}

export interface StaticProvider extends EndpointProvider {
  /** Replaces the endpoints of every service (on config reload); unchanged services are not notified. */
  setServices(services: Readonly<Record<string, readonly StaticEndpointConfig[]>>): void;
}

/**
 * Endpoints from the config file. The endpoint id is its origin, so a reload that keeps a URL
 * keeps the endpoint (and its pool, health and balancer state).
 */
export function createStaticProvider(services: Readonly<Record<string, readonly StaticEndpointConfig[]>> = {}): StaticProvider {
  const subscribers = createSubscriberSet();
  const toEndpoints = (list: readonly StaticEndpointConfig[]): Endpoint[] => {
    const byId = new Map<string, Endpoint>();
    for (const e of list) {
      const origin = toOrigin(e.url);
      // The config schema already rejects such URLs; a bad one here is skipped, not fatal.
      if (origin) byId.set(origin, { id: origin, origin, weight: e.weight ?? 1 });
    }
    return [...byId.values()];
  };
  const provider: StaticProvider = {
    kind: 'static',
    subscribe: (service, onChange) => subscribers.subscribe(service, onChange),
    stalenessMs: () => 0,
    setServices(next) {
      for (const [service, list] of Object.entries(next)) subscribers.publish(service, toEndpoints(list));
      for (const service of subscribers.services()) if (!(service in next)) subscribers.publish(service, []);
    },
    async close() {},
  };
  provider.setServices(services);
  return provider;
}
