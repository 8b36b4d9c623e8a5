import type { Random } from '../../health/clock.js';
import type { Balancer, Endpoint, PickContext } from '../types.js';

export interface LeastRequestOptions {
  /** Source of randomness for choosing the two candidates; injectable for tests. */
  readonly random?: Random;
}

/**
 * Least request with the power of two choices: pick two distinct endpoints at random and send the
 * request to the one with fewer requests in flight per unit of weight. This avoids the herd effect
 * of "always the global minimum" (every gateway piling onto the same idle endpoint) while keeping
 * a loaded endpoint out of most picks. In-flight counts come from onRequestStart/onRequestEnd.
 */
export function createLeastRequestBalancer(options: LeastRequestOptions = {}): Balancer {
  const random = options.random ?? Math.random;
  let endpoints: readonly Endpoint[] = [];
  const active = new Map<string, number>();
  // Reused per pick so the hot path does not allocate.
  let candidates: Endpoint[] = [];

  const load = (e: Endpoint): number => ((active.get(e.id) ?? 0) + 1) / e.weight;

  return {
    update(next) {
      endpoints = next;
      candidates = new Array<Endpoint>(next.length);
      // Counts of endpoints that left are dropped; in-flight requests on them end via onRequestEnd.
      for (const id of active.keys()) if (!next.some((e) => e.id === id)) active.delete(id);
    },
    pick(ctx: PickContext) {
      let n = 0;
      for (const e of endpoints) if (!ctx.exclude?.has(e.id)) candidates[n++] = e;
      if (n === 0) return undefined;
      if (n === 1) return candidates[0];
      const i = Math.floor(random() * n);
      // The second choice is drawn from the other n-1 so the two are always distinct.
      let j = Math.floor(random() * (n - 1));
      if (j >= i) j++;
      const a = candidates[i]!;
      const b = candidates[j]!;
      return load(b) < load(a) ? b : a;
    },
    onRequestStart(endpointId) {
      active.set(endpointId, (active.get(endpointId) ?? 0) + 1);
    },
    onRequestEnd(endpointId) {
      const n = active.get(endpointId);
      if (n === undefined) return;
      if (n <= 1) active.delete(endpointId);
      else active.set(endpointId, n - 1);
    },
  };
}
