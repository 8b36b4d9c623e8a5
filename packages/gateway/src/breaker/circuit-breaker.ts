import { systemClock, systemScheduler, type Clock, type Scheduler } from '../health/clock.js';
import { isServerFailure, type UpstreamOutcome } from '../health/outcome.js';
import type { ResilienceMetrics } from '../health/resilience-metrics.js';
import { createRollingWindow } from './rolling-window.js';

/** A service's circuit breaker: concurrency limits and opening on a failure ratio. */
export interface CircuitBreakerConfig {
  /** Most requests in flight to the service at once. */
  readonly maxConcurrent: number;
  /** Most requests waiting for a concurrency slot; beyond it the gateway answers 503 at once. */
  readonly maxPending: number;
  /** Longest a request waits for a slot before it is answered 503. */
  readonly pendingTimeoutMs: number;
  /** Failure ratio (0..1) over the window that opens the breaker. */
  readonly failureRatio: number;
  /** Fewest results in the window before the ratio is judged, so two failures of two do not open it. */
  readonly minRequestVolume: number;
  /** Length of the rolling window of results. */
  readonly windowMs: number;
  /** How long the breaker stays open before it lets trial requests through. */
  readonly openDurationMs: number;
  /** Trial requests let through while half-open; all must succeed to close again. */
  readonly halfOpenMaxRequests: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';
export type BreakerRejection = 'open' | 'overflow' | 'pending-timeout';

/** Held for the life of one request; `release` reports how it went and frees the slot. */
export interface BreakerPermit {
  /** 'cancelled' (client went away) frees the slot without counting as success or failure. */
  release(outcome: UpstreamOutcome | 'cancelled'): void;
}

export type AcquireResult =
  | { readonly ok: true; readonly permit: BreakerPermit }
  | { readonly ok: false; readonly reason: BreakerRejection; readonly retryAfterSeconds: number };

export interface CircuitBreaker {
  /** Resolves at once when admitted or rejected, or after waiting in the pending queue. */
  acquire(signal?: AbortSignal): Promise<AcquireResult>;
  /**
   * The same admission without waiting: the result when it is known at once, undefined when the
   * request would have to queue (then call `acquire`). Spares the hot path a promise and a signal.
   */
  tryAcquire(): AcquireResult | undefined;
  state(): BreakerState;
  /** Requests in flight and waiting, for /admin/services. */
  stats(): { active: number; pending: number };
  close(): void;
}

export interface CircuitBreakerOptions {
  readonly service: string;
  readonly config: CircuitBreakerConfig;
  readonly clock?: Clock;
  readonly scheduler?: Scheduler;
  readonly metrics?: ResilienceMetrics | undefined;
}

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, open: 1, 'half-open': 2 };

interface Waiter {
  resolve(result: AcquireResult): void;
  timer: unknown;
  cleanup(): void;
}

export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const { config, service, metrics } = options;
  const clock = options.clock ?? systemClock;
  const scheduler = options.scheduler ?? systemScheduler;
  const window = createRollingWindow(config.windowMs, 10, clock);
  let state: BreakerState = 'closed';
  let openedAt = 0;
  let active = 0;
  let trialsStarted = 0;
  let trialsSucceeded = 0;
  const queue: Waiter[] = [];

  const setState = (next: BreakerState): void => {
    state = next;
    metrics?.circuitBreakerState.set({ service }, STATE_VALUE[next]);
  };
  setState('closed');

  const currentState = (): BreakerState => {
    if (state === 'open' && clock() - openedAt >= config.openDurationMs) {
      trialsStarted = 0;
      trialsSucceeded = 0;
      setState('half-open');
    }
    return state;
  };

  const open = (): void => {
    openedAt = clock();
    setState('open');
    // Waiters would only time out later; answer them now.
    for (const w of queue.splice(0)) {
      w.cleanup();
      w.resolve({ ok: false, reason: 'open', retryAfterSeconds: retryAfter() });
    }
  };

  const retryAfter = (): number => Math.max(1, Math.ceil((openedAt + config.openDurationMs - clock()) / 1000));

  const makePermit = (trial: boolean): BreakerPermit => {
    active++;
    let released = false;
    return {
      release(outcome) {
        if (released) return;
        released = true;
        active--;
        if (outcome !== 'cancelled') {
          const failed = isServerFailure(outcome);
          if (trial) {
            if (state === 'half-open') {
              if (failed) open();
              else if (++trialsSucceeded >= config.halfOpenMaxRequests) {
                window.reset();
                setState('closed');
              }
            }
          } else if (state === 'closed') {
            window.record(failed);
            const { total, failures } = window.totals();
            if (total >= config.minRequestVolume && failures / total >= config.failureRatio) open();
          }
        }
        drain();
      },
    };
  };

  const drain = (): void => {
    while (queue.length > 0 && active < config.maxConcurrent && currentState() === 'closed') {
      const w = queue.shift()!;
      w.cleanup();
      w.resolve({ ok: true, permit: makePermit(false) });
    }
  };

  /** Admission decided without waiting; undefined when the request has to queue. */
  function admitNow(): AcquireResult | undefined {
    const s = currentState();
    if (s === 'open') return { ok: false, reason: 'open', retryAfterSeconds: retryAfter() };
    if (s === 'half-open') {
      if (trialsStarted >= config.halfOpenMaxRequests || active >= config.maxConcurrent) return { ok: false, reason: 'open', retryAfterSeconds: 1 };
      trialsStarted++;
      return { ok: true, permit: makePermit(true) };
    }
    if (active < config.maxConcurrent && queue.length === 0) return { ok: true, permit: makePermit(false) };
    if (queue.length >= config.maxPending) return { ok: false, reason: 'overflow', retryAfterSeconds: 1 };
    return undefined;
  }

  return {
    tryAcquire: admitNow,
    acquire(signal) {
      const now = admitNow();
      if (now !== undefined) return Promise.resolve(now);
      return new Promise<AcquireResult>((resolve) => {
        const onAbort = (): void => {
          const i = queue.indexOf(waiter);
          if (i >= 0) queue.splice(i, 1);
          waiter.cleanup();
          resolve({ ok: false, reason: 'pending-timeout', retryAfterSeconds: 1 });
        };
        const waiter: Waiter = {
          resolve,
          timer: scheduler.setTimeout(onAbort, config.pendingTimeoutMs),
          cleanup() {
            scheduler.clearTimeout(waiter.timer);
            signal?.removeEventListener('abort', onAbort);
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(waiter);
      });
    },
    state: currentState,
    stats: () => ({ active, pending: queue.length }),
    close() {
      for (const w of queue.splice(0)) {
        w.cleanup();
        w.resolve({ ok: false, reason: 'overflow', retryAfterSeconds: 1 });
      }
    },
  };
}
