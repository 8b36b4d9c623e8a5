/**
 * The end of every filter chain: picks an endpoint of the route's service, sends the request
 * through that endpoint's undici Pool (an UpstreamExchange) with the body streamed from the client,
 * and puts the upstream's status, headers (hop-by-hop removed) and body on `ctx.response`. Nothing
 * beyond what arrived with the head is held. One try per request; retries wrap this later through `pickEndpoint({ exclude })`.
 */
import { GatewayError } from '../errors.js';
import { RequestContext } from '../listener/request-context.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { Filter } from '../pipeline/types.js';
import type { PickContext } from '../service/types.js';
import { requestBody } from './body-limit.js';
import { mapUpstreamError } from './upstream-errors.js';
import { signalHandle, UpstreamExchange } from './upstream-exchange.js';
import { createUpstreamMetricsCache } from './upstream-metrics-cache.js';
import { rewriteLocationHeaders } from '../router/upstream-path.js';

const FIRST_TRY: PickContext = {};

export interface ProxyOptions {
  readonly metrics: GatewayMetrics;
  readonly maxBodyBytes: number;
}

export function createProxyTerminal(options: ProxyOptions): Filter {
  const { metrics, maxBodyBytes } = options;
  const metricsFor = createUpstreamMetricsCache(metrics);

  return async function proxy(gatewayCtx) {
    const ctx = gatewayCtx as RequestContext;
    const runtime = ctx.route.service;
    const state = runtime.pickEndpoint(FIRST_TRY);
    if (state === undefined) throw new GatewayError('GW_ERR_NO_ENDPOINT');
    if (state.active >= runtime.maxActivePerEndpoint) throw new GatewayError('GW_ERR_UPSTREAM_OVERLOADED');
    ctx.endpointId = state.endpoint.id;
    const um = metricsFor(runtime.name, state);
    runtime.tryStarted(state);
    const started = performance.now();
    const exchange = new UpstreamExchange();
    try {
      await exchange.send(
        state.pool,
        { method: ctx.method, path: ctx.upstreamPath, headers: ctx.upstreamHeaders, body: requestBody(ctx.req, maxBodyBytes) },
        // The listener's contexts carry a cheap abort handle; others (the cache's background
        // refresh) bring their own AbortSignal.
        gatewayCtx instanceof RequestContext ? ctx.tryAbortHandle() : signalHandle(gatewayCtx.signal),
      );
    } catch (err) {
      runtime.tryFinished(state);
      // The client left, the deadline passed, or the body hit a limit: not the endpoint's fault.
      if (ctx.aborted) throw ctx.abortCause;
      if (err instanceof GatewayError) throw err;
      const failure = mapUpstreamError(err);
      um.requests(failure.outcome.kind === 'error' ? failure.outcome.error : 'error').value++;
      um.duration.observe((performance.now() - started) / 1000);
      runtime.reportResult(state.endpoint.id, failure.outcome);
      throw failure.error;
    }
    const status = exchange.statusCode;
    um.requests(String(status)).value++;
    um.duration.observe((performance.now() - started) / 1000);
    runtime.reportResult(state.endpoint.id, { kind: 'response', status });
    exchange.onClose(() => runtime.tryFinished(state));
    const rewrite = ctx.route.rewriteLocation;
    if (rewrite !== undefined) rewriteLocationHeaders(exchange.headers, rewrite);
    ctx.response = { status, headers: exchange.headers, body: exchange };
  };
}
