import { Type } from '@sinclair/typebox';

const RetryOnSchema = Type.Union(
  [Type.Literal('connect-failure'), Type.Literal('reset'), Type.Literal('timeout'), Type.Literal('502'), Type.Literal('503'), Type.Literal('504'), Type.Literal('5xx')],
  { description: 'connect-failure: no connection could be made (the request never left, so any method is retried); reset: the connection broke after it was made; timeout: no response head within perTryTimeoutMs; 502/503/504/5xx: such an answer.' },
);

/** `services.<name>.retry` (and a route's `retry`, which replaces it for that route). */
export const RetrySchema = Type.Object(
  {
    maxRetries: Type.Integer({ minimum: 0, maximum: 10, default: 2, description: 'Retries after the first try; 0 disables retries. Each retry goes to an endpoint not tried yet while there is one.' }),
    retryOn: Type.Array(RetryOnSchema, {
      uniqueItems: true,
      default: ['connect-failure', 'reset', 'timeout', '502', '503', '504'],
      description: 'Failures that are retried. Except for connect-failure, only requests safe to repeat are retried: GET, HEAD, OPTIONS, PUT, DELETE, and POST/PATCH that carry an Idempotency-Key.',
    }),
    perTryTimeoutMs: Type.Integer({ minimum: 10, default: 5000, description: 'Time each try has to produce a response head.' }),
    deadlineMs: Type.Integer({ minimum: 10, default: 15000, description: 'Time the whole request (every try and the waits between them) has to produce a response head; past it 504.' }),
    backoffBaseMs: Type.Integer({ minimum: 0, default: 25, description: 'Backoff before retry n is drawn uniformly in [0, min(backoffMaxMs, backoffBaseMs × 2^n)) (full jitter).' }),
    backoffMaxMs: Type.Integer({ minimum: 0, default: 250, description: 'Largest backoff ceiling.' }),
    maxRetryAfterMs: Type.Integer({ minimum: 0, default: 1000, description: 'An upstream Retry-After up to this long is waited for before the retry (within the deadline); a longer one is passed to the client instead of retrying.' }),
    maxReplayBodyBytes: Type.Integer({ minimum: 0, default: 65536, description: 'Request bodies up to this size are buffered so a retry can send them again; larger bodies are streamed and their request is retried only if the body never started to leave.' }),
  },
  { additionalProperties: false, default: {}, description: 'Retries of failed tries, safe by HTTP semantics.' },
);

/** `services.<name>.retryBudget`: caps retries relative to traffic (Linkerd style). */
export const RetryBudgetSchema = Type.Object(
  {
    budgetPercent: Type.Number({ minimum: 0, maximum: 100, default: 20, description: 'Retries allowed, in percent of the requests over the window.' }),
    minRetriesPerSecond: Type.Number({ minimum: 0, default: 3, description: 'Retries allowed per second on top of budgetPercent, so a quiet service can still retry.' }),
    windowMs: Type.Integer({ minimum: 1000, default: 10000, description: 'Window both counts are taken over.' }),
  },
  { additionalProperties: false, default: {}, description: 'Retry budget: when the upstream fails every request, retries stop at this share instead of multiplying its load.' },
);
