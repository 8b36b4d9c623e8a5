/**
 * The end of the filter chain with retries, the circuit breaker and health-aware 503s: the same
 * contract as proxy/proxy-terminal.ts (pick, send through the endpoint's Pool, stream the answer
 * back), but each request holds a breaker permit, its body is made replayable up to
 * `maxReplayBodyBytes`, and failed tries are retried on other endpoints by executeWithRetries.
 */
import { GatewayError } from '../errors.js';
import type { ServiceResilience } from '../health/resilience-controller.js';
import { RequestContext } from '../listener/request-context.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { Filter } from '../pipeline/types.js';
import { requestBody } from '../proxy/body-limit.js';
import type { EndpointState } from '../service/service-runtime.js';
import { prepareReplayableBody, type ReplayableBody } from './replayable-body.js';
import { executeWithRetries } from './retry-executor.js';
import type { RetryConfig } from './retry-policy.js';
import { createUpstreamMetricsCache } from '../proxy/upstream-metrics-cache.js';
import { UpstreamExchange, type AbortHandleLike } from '../proxy/upstream-exchange.js';

export interface ResilientProxyOptions {
  readonly metrics: GatewayMetrics;
  readonly maxBodyBytes: number;
  /** The service's resilience state (ResilienceController.get). */
  readonly resilience: (service: string) => ServiceResilience | undefined;
}

/** Thrown by a try whose endpoint already holds its maximum of requests: nothing was sent. */
const SATURATED = 'PORTERO_ENDPOINT_SATURATED';

/** A request without a body: replayable any number of times, shared by every such request. */
const NO_BODY: ReplayableBody = { next: () => null, canReplay: () => true, buffered: true };

export function createResilientProxyTerminal(options: ResilientProxyOptions): Filter {
  const { metrics, maxBodyBytes } = options;
  const metricsFor = createUpstreamMetricsCache(metrics);

  return async function proxy(gatewayCtx) {
    const ctx = gatewayCtx as RequestContext;
    const own = gatewayCtx instanceof RequestContext;
    const runtime = ctx.route.service;
    const res = options.resilience(runtime.name);
    const retry: RetryConfig = ctx.route.config.retry ?? runtime.config.retry;

    // Admission without a promise or an AbortSignal unless the request has to queue.
    const breaker = res?.breaker;
    const admitted = breaker === undefined ? undefined : (breaker.tryAcquire() ?? (await breaker.acquire(ctx.signal)));
    if (admitted && !admitted.ok) {
      if (ctx.aborted) throw ctx.abortCause;
      throw new GatewayError(admitted.reason === 'open' ? 'GW_ERR_CIRCUIT_OPEN' : 'GW_ERR_UPSTREAM_OVERLOADED', { headers: { 'retry-after': String(admitted.retryAfterSeconds) } });
    }
    const permit = admitted?.permit;

    let picked: EndpointState | undefined;
    let saturated = false;
    let result;
    try {
      const source = requestBody(ctx.req, maxBodyBytes);
      let body = NO_BODY;
      if (source !== undefined) {
        const length = ctx.req.headers['content-length'];
        body = await prepareReplayableBody(source, {
          maxReplayBytes: retry.maxReplayBodyBytes,
          contentLength: length === undefined ? undefined : Number(length),
          signal: ctx.signal,
        });
      }
      result = await executeWithRetries<UpstreamExchange>({
        service: runtime.name,
        method: ctx.method,
        headers: ctx.req.headers,
        body,
        config: retry,
        hashKey: res?.hashKey?.(ctx),
        pick(pc) {
          picked = runtime.pickEndpoint(pc);
          return picked?.endpoint;
        },
        async send(_endpoint, tryBody, signal) {
          const state = picked!;
          saturated = state.active >= runtime.maxActivePerEndpoint;
          if (saturated) throw Object.assign(new Error('endpoint saturated'), { code: SATURATED });
          const um = metricsFor(runtime.name, state);
          runtime.tryStarted(state);
          const started = performance.now();
          try {
            const exchange = new UpstreamExchange();
            await exchange.send(state.pool, { method: ctx.method, path: ctx.upstreamPath, headers: ctx.upstreamHeaders, body: tryBody }, signal as unknown as AbortHandleLike);
            um.requests(String(exchange.statusCode)).value++;
            um.duration.observe((performance.now() - started) / 1000);
            exchange.onClose(() => runtime.tryFinished(state));
            return exchange;
          } catch (err) {
            runtime.tryFinished(state);
            um.requests('error').value++;
            um.duration.observe((performance.now() - started) / 1000);
            throw err;
          }
        },
        // A saturated endpoint is busy, not broken: passive health does not hear of it.
        report: (endpoint, outcome) => (saturated ? undefined : runtime.reportResult(endpoint.id, outcome)),
        budget: res?.budget,
        // The listener's context aborts tries without an AbortSignal; other contexts (the cache's
        // detached background refresh) bring their own signal.
        abortSource: own ? ctx : undefined,
        signal: own ? undefined : gatewayCtx.signal,
        metrics: res?.metrics,
      });
    } catch (err) {
      permit?.release('cancelled');
      // The client left or the request timed out while its body was read ahead.
      if (ctx.aborted) throw ctx.abortCause;
      throw err;
    }

    switch (result.kind) {
      case 'response': {
        const { response, endpoint } = result;
        ctx.endpointId = endpoint.id;
        const status = response.statusCode;
        // The breaker slot is held until the body has streamed, like the endpoint's.
        if (permit !== undefined) response.onClose(() => permit.release({ kind: 'response', status }));
        ctx.response = { status, headers: response.headers, body: response };
        return;
      }
      case 'no-endpoint':
        permit?.release('cancelled');
        throw new GatewayError('GW_ERR_NO_ENDPOINT', { headers: { 'retry-after': String(res?.health.retryAfterSeconds() ?? 1) } });
      case 'aborted':
        permit?.release('cancelled');
        throw ctx.abortCause;
      case 'error': {
        if (result.cause instanceof GatewayError) {
          // The client's body broke a limit mid-stream: the client's fault, not the upstream's.
          permit?.release('cancelled');
          throw result.cause;
        }
        if ((result.cause as { code?: string } | undefined)?.code === SATURATED) {
          permit?.release('cancelled');
          throw new GatewayError('GW_ERR_UPSTREAM_OVERLOADED');
        }
        permit?.release({ kind: 'error', error: result.error });
        throw new GatewayError(result.error === 'timeout' ? 'GW_ERR_UPSTREAM_TIMEOUT' : 'GW_ERR_UPSTREAM', { cause: result.cause });
      }
    }
  };
}
