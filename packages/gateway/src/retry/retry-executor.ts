import type { Readable } from 'node:stream';
import { systemClock, systemScheduler, type Clock, type Random, type Scheduler } from '../health/clock.js';
import type { UpstreamOutcome } from '../health/outcome.js';
import type { ResilienceMetrics } from '../health/resilience-metrics.js';
import type { Endpoint, PickContext } from '../service/types.js';
import { fullJitterBackoffMs, parseRetryAfterMs } from './backoff.js';
import { TryAbortHandle } from '../listener/request-context.js';
import type { ReplayableBody } from './replayable-body.js';
import type { RetryBudget } from './retry-budget.js';
import { classifyUpstreamError, isReplaySafe, neverReachedUpstream, retryReason, type RetryConfig } from './retry-policy.js';

/** What a try returns once the upstream's response head arrived (undici's ResponseData fits). */
export interface TryResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Drained when the response is dropped for a retry, so the connection can be reused. */
  readonly body: { dump(): Promise<unknown> };
}

/** One request to run with retries. */
export interface RetryExecution<R extends TryResponse> {
  readonly service: string;
  /** Upper-case method of the client request. */
  readonly method: string;
  /** Client request headers (lower-case names), read for Idempotency-Key. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: ReplayableBody;
  readonly config: RetryConfig;
  readonly hashKey?: string | undefined;
  /** The service's balancer pick. */
  pick(ctx: PickContext): Endpoint | undefined;
  /**
   * Sends one try; resolves with the response head, rejects with undici's error. Must honour
   * `signal`: an emitter-like abort handle (`aborted`, `reason`, `once('abort')`,
   * `removeListener`), which undici accepts as a request signal, typed as AbortSignal for it.
   */
  send(endpoint: Endpoint, body: Buffer | Readable | null, signal: AbortSignal): Promise<R>;
  /** Passive health and breaker accounting of each try. */
  report?(endpoint: Endpoint, outcome: UpstreamOutcome): void;
  readonly budget?: RetryBudget | undefined;
  /** Aborted when the client goes away. */
  readonly signal?: AbortSignal | undefined;
  /**
   * The cheaper alternative to `signal` (the RequestContext): hands out the abort handle of each
   * try (and of a backoff sleep), fired when the client goes away; no AbortController per request.
   */
  readonly abortSource?: TryAbortSource | undefined;
  readonly clock?: Clock;
  readonly scheduler?: Scheduler;
  readonly random?: Random;
  readonly metrics?: ResilienceMetrics | undefined;
}

/** Client-abort plumbing without an EventTarget: `abort()` fires the last handle handed out. */
export interface TryAbortSource {
  readonly aborted: boolean;
  tryAbortHandle(): TryAbortHandle;
}

export type RetryResult<R extends TryResponse> =
  | { readonly kind: 'response'; readonly response: R; readonly endpoint: Endpoint; readonly tries: number }
  /** No endpoint could be picked: answer 503 with the service's Retry-After. */
  | { readonly kind: 'no-endpoint'; readonly tries: number }
  /** The last try failed without a response: connect/reset → 502, timeout → 504. */
  | { readonly kind: 'error'; readonly error: 'connect' | 'reset' | 'timeout'; readonly deadlineExceeded: boolean; readonly cause: unknown; readonly tries: number }
  /** The client went away; nothing should be answered. */
  | { readonly kind: 'aborted'; readonly tries: number };

/**
 * Runs a request against a service: each try goes to an endpoint not tried before (falling back to
 * any endpoint when all were tried), under a per-try timeout and the route's overall deadline.
 * A failed try is retried only when its failure is in `retryOn`, the request is safe to send again
 * (never reached the upstream, or replay-safe method with a replayable body), the backoff (or the
 * upstream's Retry-After, up to a cap) fits before the deadline, and the retry budget allows it.
 */
export async function executeWithRetries<R extends TryResponse>(x: RetryExecution<R>): Promise<RetryResult<R>> {
  const clock = x.clock ?? systemClock;
  const scheduler = x.scheduler ?? systemScheduler;
  const { config } = x;
  const deadlineAt = clock() + config.deadlineMs;
  // Allocated only when a first try failed: the common request never needs it.
  let tried: Set<string> | undefined;
  x.budget?.recordRequest();

  for (let attempt = 0; ; attempt++) {
    const endpoint = tried === undefined ? x.pick({ hashKey: x.hashKey }) : (x.pick({ hashKey: x.hashKey, exclude: tried }) ?? x.pick({ hashKey: x.hashKey }));
    if (!endpoint) return { kind: 'no-endpoint', tries: attempt };
    if (clientGone(x)) return { kind: 'aborted', tries: attempt };

    const remaining = deadlineAt - clock();
    const tryTimeoutMs = Math.max(0, Math.min(config.perTryTimeoutMs, remaining));
    const byDeadline = tryTimeoutMs < config.perTryTimeoutMs;
    const trial = new Try(x.abortSource?.tryAbortHandle() ?? new TryAbortHandle());
    trial.timer = scheduler.setTimeout(trial.onTimeout, tryTimeoutMs);
    // The legacy EventTarget signal (callers without an abort source) is linked per try.
    const onClientAbort = x.signal === undefined ? undefined : (): void => trial.handle.fire(x.signal!.reason);
    if (onClientAbort !== undefined) x.signal!.addEventListener('abort', onClientAbort, { once: true });

    let response: R | undefined;
    let failure: (UpstreamOutcome & { kind: 'error' }) | undefined;
    let cause: unknown;
    try {
      response = await x.send(endpoint, x.body.next(), trial.handle as unknown as AbortSignal);
    } catch (err) {
      cause = err;
      failure = trial.timedOut ? TIMEOUT : classifyUpstreamError(err);
    } finally {
      scheduler.clearTimeout(trial.timer);
      if (onClientAbort !== undefined) x.signal!.removeEventListener('abort', onClientAbort);
    }
    if (clientGone(x)) {
      void response?.body.dump().catch(() => {});
      return { kind: 'aborted', tries: attempt + 1 };
    }

    const outcome: UpstreamOutcome = response ? { kind: 'response', status: response.statusCode } : failure!;
    x.report?.(endpoint, outcome);

    const reason = retryReason(outcome, config.retryOn);
    if (reason === undefined || attempt >= config.maxRetries) return final(response, endpoint, attempt, failure, trial.timedOut && byDeadline, cause);
    const safe = neverReachedUpstream(outcome) ? x.body.canReplay() : isReplaySafe(x.method, x.headers) && x.body.canReplay();
    if (!safe) return final(response, endpoint, attempt, failure, trial.timedOut && byDeadline, cause);

    let delayMs = fullJitterBackoffMs(attempt, config.backoffBaseMs, config.backoffMaxMs, x.random ?? Math.random);
    const retryAfterMs = response ? parseRetryAfterMs(response.headers['retry-after'], clock()) : undefined;
    if (retryAfterMs !== undefined) {
      // An upstream asking for more patience than we may give gets its answer passed on instead.
      if (retryAfterMs > config.maxRetryAfterMs) return final(response, endpoint, attempt, failure, trial.timedOut && byDeadline, cause);
      delayMs = Math.max(delayMs, retryAfterMs);
    }
    if (clock() + delayMs >= deadlineAt) return final(response, endpoint, attempt, failure, trial.timedOut && byDeadline, cause);
    if (x.budget && !x.budget.tryAcquireRetry()) {
      x.metrics?.retryBudgetExhausted.inc({ service: x.service });
      return final(response, endpoint, attempt, failure, trial.timedOut && byDeadline, cause);
    }
    x.metrics?.retries.inc({ service: x.service, reason });
    (tried ??= new Set()).add(endpoint.id);
    if (response) await response.body.dump().catch(() => {});
    if (delayMs > 0 && !(await sleep(scheduler, delayMs, x))) return { kind: 'aborted', tries: attempt + 1 };
  }
}

const TIMEOUT: UpstreamOutcome & { kind: 'error' } = { kind: 'error', error: 'timeout' };

/** One try's abort handle and timer; `onTimeout` is bound once instead of a closure per timer. */
class Try {
  timedOut = false;
  timer: unknown = undefined;
  readonly onTimeout: () => void;
  constructor(readonly handle: TryAbortHandle) {
    this.onTimeout = () => {
      this.timedOut = true;
      handle.fire(new DOMException('This operation was aborted', 'AbortError'));
    };
  }
}

function clientGone(x: RetryExecution<TryResponse>): boolean {
  return x.abortSource?.aborted === true || x.signal?.aborted === true;
}

function final<R extends TryResponse>(
  response: R | undefined,
  endpoint: Endpoint,
  attempt: number,
  failure: (UpstreamOutcome & { kind: 'error' }) | undefined,
  deadlineExceeded: boolean,
  cause: unknown,
): RetryResult<R> {
  return response
    ? { kind: 'response', response, endpoint, tries: attempt + 1 }
    : { kind: 'error', error: failure!.error, deadlineExceeded, cause, tries: attempt + 1 };
}

/** Resolves true after `ms`, or false as soon as the client goes away. */
function sleep(scheduler: Scheduler, ms: number, x: RetryExecution<TryResponse>): Promise<boolean> {
  return new Promise((resolve) => {
    if (clientGone(x)) return resolve(false);
    const signal = x.signal;
    const handle = x.abortSource?.tryAbortHandle();
    const onAbort = (): void => {
      scheduler.clearTimeout(timer);
      resolve(false);
    };
    const timer = scheduler.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      handle?.removeListener();
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
    handle?.once('abort', onAbort);
  });
}
