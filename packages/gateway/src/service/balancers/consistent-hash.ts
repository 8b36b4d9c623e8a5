import type { Random } from '../../health/clock.js';
import type { Balancer, Endpoint, PickContext } from '../types.js';

export interface ConsistentHashOptions {
  /** Virtual nodes per unit of weight; more nodes spread keys more evenly. */
  readonly virtualNodesPerWeight?: number;
  /** Used only for requests without a hash key, which go to a random endpoint. */
  readonly random?: Random;
}

/** 32-bit FNV-1a followed by a murmur3 finaliser so that similar keys land far apart. */
export function hash32(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Consistent hashing on a ring of virtual nodes (Ketama style). Each endpoint owns
 * `virtualNodesPerWeight × weight` points placed by hashing `id#n`; a key goes to the owner of the
 * first point at or after its hash. Points depend only on the endpoint's id, so removing one of N
 * endpoints moves only the keys it owned (≈1/N) and adding one takes ≈1/(N+1) from the others.
 *
 * A retry walks on clockwise to the next endpoint not excluded, which keeps retries of the same
 * key on a stable second choice. The ring is built in `update`, never per request.
 */
export function createConsistentHashBalancer(options: ConsistentHashOptions = {}): Balancer {
  const perWeight = options.virtualNodesPerWeight ?? 100;
  const random = options.random ?? Math.random;
  let endpoints: readonly Endpoint[] = [];
  let points = new Uint32Array(0);
  let owners: Endpoint[] = [];

  const firstAtOrAfter = (h: number): number => {
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return lo === points.length ? 0 : lo;
  };

  return {
    update(next) {
      endpoints = next;
      const entries: { point: number; owner: Endpoint }[] = [];
      for (const e of next) {
        const count = perWeight * e.weight;
        for (let n = 0; n < count; n++) entries.push({ point: hash32(`${e.id}#${n}`), owner: e });
      }
      // Ties between points are broken by id so every gateway builds the same ring.
      entries.sort((a, b) => a.point - b.point || (a.owner.id < b.owner.id ? -1 : a.owner.id > b.owner.id ? 1 : 0));
      points = Uint32Array.from(entries, (x) => x.point);
      owners = entries.map((x) => x.owner);
    },
    pick(ctx: PickContext) {
      if (owners.length === 0) return undefined;
      if (ctx.hashKey === undefined) {
        const allowed = endpoints.filter((e) => !ctx.exclude?.has(e.id));
        return allowed.length === 0 ? undefined : allowed[Math.floor(random() * allowed.length)];
      }
      const start = firstAtOrAfter(hash32(ctx.hashKey));
      for (let k = 0; k < owners.length; k++) {
        const owner = owners[(start + k) % owners.length]!;
        if (!ctx.exclude?.has(owner.id)) return owner;
      }
      return undefined;
    },
  };
}
