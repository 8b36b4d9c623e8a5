import type { GatewayMetrics, UpstreamMetrics } from '../metrics/gateway-metrics.js';
import type { EndpointState } from '../service/service-runtime.js';

/**
 * The upstream metric children of each endpoint, resolved on its first request and then reused:
 * label look-ups stay off the hot path. Keyed by the endpoint's state, so an endpoint that goes
 * away takes its entry with it.
 */
export function createUpstreamMetricsCache(metrics: GatewayMetrics): (service: string, state: EndpointState) => UpstreamMetrics {
  const cache = new WeakMap<EndpointState, UpstreamMetrics>();
  return function metricsFor(service, state) {
    let m = cache.get(state);
    if (m === undefined) {
      m = metrics.forUpstream(service, state.endpoint.id);
      cache.set(state, m);
    }
    return m;
  };
}
