/**
 * The end of the filter chain with retries, the circuit breaker and health-aware 503s: the same
 * contract as proxy/proxy-terminal.ts (pick, send through the endpoint's Pool, stream the answer
 * back), but each request holds a breaker permit, its body is made replayable up to
 * `maxReplayBodyBytes`, and failed tries are retried on other endpoints by executeWithRetries.
 */
import type { Dispatcher } from 'undici';
import { GatewayError } from '../errors.js';
import type { ServiceResilience } from '../health/resilience-controller.js';
import { stripResponseHopByHop } from '../http/hop-by-hop.js';
import type { RequestContext } from '../listener/request-context.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { Filter } from '../pipeline/types.js';
import { requestBody } from '../proxy/body-limit.js';
import type { EndpointState } from '../service/service-runtime.js';
import { prepareReplayableBody } from './replayable-body.js';
import { executeWithRetries } from './retry-executor.js';
import type { RetryConfig } from './retry-policy.js';

export interface ResilientProxyOptions {
  readonly metrics: GatewayMetrics;
  readonly maxBodyBytes: number;
  /** The service's resilience state (ResilienceController.get). */
  readonly resilience: (service: string) => ServiceResilience | undefined;
}

/** Thrown by a try whose endpoint already holds its maximum of requests: nothing was sent. */
const SATURATED = 'PORTERO_ENDPOINT_SATURATED';

export function createResilientProxyTerminal(options: ResilientProxyOptions): Filter {
  const { metrics, maxBodyBytes } = options;

  return async function proxy(gatewayCtx) {
    const ctx = gatewayCtx as RequestContext;
    const runtime = ctx.route.service;
    const res = options.resilience(runtime.name);
    const retry: RetryConfig = ctx.route.config.retry ?? runtime.config.retry;

    const admitted = res?.breaker ? await res.breaker.acquire(ctx.signal) : undefined;
    if (admitted && !admitted.ok) {
      if (ctx.aborted) throw ctx.abortCause;
      throw new GatewayError(admitted.reason === 'open' ? 'GW_ERR_CIRCUIT_OPEN' : 'GW_ERR_UPSTREAM_OVERLOADED', { headers: { 'retry-after': String(admitted.retryAfterSeconds) } });
    }
    const permit = admitted?.permit;

    let picked: EndpointState | undefined;
    let saturated = false;
    let result;
    try {
      const length = ctx.req.headers['content-length'];
      const body = await prepareReplayableBody(requestBody(ctx.req, maxBodyBytes) ?? null, {
        maxReplayBytes: retry.maxReplayBodyBytes,
        contentLength: length === undefined ? undefined : Number(length),
        signal: ctx.signal,
      });
      result = await executeWithRetries<Dispatcher.ResponseData>({
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
          const um = metrics.forUpstream(runtime.name, state.endpoint.id);
          runtime.tryStarted(state);
          const started = performance.now();
          try {
            const upstream = await state.pool.request({ method: ctx.method, path: ctx.upstreamPath, headers: ctx.upstreamHeaders, body: tryBody, signal });
            um.requests(String(upstream.statusCode)).value++;
            um.duration.observe((performance.now() - started) / 1000);
            upstream.body.once('close', () => runtime.tryFinished(state));
            return upstream;
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
        signal: ctx.signal,
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
        response.body.once('close', () => permit?.release({ kind: 'response', status }));
        const headers = response.headers as Record<string, string | string[]>;
        stripResponseHopByHop(headers);
        ctx.response = { status, headers, body: response.body };
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
