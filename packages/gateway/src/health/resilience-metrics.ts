import { Counter, Gauge, type Registry } from 'prom-client';

/** Source of a service's discovery staleness, read when /metrics is scraped. */
export interface StalenessSource {
  readonly kind: string;
  stalenessMs(service: string): number;
}

/**
 * The resilience metrics of every service: retries, retry budget, outlier ejections, breaker state,
 * endpoint health and discovery staleness. Created once per registry; each module receives the
 * object and labels its own series with the service name.
 */
export interface ResilienceMetrics {
  readonly retries: Counter<'service' | 'reason'>;
  readonly retryBudgetExhausted: Counter<'service'>;
  readonly outlierEjections: Counter<'service'>;
  /** 0 closed, 1 open, 2 half-open. */
  readonly circuitBreakerState: Gauge<'service'>;
  /** 1 when the endpoint may take traffic (active check passing and not ejected), else 0. */
  readonly endpointHealthy: Gauge<'service' | 'endpoint'>;
  /** Registers a service's provider for `portero_discovery_staleness_seconds`; returns an unregister function. */
  trackStaleness(service: string, source: StalenessSource): () => void;
}

const cache = new WeakMap<Registry, ResilienceMetrics>();

export function createResilienceMetrics(registry: Registry): ResilienceMetrics {
  const existing = cache.get(registry);
  if (existing) return existing;
  const sources = new Map<string, StalenessSource>();
  const staleness = new Gauge({
    name: 'portero_discovery_staleness_seconds',
    help: 'Seconds since the discovery provider last heard from its backend about the service; 0 when current.',
    labelNames: ['service', 'provider'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [service, source] of sources) this.set({ service, provider: source.kind }, source.stalenessMs(service) / 1000);
    },
  });
  void staleness;
  const metrics: ResilienceMetrics = {
    retries: new Counter({ name: 'portero_retries_total', help: 'Retries sent, by reason of the failed try.', labelNames: ['service', 'reason'] as const, registers: [registry] }),
    retryBudgetExhausted: new Counter({ name: 'portero_retry_budget_exhausted_total', help: 'Retries not sent because the service retry budget was spent.', labelNames: ['service'] as const, registers: [registry] }),
    outlierEjections: new Counter({ name: 'portero_outlier_ejections_total', help: 'Endpoints ejected by passive outlier detection.', labelNames: ['service'] as const, registers: [registry] }),
    circuitBreakerState: new Gauge({ name: 'portero_circuit_breaker_state', help: 'Circuit breaker state: 0 closed, 1 open, 2 half-open.', labelNames: ['service'] as const, registers: [registry] }),
    endpointHealthy: new Gauge({ name: 'portero_endpoint_healthy', help: '1 when the endpoint may take traffic, 0 when it failed active checks or is ejected.', labelNames: ['service', 'endpoint'] as const, registers: [registry] }),
    trackStaleness(service, source) {
      sources.set(service, source);
      return () => {
        if (sources.get(service) === source) sources.delete(service);
      };
    },
  };
  cache.set(registry, metrics);
  return metrics;
}
