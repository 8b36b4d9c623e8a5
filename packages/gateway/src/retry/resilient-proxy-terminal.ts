/**
 * The end of the filter chain with retries, the circuit breaker and health-aware 503s: the same
 * contract as proxy/proxy-terminal.ts (pick, send through the endpoint's Pool, stream the answer
 * back), but each request holds a breaker permit, its body is made replayable up to
 * `maxReplayBodyBytes`, and failed tries are retried on other endpoints (RetryRun).
 *
 * A request is one `ProxyCall` (the retry state machine and the request's proxy state in one
 * object) and one `EndpointExchange` per try, which reports its head, failure and close to the
 * call directly: on a first try that succeeds there is no promise but the one the filter chain
 * waits on, no closure and no timer of its own.
 */
import type { Readable } from 'node:stream';
import type { BreakerPermit } from '../breaker/circuit-breaker.js';
import { GatewayError } from '../errors.js';
import type { ServiceResilience } from '../health/resilience-controller.js';
import type { UpstreamOutcome } from '../health/outcome.js';
import { RequestContext, type TryAbortHandle } from '../listener/request-context.js';
import type { GatewayMetrics, UpstreamMetrics } from '../metrics/gateway-metrics.js';
import type { Filter, GatewayContext } from '../pipeline/types.js';
import { hasRequestBody, requestBody } from '../proxy/body-limit.js';
import type { EndpointState, ServiceRuntime } from '../service/service-runtime.js';
import type { Endpoint, PickContext } from '../service/types.js';
import { prepareReplayableBody, type ReplayableBody } from './replayable-body.js';
import { NO_BODY, RetryRun, type RetryResult } from './retry-executor.js';
import type { RetryConfig } from './retry-policy.js';
import { createUpstreamMetricsCache } from '../proxy/upstream-metrics-cache.js';
import { UpstreamExchange } from '../proxy/upstream-exchange.js';
import { rewriteLocationHeaders } from '../router/upstream-path.js';

export interface ResilientProxyOptions {
  readonly metrics: GatewayMetrics;
  readonly maxBodyBytes: number;
  /** The service's resilience state (ResilienceController.get). */
  readonly resilience: (service: string) => ServiceResilience | undefined;
}

/** Thrown by a try whose endpoint already holds its maximum of requests: nothing was sent. */
const SATURATED = 'PORTERO_ENDPOINT_SATURATED';

type MetricsFor = (service: string, state: EndpointState) => UpstreamMetrics;

/** One try: an UpstreamExchange that tells its call about its head, failure and close. */
class EndpointExchange extends UpstreamExchange {
  constructor(
    private readonly call: ProxyCall,
    readonly state: EndpointState,
    readonly um: UpstreamMetrics,
    readonly startedAt: number,
  ) {
    super();
  }

  // These run inside undici's callbacks, which would swallow a throw: it goes to the call instead.
  protected override headArrived(): void {
    try {
      this.call.exchangeHead(this);
    } catch (err) {
      this.call.crashed(err);
    }
  }

  protected override headFailed(err: unknown): void {
    try {
      this.call.exchangeFailed(this, err);
    } catch (thrown) {
      this.call.crashed(thrown);
    }
  }

  protected override closedNow(): void {
    try {
      this.call.exchangeClosed(this);
    } catch (err) {
      this.call.crashed(err);
    }
    super.closedNow();
  }
}

/** One proxied request: the retry loop, the breaker permit and the answer for the filter chain. */
class ProxyCall extends RetryRun<EndpointExchange> {
  resolveCall: () => void = noop;
  rejectCall: (err: unknown) => void = noop;
  /** finish() or crash() ran: the filter chain has its answer. */
  private settledCall = false;
  private picked: EndpointState | undefined = undefined;
  private saturated = false;
  private finalExchange: EndpointExchange | undefined = undefined;

  constructor(
    private readonly ctx: RequestContext,
    private readonly runtime: ServiceRuntime,
    private readonly metricsFor: MetricsFor,
    private readonly permit: BreakerPermit | undefined,
    private readonly res: ServiceResilience | undefined,
    retry: RetryConfig,
    body: ReplayableBody,
    own: boolean,
    signal: AbortSignal | undefined,
  ) {
    super();
    this.service = runtime.name;
    this.method = ctx.method;
    this.headers = ctx.req.headers;
    this.body = body;
    this.config = retry;
    this.hashKey = res?.hashKey?.(ctx);
    this.budget = res?.budget;
    this.metrics = res?.metrics;
    // The listener's context aborts tries without an AbortSignal; other contexts (the cache's
    // detached background refresh) bring their own signal.
    if (own) this.abortSource = ctx;
    else this.signal = signal;
  }

  start(): void {
    this.run();
  }

  protected pick(pc: PickContext): Endpoint | undefined {
    const picked = this.runtime.pickEndpoint(pc);
    this.picked = picked;
    return picked?.endpoint;
  }

  protected send(_endpoint: Endpoint, body: Buffer | Readable | null, handle: TryAbortHandle): void {
    const state = this.picked!;
    const runtime = this.runtime;
    this.saturated = state.active >= runtime.maxActivePerEndpoint;
    if (this.saturated) throw Object.assign(new Error('endpoint saturated'), { code: SATURATED });
    runtime.tryStarted(state);
    const ctx = this.ctx;
    const exchange = new EndpointExchange(this, state, this.metricsFor(runtime.name, state), performance.now());
    // undici reports a request it refuses through onError (headFailed), not by throwing.
    exchange.start(state.pool, ctx.method, ctx.upstreamPath, ctx.upstreamHeaders, body, handle);
  }

  // A saturated endpoint is busy, not broken: passive health does not hear of it.
  protected report(endpoint: Endpoint, outcome: UpstreamOutcome): void {
    if (!this.saturated) this.runtime.reportResult(endpoint.id, outcome);
  }

  exchangeHead(exchange: EndpointExchange): void {
    exchange.um.requests(String(exchange.statusCode)).value++;
    exchange.um.duration.observe((performance.now() - exchange.startedAt) / 1000);
    this.tryHead(exchange);
  }

  exchangeFailed(exchange: EndpointExchange, err: unknown): void {
    this.runtime.tryFinished(exchange.state);
    exchange.um.requests('error').value++;
    exchange.um.duration.observe((performance.now() - exchange.startedAt) / 1000);
    this.tryFailed(err);
  }

  exchangeClosed(exchange: EndpointExchange): void {
    // A try that failed before its head was already counted out by exchangeFailed.
    if (exchange.statusCode === 0) return;
    this.runtime.tryFinished(exchange.state);
    // The breaker slot is held until the body has streamed, like the endpoint's.
    if (exchange === this.finalExchange) this.permit?.release({ kind: 'response', status: exchange.statusCode });
  }

  crashed(err: unknown): void {
    this.crash(err);
  }

  protected crash(err: unknown): void {
    if (this.settledCall) {
      // The answer is already on its way; nothing to reject, but the fault is not hidden.
      this.ctx.route.logger.error({ err, reqId: this.ctx.requestId }, 'error in the proxy after the answer was settled');
      return;
    }
    this.settledCall = true;
    this.permit?.release('cancelled');
    this.rejectCall(err);
  }

  protected finish(result: RetryResult<EndpointExchange>): void {
    if (this.settledCall) return;
    this.settledCall = true;
    const ctx = this.ctx;
    const permit = this.permit;
    switch (result.kind) {
      case 'response': {
        const { response, endpoint } = result;
        ctx.endpointId = endpoint.id;
        this.finalExchange = response;
        if (response.isClosed) permit?.release({ kind: 'response', status: response.statusCode });
        const rewrite = ctx.route.rewriteLocation;
        if (rewrite !== undefined) rewriteLocationHeaders(response.headers, rewrite);
        ctx.response = { status: response.statusCode, headers: response.headers, body: response };
        return this.resolveCall();
      }
      case 'no-endpoint':
        permit?.release('cancelled');
        return this.rejectCall(new GatewayError('GW_ERR_NO_ENDPOINT', { headers: { 'retry-after': String(this.retryAfterSeconds()) } }));
      case 'aborted':
        permit?.release('cancelled');
        return this.rejectCall(ctx.abortCause);
      case 'error': {
        if (result.cause instanceof GatewayError) {
          // The client's body broke a limit mid-stream: the client's fault, not the upstream's.
          permit?.release('cancelled');
          return this.rejectCall(result.cause);
        }
        if ((result.cause as { code?: string } | undefined)?.code === SATURATED) {
          permit?.release('cancelled');
          return this.rejectCall(new GatewayError('GW_ERR_UPSTREAM_OVERLOADED'));
        }
        permit?.release({ kind: 'error', error: result.error });
        return this.rejectCall(new GatewayError(result.error === 'timeout' ? 'GW_ERR_UPSTREAM_TIMEOUT' : 'GW_ERR_UPSTREAM', { cause: result.cause }));
      }
    }
  }

  private retryAfterSeconds(): number {
    return this.res?.health.retryAfterSeconds() ?? 1;
  }
}

function noop(): void {}

export function createResilientProxyTerminal(options: ResilientProxyOptions): Filter {
  const { metrics, maxBodyBytes } = options;
  const metricsFor = createUpstreamMetricsCache(metrics);

  /** Runs the call; the promise settles when it has an answer (or none will come). */
  function runCall(ctx: RequestContext, gatewayCtx: GatewayContext, res: ServiceResilience | undefined, retry: RetryConfig, permit: BreakerPermit | undefined, body: ReplayableBody): Promise<void> {
    const own = gatewayCtx instanceof RequestContext;
    let call: ProxyCall;
    try {
      call = new ProxyCall(ctx, ctx.route.service, metricsFor, permit, res, retry, body, own, own ? undefined : gatewayCtx.signal);
    } catch (err) {
      permit?.release('cancelled');
      return Promise.reject(err);
    }
    return new Promise<void>((resolve, reject) => {
      call.resolveCall = resolve;
      call.rejectCall = reject;
      call.start();
    });
  }

  /** The rare path: the breaker queues the request, or the request has a body to read ahead. */
  async function admitAndRun(ctx: RequestContext, gatewayCtx: GatewayContext, res: ServiceResilience | undefined, retry: RetryConfig, queued: boolean, permit: BreakerPermit | undefined): Promise<void> {
    if (queued) {
      const admitted = await res!.breaker!.acquire(ctx.signal);
      if (!admitted.ok) {
        if (ctx.aborted) throw ctx.abortCause;
        throw breakerRefusal(admitted.reason, admitted.retryAfterSeconds);
      }
      permit = admitted.permit;
    }
    let body = NO_BODY;
    try {
      const source = requestBody(ctx.req, maxBodyBytes);
      if (source !== undefined) {
        const length = ctx.req.headers['content-length'];
        body = await prepareReplayableBody(source, {
          maxReplayBytes: retry.maxReplayBodyBytes,
          contentLength: length === undefined ? undefined : Number(length),
          signal: ctx.signal,
        });
      }
    } catch (err) {
      permit?.release('cancelled');
      // The client left or the request timed out while its body was read ahead.
      if (ctx.aborted) throw ctx.abortCause;
      throw err;
    }
    return runCall(ctx, gatewayCtx, res, retry, permit, body);
  }

  return function proxy(gatewayCtx) {
    try {
      return admit(gatewayCtx);
    } catch (err) {
      // Not an async function, so a throw is turned into the rejection the chain expects here.
      return Promise.reject(err);
    }
  };

  function admit(gatewayCtx: GatewayContext): Promise<void> {
    const ctx = gatewayCtx as RequestContext;
    const runtime = ctx.route.service;
    const res = options.resilience(runtime.name);
    const retry: RetryConfig = ctx.route.config.retry ?? runtime.config.retry;

    // Admission without a promise or an AbortSignal unless the request has to queue.
    const breaker = res?.breaker;
    const admitted = breaker === undefined ? undefined : breaker.tryAcquire();
    if (breaker !== undefined && admitted === undefined) return admitAndRun(ctx, gatewayCtx, res, retry, true, undefined);
    if (admitted !== undefined && !admitted.ok) {
      if (ctx.aborted) return Promise.reject(ctx.abortCause);
      return Promise.reject(breakerRefusal(admitted.reason, admitted.retryAfterSeconds));
    }
    const permit = admitted?.permit;
    if (hasRequestBody(ctx.req)) return admitAndRun(ctx, gatewayCtx, res, retry, false, permit);
    return runCall(ctx, gatewayCtx, res, retry, permit, NO_BODY);
  }
}

function breakerRefusal(reason: string, retryAfterSeconds: number): GatewayError {
  return new GatewayError(reason === 'open' ? 'GW_ERR_CIRCUIT_OPEN' : 'GW_ERR_UPSTREAM_OVERLOADED', { headers: { 'retry-after': String(retryAfterSeconds) } });
}
