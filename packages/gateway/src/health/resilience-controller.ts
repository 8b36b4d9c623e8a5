import type { Registry } from 'prom-client';
import { createCircuitBreaker, type CircuitBreaker } from '../breaker/circuit-breaker.js';
import type { GatewayConfig, ServiceConfig } from '../config/schema.js';
import { createDnsProvider } from '../discovery/dns-provider.js';
import type { EmbeddedRegistry } from '../discovery/embedded-registry.js';
import { createEtcdProvider } from '../discovery/etcd-provider.js';
import { createRetryBudget, type RetryBudget } from '../retry/retry-budget.js';
import { createHashKeyExtractor, type HashKeyExtractor } from '../service/balancers/hash-key.js';
import type { ServiceRuntime } from '../service/service-runtime.js';
import type { Endpoint, EndpointProvider } from '../service/types.js';
import type { HealthProbe } from './active-health-checker.js';
import { systemClock, systemScheduler, type Clock, type Scheduler } from './clock.js';
import { createResilienceMetrics, type ResilienceMetrics } from './resilience-metrics.js';
import { createServiceHealth, type EndpointHealthSnapshot, type ServiceHealth } from './service-health.js';

/** Everything the proxy needs about one service beyond its runtime. */
export interface ServiceResilience {
  readonly health: ServiceHealth;
  readonly breaker: CircuitBreaker | undefined;
  readonly budget: RetryBudget;
  readonly hashKey: HashKeyExtractor | undefined;
  readonly metrics: ResilienceMetrics;
}

/** What /admin/services can show per service. */
export interface ServiceResilienceSnapshot {
  readonly provider: string;
  readonly stalenessMs: number;
  readonly circuitBreaker: string | undefined;
  readonly retryBudgetRemaining: number;
  readonly endpoints: EndpointHealthSnapshot[];
}

export interface ResilienceController {
  /** Call after every (re)load with the gateway's runtimes (Gateway.onServicesChanged). */
  sync(services: ReadonlyMap<string, ServiceRuntime>): void;
  get(service: string): ServiceResilience | undefined;
  snapshot(service: string): ServiceResilienceSnapshot | undefined;
  close(): Promise<void>;
}

export interface ResilienceControllerOptions {
  readonly registry: Registry;
  /** Static `providers` section. */
  readonly providers: GatewayConfig['providers'];
  /** The embedded registry (shared with the registry admin plugin), when it is enabled. */
  readonly embeddedRegistry?: EmbeddedRegistry | undefined;
  readonly clock?: Clock;
  readonly scheduler?: Scheduler;
  readonly probe?: HealthProbe;
}

interface Entry {
  runtime: ServiceRuntime;
  /** JSON of the settings the entry was built from; a change rebuilds it. */
  key: string;
  resilience: ServiceResilience;
  provider: EndpointProvider | undefined;
  ownsProvider: boolean;
  discovered: readonly Endpoint[];
  unsubscribe: () => void;
  stopResults: () => void;
  stopStaleness: () => void;
}

const settingsKey = (c: ServiceConfig): string =>
  JSON.stringify([c.discovery, c.healthCheck, c.outlierDetection, c.retryBudget, c.circuitBreaker, c.loadBalancer.hashOn]);

/**
 * Attaches discovery, active and passive health, the circuit breaker and the retry budget to the
 * gateway's ServiceRuntimes. Health decides availability through `runtime.setEndpointAvailable`;
 * passive health listens to `runtime.onResult`; a discovered service gets its endpoints through
 * `runtime.setEndpoints`, pushed again after every reload (the runtime resets to its static list).
 */
export function createResilienceController(options: ResilienceControllerOptions): ResilienceController {
  const metrics = createResilienceMetrics(options.registry);
  const clock = options.clock ?? systemClock;
  const scheduler = options.scheduler ?? systemScheduler;
  const entries = new Map<string, Entry>();
  let etcd: EndpointProvider | undefined;

  const providerFor = (name: string, c: ServiceConfig): { provider: EndpointProvider | undefined; owns: boolean } => {
    switch (c.discovery.provider) {
      case 'static':
        return { provider: undefined, owns: false };
      case 'registry':
        // Without a registration token the registry is off: the service has no endpoints (503).
        return { provider: options.embeddedRegistry, owns: false };
      case 'etcd':
        etcd ??= createEtcdProvider({ config: { ...options.providers.etcd }, clock, scheduler });
        return { provider: etcd, owns: false };
      case 'dns':
        return { provider: createDnsProvider({ config: { ...options.providers.dns }, targets: { [name]: c.discovery.dns! }, clock, scheduler }), owns: true };
    }
  };

  const build = (name: string, runtime: ServiceRuntime): Entry => {
    const c = runtime.config;
    const health = createServiceHealth({
      service: name,
      // Health's verdict goes to the runtime, which keeps its own balancer over available endpoints.
      balancer: {
        update(available) {
          const ids = new Set(available.map((e) => e.id));
          for (const s of entry.runtime.endpoints()) entry.runtime.setEndpointAvailable(s.endpoint.id, ids.has(s.endpoint.id));
        },
      },
      activeCheck: c.healthCheck,
      outlierDetection: c.outlierDetection.enabled ? c.outlierDetection : undefined,
      probe: options.probe,
      clock,
      scheduler,
      metrics,
    });
    const breaker = c.circuitBreaker.enabled ? createCircuitBreaker({ service: name, config: c.circuitBreaker, clock, scheduler, metrics }) : undefined;
    const { provider, owns } = providerFor(name, c);
    const entry: Entry = {
      runtime,
      key: settingsKey(c),
      resilience: { health, breaker, budget: createRetryBudget(c.retryBudget, clock), hashKey: c.loadBalancer.hashOn ? createHashKeyExtractor(c.loadBalancer.hashOn) : undefined, metrics },
      provider,
      ownsProvider: owns,
      discovered: [],
      unsubscribe: () => {},
      stopResults: runtime.onResult((id, outcome) => health.report(id, outcome)),
      stopStaleness: provider ? metrics.trackStaleness(name, provider) : () => {},
    };
    if (provider) {
      entry.unsubscribe = provider.subscribe(c.discovery.name ?? name, (endpoints) => {
        entry.discovered = endpoints;
        entry.runtime.setEndpoints(endpoints);
        health.setEndpoints(endpoints);
      });
    }
    return entry;
  };

  const dispose = async (entry: Entry): Promise<void> => {
    entry.unsubscribe();
    entry.stopResults();
    entry.stopStaleness();
    entry.resilience.breaker?.close();
    await entry.resilience.health.close();
    if (entry.ownsProvider) await entry.provider?.close();
  };

  return {
    sync(services) {
      for (const [name, entry] of entries) {
        const runtime = services.get(name);
        if (runtime === entry.runtime && settingsKey(runtime.config) === entry.key) continue;
        entries.delete(name);
        void dispose(entry);
      }
      for (const [name, runtime] of services) {
        let entry = entries.get(name);
        if (!entry) entries.set(name, (entry = build(name, runtime)));
        if (entry.provider) {
          // The runtime reset itself to its (empty) static list on update: give it the discovered one.
          runtime.setEndpoints(entry.discovered);
        } else {
          entry.resilience.health.setEndpoints(runtime.endpoints().map((s) => s.endpoint));
        }
      }
    },
    get: (service) => entries.get(service)?.resilience,
    snapshot(service) {
      const entry = entries.get(service);
      if (!entry) return undefined;
      const { health, breaker, budget } = entry.resilience;
      return {
        provider: entry.runtime.config.discovery.provider,
        stalenessMs: entry.provider?.stalenessMs(entry.runtime.config.discovery.name ?? service) ?? 0,
        circuitBreaker: breaker?.state(),
        retryBudgetRemaining: budget.remaining(),
        endpoints: health.snapshot(),
      };
    },
    async close() {
      await Promise.all([...entries.values()].map(dispose));
      entries.clear();
      await etcd?.close();
    },
  };
}
