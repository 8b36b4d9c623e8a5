import { systemClock, type Clock } from '../health/clock.js';

/** How many retries a service may send, relative to its traffic (Linkerd's retry budget). */
export interface RetryBudgetConfig {
  /** Retries allowed as a percentage of requests over the window. */
  readonly budgetPercent: number;
  /** Retries allowed per second regardless of traffic, so a quiet service can still retry. */
  readonly minRetriesPerSecond: number;
  /** Length of the window both counts are taken over. */
  readonly windowMs: number;
}

export const defaultRetryBudgetConfig: RetryBudgetConfig = { budgetPercent: 20, minRetriesPerSecond: 3, windowMs: 10_000 };

export interface RetryBudget {
  /** Counts one client request (its first try). */
  recordRequest(): void;
  /** Takes one retry from the budget; false when it is spent. */
  tryAcquireRetry(): boolean;
  /** Retries still allowed now, for /admin/services. */
  remaining(): number;
}

/**
 * Retries over the window may not exceed `minRetriesPerSecond × windowSeconds +
 * budgetPercent% × requests`. When an upstream fails every request, retries stop at that share
 * instead of multiplying the load by 1 + maxRetries. Counted in ten slices of the window.
 */
export function createRetryBudget(config: RetryBudgetConfig, clock: Clock = systemClock): RetryBudget {
  const slices = 10;
  const sliceMs = Math.max(1, Math.floor(config.windowMs / slices));
  const requests = new Array<number>(slices).fill(0);
  const retries = new Array<number>(slices).fill(0);
  const ids = new Array<number>(slices).fill(-1);

  const slot = (): number => {
    const id = Math.floor(clock() / sliceMs);
    const i = id % slices;
    if (ids[i] !== id) {
      ids[i] = id;
      requests[i] = 0;
      retries[i] = 0;
    }
    return i;
  };

  const sums = (): { req: number; ret: number } => {
    const current = Math.floor(clock() / sliceMs);
    let req = 0;
    let ret = 0;
    for (let i = 0; i < slices; i++) {
      if (ids[i]! > current - slices) {
        req += requests[i]!;
        ret += retries[i]!;
      }
    }
    return { req, ret };
  };

  const allowance = (req: number): number => (config.minRetriesPerSecond * config.windowMs) / 1000 + (config.budgetPercent / 100) * req;

  return {
    recordRequest() {
      requests[slot()]!++;
    },
    tryAcquireRetry() {
      const { req, ret } = sums();
      if (ret + 1 > allowance(req)) return false;
      retries[slot()]!++;
      return true;
    },
    remaining() {
      const { req, ret } = sums();
      return Math.max(0, Math.floor(allowance(req) - ret));
    },
  };
}
