import type { UpstreamOutcome } from '../health/outcome.js';

/** What a failed try may be retried on. */
export type RetryOn = 'connect-failure' | 'reset' | 'timeout' | '502' | '503' | '504' | '5xx';

/** A route's (or service's) retry policy. */
export interface RetryConfig {
  /** Retries after the first try; 0 disables retries. */
  readonly maxRetries: number;
  /** Failures that are retried. A connect failure is always safe; the others only for safe requests. */
  readonly retryOn: readonly RetryOn[];
  /** Time each try has to produce a response head. */
  readonly perTryTimeoutMs: number;
  /** Time the whole request (every try and backoff) has to produce a response head. */
  readonly deadlineMs: number;
  /** First backoff ceiling; the ceiling doubles per retry and the delay is drawn in [0, ceiling). */
  readonly backoffBaseMs: number;
  /** Largest backoff ceiling. */
  readonly backoffMaxMs: number;
  /** Longest Retry-After from an upstream 503/429 that is honoured; longer ones end the retries. */
  readonly maxRetryAfterMs: number;
  /** Request bodies up to this size are buffered so they can be sent again; larger ones are streamed once. */
  readonly maxReplayBodyBytes: number;
}

export const defaultRetryConfig: RetryConfig = {
  maxRetries: 2,
  retryOn: ['connect-failure', 'reset', 'timeout', '502', '503', '504'],
  perTryTimeoutMs: 5_000,
  deadlineMs: 15_000,
  backoffBaseMs: 25,
  backoffMaxMs: 250,
  maxRetryAfterMs: 1_000,
  maxReplayBodyBytes: 65_536,
};

/**
 * undici error codes raised before a connection exists, so the request cannot have reached the
 * upstream and any method may be retried. Everything after connect (UND_ERR_SOCKET "other side
 * closed", ECONNRESET, EPIPE) may strike after the request was written: undici reports the socket's
 * cumulative bytesWritten, which on a reused keep-alive connection says nothing about this request,
 * so those are treated as "may have been processed".
 */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** Classifies an error thrown by an undici request into an outcome. */
export function classifyUpstreamError(err: unknown): UpstreamOutcome & { kind: 'error' } {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  // undici sometimes carries the system error as `cause` of its own.
  for (const code of [e?.code, e?.cause?.code]) {
    if (typeof code !== 'string') continue;
    if (CONNECT_CODES.has(code)) return { kind: 'error', error: 'connect' };
    if (TIMEOUT_CODES.has(code)) return { kind: 'error', error: 'timeout' };
  }
  // undici wraps some connect errors (AggregateError of every address tried).
  const inner = (err as { errors?: unknown[] } | null)?.errors;
  if (Array.isArray(inner) && inner.length > 0 && inner.every((e) => classifyUpstreamError(e).error === 'connect')) {
    return { kind: 'error', error: 'connect' };
  }
  return { kind: 'error', error: 'reset' };
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/**
 * Whether a request may be sent twice (RFC 9110 §9.2.2): idempotent methods, and POST/PATCH that
 * carry an Idempotency-Key the upstream uses to deduplicate.
 */
export function isReplaySafe(method: string, headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  if (IDEMPOTENT.has(method)) return true;
  const key = headers['idempotency-key'];
  return typeof key === 'string' && key.length > 0;
}

/** The retry reason (metric label) when `outcome` is one `retryOn` lists, else undefined. */
export function retryReason(outcome: UpstreamOutcome, retryOn: readonly RetryOn[]): string | undefined {
  if (outcome.kind === 'error') {
    const wanted = outcome.error === 'connect' ? 'connect-failure' : outcome.error;
    return retryOn.includes(wanted) ? wanted : undefined;
  }
  const status = String(outcome.status);
  if (retryOn.includes(status as RetryOn)) return status;
  if (outcome.status >= 500 && outcome.status <= 599 && retryOn.includes('5xx')) return status;
  return undefined;
}

/** Only a connect failure proves the upstream never saw the request. */
export function neverReachedUpstream(outcome: UpstreamOutcome): boolean {
  return outcome.kind === 'error' && outcome.error === 'connect';
}
