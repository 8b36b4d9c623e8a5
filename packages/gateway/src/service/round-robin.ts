import type { Balancer, Endpoint } from './types.js';

/**
 * Plain round robin over the endpoints allowed to take traffic. A retry's `exclude` set is
 * honoured by walking on from the cursor; weights are ignored (weighted policies live in
 * `service/balancers`).
 */
export function createRoundRobinBalancer(): Balancer {
  let endpoints: readonly Endpoint[] = [];
  let cursor = 0;
  return {
    update(next) {
      endpoints = next.slice();
      cursor = 0;
    },
    pick(ctx) {
      const n = endpoints.length;
      if (n === 0) return undefined;
      const exclude = ctx.exclude;
      for (let i = 0; i < n; i++) {
        const candidate = endpoints[cursor % n] as Endpoint;
        cursor = (cursor + 1) % n;
        if (exclude === undefined || !exclude.has(candidate.id)) return candidate;
      }
      return undefined;
    },
  };
}
