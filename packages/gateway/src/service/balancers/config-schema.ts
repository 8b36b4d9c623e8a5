import { Type } from '@sinclair/typebox';

/** `services.<name>.loadBalancer`: the policy and, for consistent hashing, what to hash on. */
export const LoadBalancerSchema = Type.Object(
  {
    policy: Type.Union([Type.Literal('round-robin'), Type.Literal('weighted-round-robin'), Type.Literal('least-request'), Type.Literal('consistent-hash')], {
      default: 'round-robin',
      description:
        'How an endpoint is picked for each try. round-robin: in turn, weights ignored; weighted-round-robin: smooth weighted rotation (nginx), endpoint weights respected; least-request: the less loaded of two random endpoints (power of two choices), load being requests in flight per unit of weight; consistent-hash: a ring of virtual nodes keyed by `hashOn`, so one key keeps its endpoint and removing one of N endpoints moves only ≈1/N of keys. Every policy skips endpoints a retry already tried.',
    }),
    hashOn: Type.Optional(
      Type.Union(
        [
          Type.Object({ header: Type.String({ minLength: 1, description: 'Request header whose value is the key.' }) }, { additionalProperties: false }),
          Type.Object({ claim: Type.String({ minLength: 1, description: 'Claim of the verified token whose value is the key (needs jwtAuth on the route).' }) }, { additionalProperties: false }),
          Type.Object({ clientAddress: Type.Literal(true, { description: 'The client address (as resolved through trusted proxies) is the key.' }) }, { additionalProperties: false }),
        ],
        { description: 'consistent-hash only: what the key is. A request without the key is balanced at random. Required with consistent-hash.' },
      ),
    ),
    virtualNodesPerWeight: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'consistent-hash only: ring points per unit of endpoint weight; more points spread keys more evenly at the cost of memory.' }),
  },
  { additionalProperties: false, default: {}, description: 'Load-balancing policy.' },
);
