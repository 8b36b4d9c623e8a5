/**
 * A running Service: its endpoints, one undici Pool per endpoint, the balancer over the endpoints
 * allowed to take traffic, and the hooks health checks, outlier detection and retries use.
 *
 * - Providers (static config today) call `setEndpoints` with the complete list.
 * - Health calls `setEndpointAvailable(id, false)` to take an endpoint out of the balancer and
 *   `true` to put it back; the endpoint keeps its pool meanwhile.
 * - The proxy calls `pickEndpoint` per try (a retry passes the ids already tried in `exclude`)
 *   and `reportResult` with each try's outcome; `onResult` subscribers (outlier detection, the
 *   circuit breaker) see every outcome.
 * - On reload `update` applies the new service config; pools are reused when an endpoint's origin
 *   and the pool options are unchanged, otherwise replaced, and replaced or removed pools close
 *   gracefully (undici lets their in-flight requests finish).
 */
import { Pool } from 'undici';
import type { ServiceConfig } from '../config/schema.js';
import type { Balancer, Endpoint, PickContext } from './types.js';
import type { BalancerFactory } from './balancer-registry.js';

/** What one try against an endpoint came to (same shape as health/outcome.ts `UpstreamOutcome`). */
export type TryOutcome =
  | { readonly kind: 'response'; readonly status: number }
  | { readonly kind: 'error'; readonly error: 'connect' | 'reset' | 'timeout' };

/** An endpoint as the data plane holds it. */
export interface EndpointState {
  endpoint: Endpoint;
  readonly pool: Pool;
  /** Tries started on this endpoint and not yet finished (response body included). */
  active: number;
  /** False while health or outlier detection keeps it out of the balancer. */
  available: boolean;
}

export interface ServiceRuntime {
  readonly name: string;
  readonly config: ServiceConfig;
  /** Most tries one endpoint may hold (connections plus queue) before the proxy answers 503. */
  readonly maxActivePerEndpoint: number;
  pickEndpoint(ctx: PickContext): EndpointState | undefined;
  /** Bookkeeping around one try, for load-aware balancers and the queue limit. */
  tryStarted(state: EndpointState): void;
  tryFinished(state: EndpointState): void;
  reportResult(endpointId: string, outcome: TryOutcome): void;
  onResult(listener: (endpointId: string, outcome: TryOutcome) => void): () => void;
  setEndpoints(endpoints: readonly Endpoint[]): void;
  setEndpointAvailable(endpointId: string, available: boolean): void;
  /** The state (and pool) of one endpoint, e.g. for a retry executor that picks by Endpoint. */
  endpointState(endpointId: string): EndpointState | undefined;
  endpoints(): readonly EndpointState[];
  update(config: ServiceConfig): void;
  close(): Promise<void>;
}

export interface ServiceRuntimeOptions {
  readonly name: string;
  readonly config: ServiceConfig;
  readonly createBalancer: BalancerFactory;
}

function poolKey(origin: string, c: ServiceConfig): string {
  return `${origin}|${c.connectionsPerEndpoint}|${c.connectTimeoutMs}|${c.responseTimeoutMs}|${c.keepAliveTimeoutMs}`;
}

function createPool(origin: string, c: ServiceConfig): Pool {
  return new Pool(origin, {
    connections: c.connectionsPerEndpoint,
    pipelining: 1,
    connect: { timeout: c.connectTimeoutMs },
    headersTimeout: c.responseTimeoutMs,
    bodyTimeout: c.responseTimeoutMs,
    keepAliveTimeout: c.keepAliveTimeoutMs,
    keepAliveMaxTimeout: c.keepAliveTimeoutMs,
  });
}

/** Endpoints from the static config: the id is the origin. */
export function staticEndpoints(config: ServiceConfig): Endpoint[] {
  return config.endpoints.map((e) => {
    const origin = new URL(e.url).origin;
    return { id: origin, origin, weight: e.weight };
  });
}

export function createServiceRuntime(options: ServiceRuntimeOptions): ServiceRuntime {
  let config = options.config;
  let balancer: Balancer = options.createBalancer(config.loadBalancer.policy);
  let states = new Map<string, EndpointState & { key: string }>();
  const listeners = new Set<(endpointId: string, outcome: TryOutcome) => void>();
  const closing = new Set<Promise<void>>();

  function retire(pool: Pool): void {
    const p = pool.close().catch(() => undefined);
    closing.add(p);
    void p.then(() => closing.delete(p));
  }

  function refreshBalancer(): void {
    const allowed: Endpoint[] = [];
    for (const s of states.values()) if (s.available) allowed.push(s.endpoint);
    balancer.update(allowed);
  }

  function setEndpoints(endpoints: readonly Endpoint[]): void {
    const next = new Map<string, EndpointState & { key: string }>();
    for (const endpoint of endpoints) {
      const key = poolKey(endpoint.origin, config);
      const old = states.get(endpoint.id);
      if (old !== undefined && old.key === key) {
        // Same object, so in-flight tries that hold it keep the counts right.
        old.endpoint = endpoint;
        next.set(endpoint.id, old);
      } else {
        next.set(endpoint.id, { endpoint, pool: createPool(endpoint.origin, config), key, active: 0, available: old?.available ?? true });
      }
    }
    for (const [id, old] of states) {
      const kept = next.get(id);
      if (kept === undefined || kept.pool !== old.pool) retire(old.pool);
    }
    states = next;
    refreshBalancer();
  }

  const runtime: ServiceRuntime = {
    name: options.name,
    get config() {
      return config;
    },
    get maxActivePerEndpoint() {
      return config.connectionsPerEndpoint + config.maxPendingPerEndpoint;
    },
    pickEndpoint(ctx) {
      const picked = balancer.pick(ctx);
      return picked === undefined ? undefined : states.get(picked.id);
    },
    tryStarted(state) {
      state.active++;
      balancer.onRequestStart?.(state.endpoint.id);
    },
    tryFinished(state) {
      if (state.active > 0) state.active--;
      balancer.onRequestEnd?.(state.endpoint.id);
    },
    reportResult(endpointId, outcome) {
      for (const listener of listeners) listener(endpointId, outcome);
    },
    onResult(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setEndpoints,
    setEndpointAvailable(endpointId, available) {
      const state = states.get(endpointId);
      if (state === undefined || state.available === available) return;
      state.available = available;
      refreshBalancer();
    },
    endpointState: (endpointId) => states.get(endpointId),
    endpoints() {
      return [...states.values()];
    },
    update(next) {
      const policyChanged = next.loadBalancer.policy !== config.loadBalancer.policy;
      config = next;
      if (policyChanged) balancer = options.createBalancer(next.loadBalancer.policy);
      // A discovered service keeps its current endpoints (pools re-keyed to the new options)
      // until its provider pushes again; only a static service takes its list from the config.
      const discovered = (next as { discovery?: { provider?: string } }).discovery?.provider;
      if (discovered !== undefined && discovered !== 'static') setEndpoints([...states.values()].map((s) => s.endpoint));
      else setEndpoints(staticEndpoints(next));
    },
    async close() {
      for (const s of states.values()) retire(s.pool);
      states = new Map();
      await Promise.all([...closing]);
    },
  };
  setEndpoints(staticEndpoints(config));
  return runtime;
}
