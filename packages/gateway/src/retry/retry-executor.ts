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
import { DeadlineTimers, type DeadlineEntry, type DeadlineList } from './deadline-list.js';

/** What a try returns once the upstream's response head arrived (undici's ResponseData fits). */
export interface TryResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Drained when the response is dropped for a retry, so the connection can be reused. */
  readonly body: { dump(): Promise<unknown> };
}

/** One request to run with retries, for `executeWithRetries` (tries sent with promises). */
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

const TIMEOUT: UpstreamOutcome & { kind: 'error' } = { kind: 'error', error: 'timeout' };
const NO_HASH: PickContext = {};
const EMPTY_HEADERS: Readonly<Record<string, string | string[] | undefined>> = {};
/** A request without a body: replayable any number of times. */
export const NO_BODY: ReplayableBody = { next: () => null, canReplay: () => true, buffered: true };

/**
 * Per-try timeouts of runs on the system clock share these lists (one timer per timeout value).
 * Monotonic, like the timer per try it replaces: a step of the wall clock neither fires every
 * try at once nor holds them back.
 */
const systemDeadlines = new DeadlineTimers(() => performance.now(), systemScheduler);

/**
 * Runs a request against a service: each try goes to an endpoint not tried before (falling back to
 * any endpoint when all were tried), under a per-try timeout and the route's overall deadline.
 * A failed try is retried only when its failure is in `retryOn`, the request is safe to send again
 * (never reached the upstream, or replay-safe method with a replayable body), the backoff (or the
 * upstream's Retry-After, up to a cap) fits before the deadline, and the retry budget allows it.
 *
 * A state machine rather than an async function, so that a request whose first try succeeds costs
 * one object (the subclass's, which is also the caller's per-request state): no promise per try,
 * no timer per try (per-try timeouts share a DeadlineList), no closures. The subclass sends each
 * try with `send` and reports how it settled with `tryHead` or `tryFailed`, exactly once per try;
 * `finish` receives the result. Retries (the rare path) run asynchronously, never inside the
 * callback that reported the failed try.
 */
export abstract class RetryRun<R extends TryResponse> implements DeadlineEntry {
  // ---- the request; set by the subclass before run() ----
  protected service = '';
  protected method = 'GET';
  protected headers: Readonly<Record<string, string | string[] | undefined>> = EMPTY_HEADERS;
  protected body: ReplayableBody = NO_BODY;
  protected config!: RetryConfig;
  protected hashKey: string | undefined = undefined;
  protected budget: RetryBudget | undefined = undefined;
  protected signal: AbortSignal | undefined = undefined;
  protected abortSource: TryAbortSource | undefined = undefined;
  protected metrics: ResilienceMetrics | undefined = undefined;
  protected clock: Clock = systemClock;
  protected random: Random = Math.random;
  protected scheduler: Scheduler = systemScheduler;
  protected deadlines: DeadlineTimers = systemDeadlines;

  // ---- progress ----
  private deadlineAtMs = 0;
  private attempt = 0;
  /** Endpoints tried; allocated only when a first try failed. */
  private tried: Set<string> | undefined = undefined;
  private endpoint: Endpoint | undefined = undefined;
  private handle: TryAbortHandle | undefined = undefined;
  private byDeadline = false;
  private timedOut = false;
  /** The current try has reported (tryHead/tryFailed); later reports are ignored. */
  private settled = true;
  private onSignalAbort: (() => void) | undefined = undefined;

  // DeadlineEntry
  deadlineAt = 0;
  deadlinePrev: DeadlineEntry | undefined = undefined;
  deadlineNext: DeadlineEntry | undefined = undefined;
  deadlineLinked = false;
  deadlineList: DeadlineList | undefined = undefined;

  /** The service's balancer pick. */
  protected abstract pick(ctx: PickContext): Endpoint | undefined;
  /** Sends one try; must end in exactly one `tryHead` or `tryFailed` (it may be synchronous). */
  protected abstract send(endpoint: Endpoint, body: Buffer | Readable | null, handle: TryAbortHandle): void;
  /** Passive health and breaker accounting of each try. */
  protected abstract report(endpoint: Endpoint, outcome: UpstreamOutcome): void;
  protected abstract finish(result: RetryResult<R>): void;
  /**
   * Something threw inside the run (a bug, or a throwing listener). The async function this
   * replaced turned such a throw into a rejection; here it must be handed over explicitly, since
   * most of the run happens inside undici's callbacks, which would swallow it.
   */
  protected abstract crash(err: unknown): void;

  /** Starts the first try. */
  protected run(): void {
    try {
      this.deadlineAtMs = this.clock() + this.config.deadlineMs;
      this.budget?.recordRequest();
      this.startTry();
    } catch (err) {
      this.crash(err);
    }
  }

  /** The current try got its response head. */
  protected tryHead(response: R): void {
    try {
      this.onTryHead(response);
    } catch (err) {
      this.crash(err);
    }
  }

  /** The current try failed without a response head. */
  protected tryFailed(err: unknown): void {
    try {
      this.onTryFailed(err);
    } catch (thrown) {
      this.crash(thrown);
    }
  }

  /** The per-try timeout. */
  onDeadline(): void {
    this.timedOut = true;
    try {
      this.handle?.fire(new DOMException('This operation was aborted', 'AbortError'));
    } catch (err) {
      this.crash(err);
    }
  }

  private onTryHead(response: R): void {
    if (!this.endTry()) {
      void response.body.dump().catch(() => {});
      return;
    }
    const endpoint = this.endpoint!;
    if (this.clientGone()) {
      void response.body.dump().catch(() => {});
      return this.finish({ kind: 'aborted', tries: this.attempt + 1 });
    }
    const outcome: UpstreamOutcome = { kind: 'response', status: response.statusCode };
    this.report(endpoint, outcome);
    this.afterTry(outcome, response, undefined, undefined);
  }

  private onTryFailed(err: unknown): void {
    if (!this.endTry()) return;
    if (this.clientGone()) return this.finish({ kind: 'aborted', tries: this.attempt + 1 });
    const failure = this.timedOut ? TIMEOUT : classifyUpstreamError(err);
    this.report(this.endpoint!, failure);
    this.afterTry(failure, undefined, failure, err);
  }

  private startTry(): void {
    const hashKey = this.hashKey;
    const tried = this.tried;
    const pickCtx = hashKey === undefined ? NO_HASH : { hashKey };
    const endpoint = tried === undefined ? this.pick(pickCtx) : (this.pick({ hashKey, exclude: tried }) ?? this.pick(pickCtx));
    if (!endpoint) return this.finish({ kind: 'no-endpoint', tries: this.attempt });
    if (this.clientGone()) return this.finish({ kind: 'aborted', tries: this.attempt });

    const config = this.config;
    const remaining = this.deadlineAtMs - this.clock();
    const tryTimeoutMs = Math.max(0, Math.min(config.perTryTimeoutMs, remaining));
    this.byDeadline = tryTimeoutMs < config.perTryTimeoutMs;
    this.timedOut = false;
    this.settled = false;
    this.endpoint = endpoint;
    const handle = this.abortSource?.tryAbortHandle() ?? new TryAbortHandle();
    this.handle = handle;
    this.deadlines.add(this, tryTimeoutMs);
    // The legacy EventTarget signal (callers without an abort source) is linked per try.
    if (this.signal !== undefined) {
      const signal = this.signal;
      this.onSignalAbort ??= () => this.handle?.fire(signal.reason);
      signal.addEventListener('abort', this.onSignalAbort, { once: true });
    }
    try {
      this.send(endpoint, this.body.next(), handle);
    } catch (err) {
      this.tryFailed(err);
    }
  }

  /** Stops the current try's timer and listener; false when it had already reported. */
  private endTry(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.deadlines.remove(this);
    if (this.onSignalAbort !== undefined) this.signal?.removeEventListener('abort', this.onSignalAbort);
    return true;
  }

  private afterTry(outcome: UpstreamOutcome, response: R | undefined, failure: (UpstreamOutcome & { kind: 'error' }) | undefined, cause: unknown): void {
    const { config } = this;
    const attempt = this.attempt;
    const reason = retryReason(outcome, config.retryOn);
    if (reason === undefined || attempt >= config.maxRetries) return this.final(response, failure, cause);
    const safe = neverReachedUpstream(outcome) ? this.body.canReplay() : isReplaySafe(this.method, this.headers) && this.body.canReplay();
    if (!safe) return this.final(response, failure, cause);

    let delayMs = fullJitterBackoffMs(attempt, config.backoffBaseMs, config.backoffMaxMs, this.random);
    const retryAfterMs = response ? parseRetryAfterMs(response.headers['retry-after'], this.clock()) : undefined;
    if (retryAfterMs !== undefined) {
      // An upstream asking for more patience than we may give gets its answer passed on instead.
      if (retryAfterMs > config.maxRetryAfterMs) return this.final(response, failure, cause);
      delayMs = Math.max(delayMs, retryAfterMs);
    }
    if (this.clock() + delayMs >= this.deadlineAtMs) return this.final(response, failure, cause);
    if (this.budget && !this.budget.tryAcquireRetry()) {
      this.metrics?.retryBudgetExhausted.inc({ service: this.service });
      return this.final(response, failure, cause);
    }
    this.metrics?.retries.inc({ service: this.service, reason });
    (this.tried ??= new Set()).add(this.endpoint!.id);
    this.retryAfter(response, delayMs).catch((err: unknown) => this.crash(err));
  }

  /** Drops the refused response, waits out the backoff, then sends the next try. */
  private async retryAfter(response: R | undefined, delayMs: number): Promise<void> {
    if (response) await response.body.dump().catch(() => {});
    // Never start the next try inside the callback that reported this one (undici's parser).
    else await Promise.resolve();
    if (delayMs > 0 && !(await this.sleep(delayMs))) return this.finish({ kind: 'aborted', tries: this.attempt + 1 });
    this.attempt++;
    this.startTry();
  }

  private final(response: R | undefined, failure: (UpstreamOutcome & { kind: 'error' }) | undefined, cause: unknown): void {
    const tries = this.attempt + 1;
    if (response) return this.finish({ kind: 'response', response, endpoint: this.endpoint!, tries });
    this.finish({ kind: 'error', error: failure!.error, deadlineExceeded: this.timedOut && this.byDeadline, cause, tries });
  }

  private clientGone(): boolean {
    return this.abortSource?.aborted === true || this.signal?.aborted === true;
  }

  /** Resolves true after `ms`, or false as soon as the client goes away. */
  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.clientGone()) return resolve(false);
      const { signal, scheduler } = this;
      const handle = this.abortSource?.tryAbortHandle();
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
}

/** RetryRun over a `RetryExecution` whose tries are promises. */
class PromiseRetryRun<R extends TryResponse> extends RetryRun<R> {
  constructor(
    private readonly x: RetryExecution<R>,
    private readonly resolve: (result: RetryResult<R>) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    super();
    this.service = x.service;
    this.method = x.method;
    this.headers = x.headers;
    this.body = x.body;
    this.config = x.config;
    this.hashKey = x.hashKey;
    this.budget = x.budget;
    this.signal = x.signal;
    this.abortSource = x.abortSource;
    this.metrics = x.metrics;
    if (x.clock !== undefined) this.clock = x.clock;
    if (x.random !== undefined) this.random = x.random;
    if (x.clock !== undefined || x.scheduler !== undefined) {
      this.scheduler = x.scheduler ?? systemScheduler;
      this.deadlines = new DeadlineTimers(this.clock, this.scheduler);
    }
    this.run();
  }

  protected pick(ctx: PickContext): Endpoint | undefined {
    return this.x.pick(ctx);
  }

  protected send(endpoint: Endpoint, body: Buffer | Readable | null, handle: TryAbortHandle): void {
    this.x.send(endpoint, body, handle as unknown as AbortSignal).then(
      (response) => this.tryHead(response),
      (err: unknown) => this.tryFailed(err),
    );
  }

  protected report(endpoint: Endpoint, outcome: UpstreamOutcome): void {
    this.x.report?.(endpoint, outcome);
  }

  protected finish(result: RetryResult<R>): void {
    this.resolve(result);
  }

  protected crash(err: unknown): void {
    this.reject(err);
  }
}

/** Runs `x` with retries (see RetryRun); resolves with how it ended. */
export function executeWithRetries<R extends TryResponse>(x: RetryExecution<R>): Promise<RetryResult<R>> {
  return new Promise((resolve, reject) => new PromiseRetryRun(x, resolve, reject));
}
