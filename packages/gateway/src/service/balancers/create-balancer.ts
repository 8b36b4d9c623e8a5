import type { Random } from '../../health/clock.js';
import type { Balancer, Endpoint } from '../types.js';
import { createConsistentHashBalancer } from './consistent-hash.js';
import { createLeastRequestBalancer } from './least-request.js';
import { createWeightedRoundRobinBalancer } from './weighted-round-robin.js';

export type BalancerPolicy = 'round-robin' | 'weighted-round-robin' | 'least-request' | 'consistent-hash';

export interface BalancerFactoryOptions {
  readonly random?: Random;
  readonly virtualNodesPerWeight?: number;
}

/**
 * Builds the balancer for a service's `loadBalancer.policy`. Plain round robin is weighted round
 * robin over weights forced to 1, so every policy shares one exclusion-aware implementation.
 */
export function createBalancer(policy: BalancerPolicy, options: BalancerFactoryOptions = {}): Balancer {
  switch (policy) {
    case 'weighted-round-robin':
      return createWeightedRoundRobinBalancer();
    case 'least-request':
      return createLeastRequestBalancer({ random: options.random });
    case 'consistent-hash':
      return createConsistentHashBalancer({ random: options.random, virtualNodesPerWeight: options.virtualNodesPerWeight });
    case 'round-robin': {
      const inner = createWeightedRoundRobinBalancer();
      const original = new Map<string, Endpoint>();
      return {
        update(endpoints) {
          original.clear();
          for (const e of endpoints) original.set(e.id, e);
          inner.update(endpoints.map((e) => ({ ...e, weight: 1 })));
        },
        pick(ctx) {
          const picked = inner.pick(ctx);
          return picked && original.get(picked.id);
        },
      };
    }
  }
}
