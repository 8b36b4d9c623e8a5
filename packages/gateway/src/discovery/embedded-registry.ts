import { randomUUID } from 'node:crypto';
import { systemClock, systemScheduler, type Clock, type Scheduler } from '../health/clock.js';
import type { Endpoint, EndpointProvider } from '../service/types.js';
import { createSubscriberSet, toOrigin } from './endpoint-list.js';

/** Limits and lease times of the embedded registry (static config `providers.registry`). */
export interface EmbeddedRegistryConfig {
  /** Lease given when a registration asks for none. */
  readonly defaultTtlSeconds: number;
  /** Shortest lease granted; shorter requests are raised to it. */
  readonly minTtlSeconds: number;
  /** Longest lease granted; longer requests are lowered to it. */
  readonly maxTtlSeconds: number;
  /** Most instances one service may register. */
  readonly maxInstancesPerService: number;
  /** Most services the registry holds. */
  readonly maxServices: number;
  /** How often expired leases are swept. */
  readonly sweepIntervalMs: number;
}

export const defaultEmbeddedRegistryConfig: EmbeddedRegistryConfig = {
  defaultTtlSeconds: 15,
  minTtlSeconds: 2,
  maxTtlSeconds: 300,
  maxInstancesPerService: 256,
  maxServices: 256,
  sweepIntervalMs: 1000,
};

/** A registration request (the body of POST /registry/services/{service}/instances). */
export interface RegistrationRequest {
  readonly id?: string | undefined;
  readonly url: string;
  readonly weight?: number | undefined;
  readonly ttlSeconds?: number | undefined;
}

export interface InstanceSnapshot {
  readonly id: string;
  readonly origin: string;
  readonly weight: number;
  readonly ttlSeconds: number;
  /** Clock time the lease ends unless renewed. */
  readonly expiresAt: number;
}

export type RegistrationResult =
  | { readonly ok: true; readonly id: string; readonly ttlSeconds: number; readonly created: boolean }
  | { readonly ok: false; readonly reason: 'bad-url' | 'too-many-instances' | 'too-many-services' };

/**
 * The gateway's own service registry, the default discovery on one machine. Instances register
 * with a lease, renew it with heartbeats and deregister on shutdown; an instance whose heartbeats
 * stop is dropped when its lease ends. It is also the EndpointProvider of the services it holds.
 */
export interface EmbeddedRegistry extends EndpointProvider {
  register(service: string, request: RegistrationRequest): RegistrationResult;
  /** Renews the lease; undefined when the instance is unknown (expired: register again). */
  heartbeat(service: string, id: string): { ttlSeconds: number } | undefined;
  deregister(service: string, id: string): boolean;
  instances(service: string): InstanceSnapshot[];
  /** Drops instances whose lease has ended. Runs on its own every sweepIntervalMs. */
  sweep(): void;
}

interface Instance {
  id: string;
  origin: string;
  weight: number;
  ttlSeconds: number;
  expiresAt: number;
}

export interface EmbeddedRegistryOptions {
  readonly config?: Partial<EmbeddedRegistryConfig>;
  readonly clock?: Clock;
  readonly scheduler?: Scheduler;
  /** Told about each registration, renewal failure and expiry (for the log). */
  readonly onEvent?: (event: { type: 'registered' | 'deregistered' | 'expired'; service: string; id: string }) => void;
}

export function createEmbeddedRegistry(options: EmbeddedRegistryOptions = {}): EmbeddedRegistry {
  const config = { ...defaultEmbeddedRegistryConfig, ...options.config };
  const clock = options.clock ?? systemClock;
  const scheduler = options.scheduler ?? systemScheduler;
  const services = new Map<string, Map<string, Instance>>();
  const subscribers = createSubscriberSet();
  let timer: unknown;
  let closed = false;

  const publish = (service: string): void => {
    const instances = services.get(service);
    const endpoints: Endpoint[] = instances ? [...instances.values()].map((i) => ({ id: i.id, origin: i.origin, weight: i.weight })) : [];
    subscribers.publish(service, endpoints);
    if (instances && instances.size === 0) services.delete(service);
  };

  const clampTtl = (ttl: number | undefined): number => Math.min(config.maxTtlSeconds, Math.max(config.minTtlSeconds, Math.floor(ttl ?? config.defaultTtlSeconds)));

  const registry: EmbeddedRegistry = {
    kind: 'registry',
    subscribe(service, onChange) {
      const unsubscribe = subscribers.subscribe(service, onChange);
      // A service nobody registered yet still gets its (empty) list, so the runtime knows it is current.
      if (!subscribers.current(service)) publish(service);
      return unsubscribe;
    },
    stalenessMs: () => 0,
    register(service, request) {
      const origin = toOrigin(request.url);
      if (!origin) return { ok: false, reason: 'bad-url' };
      let instances = services.get(service);
      if (!instances) {
        if (services.size >= config.maxServices) return { ok: false, reason: 'too-many-services' };
        services.set(service, (instances = new Map()));
      }
      // Registering the same URL again without an id (an instance restarted before its lease
      // ended) renews the existing entry instead of adding a twin.
      const id = request.id ?? [...instances.values()].find((i) => i.origin === origin)?.id ?? randomUUID();
      const existing = instances.get(id);
      if (!existing && instances.size >= config.maxInstancesPerService) {
        if (instances.size === 0) services.delete(service);
        return { ok: false, reason: 'too-many-instances' };
      }
      const ttlSeconds = clampTtl(request.ttlSeconds);
      instances.set(id, { id, origin, weight: request.weight ?? 1, ttlSeconds, expiresAt: clock() + ttlSeconds * 1000 });
      if (!existing) options.onEvent?.({ type: 'registered', service, id });
      publish(service);
      return { ok: true, id, ttlSeconds, created: !existing };
    },
    heartbeat(service, id) {
      const instance = services.get(service)?.get(id);
      if (!instance || instance.expiresAt <= clock()) return undefined;
      instance.expiresAt = clock() + instance.ttlSeconds * 1000;
      return { ttlSeconds: instance.ttlSeconds };
    },
    deregister(service, id) {
      const removed = services.get(service)?.delete(id) ?? false;
      if (removed) {
        options.onEvent?.({ type: 'deregistered', service, id });
        publish(service);
      }
      return removed;
    },
    instances(service) {
      return [...(services.get(service)?.values() ?? [])].map((i) => ({ ...i })).sort((a, b) => (a.id < b.id ? -1 : 1));
    },
    sweep() {
      const now = clock();
      for (const [service, instances] of [...services]) {
        let changed = false;
        for (const [id, instance] of instances) {
          if (instance.expiresAt <= now) {
            instances.delete(id);
            changed = true;
            options.onEvent?.({ type: 'expired', service, id });
          }
        }
        if (changed) publish(service);
      }
    },
    async close() {
      closed = true;
      scheduler.clearTimeout(timer);
    },
  };

  const loop = (): void => {
    if (closed) return;
    registry.sweep();
    timer = scheduler.setTimeout(loop, config.sweepIntervalMs);
  };
  timer = scheduler.setTimeout(loop, config.sweepIntervalMs);
  return registry;
}
