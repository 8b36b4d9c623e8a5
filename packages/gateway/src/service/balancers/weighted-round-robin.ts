import type { Balancer, Endpoint, PickContext } from '../types.js';

interface Slot {
  endpoint: Endpoint;
  current: number;
}

/**
 * Smooth weighted round robin (nginx's algorithm): every pick adds each endpoint's weight to its
 * running score, takes the highest score and subtracts the total from it. Weights 5/1/1 give
 * a a b a c a a rather than a a a a a b c, so no endpoint gets a burst.
 *
 * Excluded endpoints (already tried by this request) sit the round out: they neither score nor
 * count in the total, so a retry never disturbs the long-run proportions of the others.
 */
export function createWeightedRoundRobinBalancer(): Balancer {
  let slots: Slot[] = [];

  return {
    update(endpoints) {
      // Keep the running scores of endpoints that stay, so an update does not restart the cycle.
      const previous = new Map(slots.map((s) => [s.endpoint.id, s.current]));
      slots = endpoints.map((endpoint) => ({ endpoint, current: previous.get(endpoint.id) ?? 0 }));
    },
    pick(ctx: PickContext) {
      const exclude = ctx.exclude;
      let total = 0;
      let best: Slot | undefined;
      for (const slot of slots) {
        if (exclude?.has(slot.endpoint.id)) continue;
        slot.current += slot.endpoint.weight;
        total += slot.endpoint.weight;
        if (!best || slot.current > best.current) best = slot;
      }
      if (!best) return undefined;
      best.current -= total;
      return best.endpoint;
    },
  };
}
