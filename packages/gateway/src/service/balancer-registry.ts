import { createBalancer } from './balancers/create-balancer.js';
import { createRoundRobinBalancer } from './round-robin.js';
import type { Balancer } from './types.js';

/**
 * Builds a fresh Balancer for a service's `loadBalancer.policy`. The gateway takes this as an
 * option (`createGateway({ createBalancer })`) so more policies plug in without touching the
 * data plane; the default knows round robin only.
 */
export type BalancerFactory = (policy: string) => Balancer;

export const defaultBalancerFactory: BalancerFactory = (policy) => {
  if (policy === 'round-robin') return createRoundRobinBalancer();
  if (policy === 'weighted-round-robin' || policy === 'least-request' || policy === 'consistent-hash') return createBalancer(policy);
  throw new Error(`unknown load-balancing policy "${policy}"`);
};
