import { Counter, type Registry } from 'prom-client';

/** Counters of the auth filters; one set per prom-client registry, however many routes use them. */
export interface AuthMetrics {
  readonly outcomes: Counter<'route' | 'outcome' | 'reason'>;
  readonly jwksFetches: Counter<'issuer' | 'result'>;
  readonly tokenCache: Counter<'result'>;
  readonly introspections: Counter<'issuer' | 'result'>;
}

const byRegistry = new WeakMap<Registry, AuthMetrics>();

export function getAuthMetrics(registry: Registry): AuthMetrics {
  let metrics = byRegistry.get(registry);
  if (metrics === undefined) {
    metrics = {
      outcomes: counter(registry, 'portero_auth_outcomes_total', 'Authentication and authorization decisions by route, outcome and reason.', ['route', 'outcome', 'reason']),
      jwksFetches: counter(registry, 'portero_jwks_fetches_total', 'Discovery and JWKS fetches by issuer and result.', ['issuer', 'result']),
      tokenCache: counter(registry, 'portero_auth_token_cache_total', 'Verified-token cache lookups by result.', ['result']),
      introspections: counter(registry, 'portero_auth_introspections_total', 'Token introspection calls by issuer and result.', ['issuer', 'result']),
    };
    byRegistry.set(registry, metrics);
  }
  return metrics;
}

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  // Another module may already have registered the metric in this registry (e.g. after a reload).
  const existing = registry.getSingleMetric(name);
  if (existing !== undefined) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}
