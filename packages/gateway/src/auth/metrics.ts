/**
 * Counters of the auth filters, one set per prom-client registry however many routes use them.
 * They are the data plane's fast counters (a child per label set, incremented as a plain number,
 * read by prom-client at scrape time): prom-client's own `inc()` hashes the labels on every call,
 * which would cost more than the verified-token cache lookup it counts.
 */
import type { Registry } from 'prom-client';
import { createCounterFamily, type CounterChild, type CounterFamily } from '../metrics/fast-metrics.js';

export type { CounterChild };

export interface AuthMetrics {
  /** `portero_auth_outcomes_total{route,outcome,reason}`. */
  outcome(route: string, outcome: string, reason: string): CounterChild;
  /** `portero_jwks_fetches_total{issuer,result}` (discovery fetches count here too). */
  jwksFetch(issuer: string, result: string): CounterChild;
  /** `portero_auth_token_cache_total{result}`: hit or miss. */
  tokenCache(result: 'hit' | 'miss'): CounterChild;
  /** `portero_auth_introspections_total{issuer,result}`. */
  introspection(issuer: string, result: string): CounterChild;
}

const byRegistry = new WeakMap<Registry, AuthMetrics>();

export function getAuthMetrics(registry: Registry): AuthMetrics {
  let metrics = byRegistry.get(registry);
  if (metrics === undefined) {
    const outcomes = createCounterFamily(registry, 'portero_auth_outcomes_total', 'Authentication and authorization decisions by route, outcome and reason.', ['route', 'outcome', 'reason']);
    const jwks = createCounterFamily(registry, 'portero_jwks_fetches_total', 'Discovery and JWKS fetches by issuer and result.', ['issuer', 'result']);
    const cache = createCounterFamily(registry, 'portero_auth_token_cache_total', 'Verified-token cache lookups by result.', ['result']);
    const intro = createCounterFamily(registry, 'portero_auth_introspections_total', 'Token introspection calls by issuer and result.', ['issuer', 'result']);
    const child = (family: CounterFamily) => (...values: string[]) => family.child(values);
    metrics = { outcome: child(outcomes), jwksFetch: child(jwks), tokenCache: child(cache), introspection: child(intro) };
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
