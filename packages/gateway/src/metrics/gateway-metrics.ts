/**
 * The gateway's metrics, in its own Registry (never prom-client's global one). Label values are
 * route ids, service names and endpoint ids, never raw paths, so cardinality is bounded by the
 * config; requests that match no route count under route="none".
 */
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { createCounterFamily, createHistogramFamily, type CounterChild, type HistogramChild } from './fast-metrics.js';

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Per-route children, created when a route compiles and reused across reloads. */
export interface RouteMetrics {
  /** Counter for this route, method and status; children are cached on first use. */
  requests(method: string, status: number): CounterChild;
  readonly duration: HistogramChild;
}

export interface UpstreamMetrics {
  requests(status: string): CounterChild;
  readonly duration: HistogramChild;
}

export interface GatewayMetrics {
  readonly registry: Registry;
  forRoute(routeId: string): RouteMetrics;
  forUpstream(service: string, endpointId: string): UpstreamMetrics;
  /** Plain counter read by the in-flight gauge at scrape time. */
  inFlight: number;
}

export function createGatewayMetrics(options: { defaultMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'portero_' });
  const requests = createCounterFamily(registry, 'portero_requests_total', 'Requests answered, by route id, method and status.', ['route', 'method', 'status']);
  const duration = createHistogramFamily(registry, 'portero_request_duration_seconds', 'Time from request arrival to response end, by route id.', ['route'], DURATION_BUCKETS);
  const upstreamRequests = createCounterFamily(
    registry,
    'portero_upstream_requests_total',
    'Tries sent to upstream endpoints, by service, endpoint and outcome (status code, or connect/reset/timeout).',
    ['service', 'endpoint', 'status'],
  );
  const upstreamDuration = createHistogramFamily(
    registry,
    'portero_upstream_request_duration_seconds',
    'Time from sending a try to its response head (or failure), by service and endpoint.',
    ['service', 'endpoint'],
    DURATION_BUCKETS,
  );
  const routes = new Map<string, RouteMetrics>();
  const upstreams = new Map<string, UpstreamMetrics>();
  const metrics: GatewayMetrics = {
    registry,
    inFlight: 0,
    forRoute(routeId) {
      let rm = routes.get(routeId);
      if (rm === undefined) {
        const byKey = new Map<string, CounterChild>();
        rm = {
          duration: duration.child([routeId]),
          requests(method, status) {
            const key = method + status;
            let child = byKey.get(key);
            if (child === undefined) {
              child = requests.child([routeId, method, String(status)]);
              byKey.set(key, child);
            }
            return child;
          },
        };
        routes.set(routeId, rm);
      }
      return rm;
    },
    forUpstream(service, endpointId) {
      const key = service + '\u0000' + endpointId;
      let um = upstreams.get(key);
      if (um === undefined) {
        const byStatus = new Map<string, CounterChild>();
        um = {
          duration: upstreamDuration.child([service, endpointId]),
          requests(status) {
            let child = byStatus.get(status);
            if (child === undefined) {
              child = upstreamRequests.child([service, endpointId, status]);
              byStatus.set(status, child);
            }
            return child;
          },
        };
        upstreams.set(key, um);
      }
      return um;
    },
  };
  new Gauge({
    name: 'portero_requests_in_flight',
    help: 'Requests received and not yet answered.',
    registers: [registry],
    collect() {
      this.set(metrics.inFlight);
    },
  });
  return metrics;
}
