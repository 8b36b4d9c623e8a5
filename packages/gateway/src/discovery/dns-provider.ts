import { Resolver } from 'node:dns/promises';
import { systemClock, systemScheduler, type Clock, type Scheduler } from '../health/clock.js';
import type { Endpoint, EndpointProvider } from '../service/types.js';
import { createSubscriberSet } from './endpoint-list.js';

/** What a service resolves (service-level `discovery` with `provider: dns`). */
export interface DnsTarget {
  /** Name to resolve: a host name for A/AAAA, a `_service._proto.name` for SRV. */
  readonly name: string;
  readonly type: 'A' | 'AAAA' | 'SRV';
  /** Port of every endpoint for A/AAAA; SRV records carry their own. */
  readonly port?: number | undefined;
  readonly scheme?: 'http' | 'https' | undefined;
}

/** Static config `providers.dns`. */
export interface DnsProviderConfig {
  /** DNS servers (`host` or `host:port`); the system's when empty. */
  readonly servers: readonly string[];
  /** Shortest time between two resolutions of a name, however small its TTL. */
  readonly minRefreshMs: number;
  /** Longest time between two resolutions, however large its TTL. */
  readonly maxRefreshMs: number;
  /** Time one query waits for an answer before it is tried again. */
  readonly queryTimeoutMs: number;
  /** Tries per query. */
  readonly queryTries: number;
}

export const defaultDnsProviderConfig: DnsProviderConfig = { servers: [], minRefreshMs: 1000, maxRefreshMs: 60_000, queryTimeoutMs: 2000, queryTries: 2 };

export interface DnsProviderOptions {
  readonly config?: Partial<DnsProviderConfig>;
  readonly targets: Readonly<Record<string, DnsTarget>>;
  readonly clock?: Clock;
  readonly scheduler?: Scheduler;
  readonly onStateChange?: (service: string, state: 'current' | 'stale', error?: Error) => void;
}

/** Codes that are an answer ("this name has no such records"), not a failure to get one. */
const EMPTY_ANSWER = new Set(['ENOTFOUND', 'ENODATA']);

interface Resolved {
  readonly endpoints: Endpoint[];
  /** Smallest TTL among the records, in seconds. */
  readonly ttlSeconds: number;
}

interface ServiceState {
  target: DnsTarget;
  timer: unknown;
  lastSuccessAt: number | undefined;
  subscribedAt: number;
  failing: boolean;
}

const origin = (scheme: string, address: string, port: number, v6: boolean): string => {
  const defaultPort = scheme === 'https' ? 443 : 80;
  const host = v6 ? `[${address}]` : address;
  return port === defaultPort ? `${scheme}://${host}` : `${scheme}://${host}:${port}`;
};

/**
 * Endpoints from DNS: A/AAAA records of a name (one endpoint per address, on a configured port)
 * or SRV records (lowest priority only, per RFC 2782, each target's addresses with the record's
 * port and weight). A name is resolved again when its smallest TTL runs out, within
 * [minRefreshMs, maxRefreshMs]. A failed resolution keeps the last list and makes it stale; an
 * NXDOMAIN/NODATA answer is an answer and empties the list.
 */
export function createDnsProvider(options: DnsProviderOptions): EndpointProvider {
  const config = { ...defaultDnsProviderConfig, ...options.config };
  const clock = options.clock ?? systemClock;
  const scheduler = options.scheduler ?? systemScheduler;
  const resolver = new Resolver({ timeout: config.queryTimeoutMs, tries: config.queryTries });
  if (config.servers.length > 0) resolver.setServers([...config.servers]);
  const subscribers = createSubscriberSet();
  const states = new Map<string, ServiceState>();
  let closed = false;

  async function addresses(name: string, v6: boolean): Promise<{ address: string; ttl: number }[]> {
    try {
      return v6 ? await resolver.resolve6(name, { ttl: true }) : await resolver.resolve4(name, { ttl: true });
    } catch (err) {
      if (EMPTY_ANSWER.has((err as { code?: string }).code ?? '')) return [];
      throw err;
    }
  }

  async function resolve(target: DnsTarget): Promise<Resolved> {
    const scheme = target.scheme ?? 'http';
    if (target.type !== 'SRV') {
      const v6 = target.type === 'AAAA';
      const records = await addresses(target.name, v6);
      const port = target.port ?? (scheme === 'https' ? 443 : 80);
      return {
        endpoints: records.map((r) => {
          const o = origin(scheme, r.address, port, v6);
          return { id: o, origin: o, weight: 1 };
        }),
        ttlSeconds: Math.min(...records.map((r) => r.ttl)),
      };
    }
    let srv: Awaited<ReturnType<Resolver['resolveSrv']>>;
    try {
      srv = await resolver.resolveSrv(target.name);
    } catch (err) {
      if (EMPTY_ANSWER.has((err as { code?: string }).code ?? '')) return { endpoints: [], ttlSeconds: Infinity };
      throw err;
    }
    const best = Math.min(...srv.map((r) => r.priority));
    const endpoints = new Map<string, Endpoint>();
    let ttlSeconds = Infinity;
    for (const record of srv.filter((r) => r.priority === best)) {
      for (const a of await addresses(record.name, false)) {
        const o = origin(scheme, a.address, record.port, false);
        // SRV weight 0 means "only when nothing else"; the balancer needs >= 1.
        endpoints.set(o, { id: o, origin: o, weight: Math.min(1000, Math.max(1, record.weight)) });
        ttlSeconds = Math.min(ttlSeconds, a.ttl);
      }
    }
    return { endpoints: [...endpoints.values()], ttlSeconds };
  }

  async function refresh(service: string, s: ServiceState): Promise<void> {
    let delayMs: number;
    try {
      const result = await resolve(s.target);
      if (closed || states.get(service) !== s) return;
      subscribers.publish(service, result.endpoints);
      s.lastSuccessAt = clock();
      if (s.failing) {
        s.failing = false;
        options.onStateChange?.(service, 'current');
      }
      delayMs = Math.min(config.maxRefreshMs, Math.max(config.minRefreshMs, Number.isFinite(result.ttlSeconds) ? result.ttlSeconds * 1000 : config.maxRefreshMs));
    } catch (err) {
      if (closed || states.get(service) !== s) return;
      if (!s.failing) {
        s.failing = true;
        options.onStateChange?.(service, 'stale', err as Error);
      }
      delayMs = config.minRefreshMs;
    }
    s.timer = scheduler.setTimeout(() => void refresh(service, s), delayMs);
  }

  return {
    kind: 'dns',
    subscribe(service, onChange) {
      const unsubscribe = subscribers.subscribe(service, onChange);
      const target = options.targets[service];
      if (target && !states.has(service)) {
        const s: ServiceState = { target, timer: undefined, lastSuccessAt: undefined, subscribedAt: clock(), failing: false };
        states.set(service, s);
        void refresh(service, s);
      }
      return unsubscribe;
    },
    stalenessMs(service) {
      const s = states.get(service);
      if (!s) return 0;
      if (s.lastSuccessAt === undefined) return clock() - s.subscribedAt;
      return s.failing ? clock() - s.lastSuccessAt : 0;
    },
    async close() {
      closed = true;
      for (const s of states.values()) scheduler.clearTimeout(s.timer);
      states.clear();
      resolver.cancel();
    },
  };
}
