import type { Readable } from 'node:stream';
import { systemClock, systemScheduler, type Clock, type Random, type Scheduler } from '../health/clock.js';
import type { UpstreamOutcome } from '../health/outcome.js';
import type { ResilienceMetrics } from '../health/resilience-metrics.js';
import type { Endpoint, PickContext } from '../service/types.js';
import { fullJitterBackoffMs, parseRetryAfterMs } from './backoff.js';
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
  /** Sends one try; resolves with the response head, rejects with undici's error. Must honour `signal`. */
  send(endpoint: Endpoint, body: Buffer | Readable | null, signal: AbortSignal): Promise<R>;
  /** Passive health and breaker accounting of each try. */
  report?(endpoint: Endpoint, outcome: UpstreamOutcome): void;
  readonly budget?: RetryBudget | undefined;
  /** Aborted when the client goes away. */
  readonly signal?: AbortSignal | undefined;
  readonly clock?: Clock;
  readonly scheduler?: Scheduler;
  readonly random?: Random;
  readonly metrics?: ResilienceMetrics | undefined;
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
  const random = x.random ?? Math.random;
  const { config } = x;
  const deadlineAt = clock() + config.deadlineMs;
  const tried = new Set<string>();
  x.budget?.recordRequest();

  for (let attempt = 0; ; attempt++) {
    const endpoint = x.pick({ hashKey: x.hashKey, exclude: tried }) ?? (tried.size > 0 ? x.pick({ hashKey: x.hashKey }) : undefined);
    if (!endpoint) return { kind: 'no-endpoint', tries: attempt };
    if (x.signal?.aborted) return { kind: 'aborted', tries: attempt };

    const remaining = deadlineAt - clock();
    const tryTimeoutMs = Math.max(0, Math.min(config.perTryTimeoutMs, remaining));
    const byDeadline = tryTimeoutMs < config.perTryTimeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const timer = scheduler.setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, tryTimeoutMs);
    const onClientAbort = (): void => controller.abort();
    x.signal?.addEventListener('abort', onClientAbort, { once: true });

    let response: R | undefined;
    let failure: (UpstreamOutcome & { kind: 'error' }) | undefined;
    let cause: unknown;
    try {
      response = await x.send(endpoint, x.body.next(), controller.signal);
    } catch (err) {
      cause = err;
      failure = timedOut ? { kind: 'error', error: 'timeout' } : classifyUpstreamError(err);
    } finally {
      scheduler.clearTimeout(timer);
      x.signal?.removeEventListener('abort', onClientAbort);
    }
    if (x.signal?.aborted) {
      void response?.body.dump().catch(() => {});
      return { kind: 'aborted', tries: attempt + 1 };
    }

    const outcome: UpstreamOutcome = response ? { kind: 'response', status: response.statusCode } : failure!;
    x.report?.(endpoint, outcome);
    tried.add(endpoint.id);
    const final = (): RetryResult<R> =>
      response
        ? { kind: 'response', response, endpoint, tries: attempt + 1 }
        : { kind: 'error', error: failure!.error, deadlineExceeded: timedOut && byDeadline, cause, tries: attempt + 1 };

    const reason = retryReason(outcome, config.retryOn);
    if (reason === undefined || attempt >= config.maxRetries) return final();
    const safe = neverReachedUpstream(outcome) ? x.body.canReplay() : isReplaySafe(x.method, x.headers) && x.body.canReplay();
    if (!safe) return final();

    let delayMs = fullJitterBackoffMs(attempt, config.backoffBaseMs, config.backoffMaxMs, random);
    const retryAfterMs = response ? parseRetryAfterMs(response.headers['retry-after'], clock()) : undefined;
    if (retryAfterMs !== undefined) {
      // An upstream asking for more patience than we may give gets its answer passed on instead.
      if (retryAfterMs > config.maxRetryAfterMs) return final();
      delayMs = Math.max(delayMs, retryAfterMs);
    }
    if (clock() + delayMs >= deadlineAt) return final();
    if (x.budget && !x.budget.tryAcquireRetry()) {
      x.metrics?.retryBudgetExhausted.inc({ service: x.service });
      return final();
    }
    x.metrics?.retries.inc({ service: x.service, reason });
    if (response) await response.body.dump().catch(() => {});
    if (delayMs > 0 && !(await sleep(scheduler, delayMs, x.signal))) return { kind: 'aborted', tries: attempt + 1 };
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(scheduler: Scheduler, ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = (): void => {
      scheduler.clearTimeout(timer);
      resolve(false);
    };
    const timer = scheduler.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
