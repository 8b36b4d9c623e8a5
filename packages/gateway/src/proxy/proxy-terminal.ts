/**
 * The end of every filter chain: picks an endpoint of the route's service, sends the request
 * through that endpoint's undici Pool with the body streamed from the client, and puts the
 * upstream's status, headers (hop-by-hop removed) and streamed body on `ctx.response`. Nothing is
 * buffered. One try per request; retries wrap this later through `pickEndpoint({ exclude })`.
 */
import { GatewayError } from '../errors.js';
import { stripResponseHopByHop } from '../http/hop-by-hop.js';
import { RequestContext } from '../listener/request-context.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { Filter } from '../pipeline/types.js';
import type { PickContext } from '../service/types.js';
import { requestBody } from './body-limit.js';
import { mapUpstreamError } from './upstream-errors.js';
import { createUpstreamMetricsCache } from './upstream-metrics-cache.js';

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
    let upstream;
    try {
      upstream = await state.pool.request({
        method: ctx.method,
        path: ctx.upstreamPath,
        headers: ctx.upstreamHeaders,
        body: requestBody(ctx.req, maxBodyBytes),
        // The listener's contexts carry a cheap abort handle; others (the cache's background
        // refresh) bring their own AbortSignal.
        signal: gatewayCtx instanceof RequestContext ? (ctx.tryAbortHandle() as unknown as AbortSignal) : gatewayCtx.signal,
      });
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
    const status = upstream.statusCode;
    um.requests(String(status)).value++;
    um.duration.observe((performance.now() - started) / 1000);
    runtime.reportResult(state.endpoint.id, { kind: 'response', status });
    const body = upstream.body;
    body.once('close', () => runtime.tryFinished(state));
    const headers = upstream.headers as Record<string, string | string[]>;
    stripResponseHopByHop(headers);
    ctx.response = { status, headers, body };
  };
}
