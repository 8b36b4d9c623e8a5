import { Type } from '@sinclair/typebox';

/** `services.<name>.circuitBreaker`. */
export const CircuitBreakerSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Limit concurrency and open on failures.' }),
    maxConcurrent: Type.Integer({ minimum: 1, default: 1024, description: 'Most requests in flight to the service from this gateway.' }),
    maxPending: Type.Integer({ minimum: 0, default: 256, description: 'Most requests waiting for a concurrency slot; beyond it 503 at once.' }),
    pendingTimeoutMs: Type.Integer({ minimum: 1, default: 1000, description: 'Longest a request waits for a slot before it is answered 503.' }),
    failureRatio: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.5, description: 'Share of failed requests (5xx or network error, after retries) over the window that opens the breaker.' }),
    minRequestVolume: Type.Integer({ minimum: 1, default: 20, description: 'Fewest requests in the window before the failure ratio is judged.' }),
    windowMs: Type.Integer({ minimum: 1000, default: 10000, description: 'Rolling window of results.' }),
    openDurationMs: Type.Integer({ minimum: 100, default: 5000, description: 'Time the breaker stays open (answering 503 with Retry-After at once) before trial requests go through.' }),
    halfOpenMaxRequests: Type.Integer({ minimum: 1, default: 3, description: 'Trial requests let through when half-open; all must succeed to close it, one failure opens it again.' }),
  },
  { additionalProperties: false, default: {}, description: 'Circuit breaker per service: concurrency limits, and fast 503s while the service fails.' },
);
