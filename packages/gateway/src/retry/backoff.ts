import type { Random } from '../health/clock.js';

/**
 * Exponential backoff with full jitter (AWS architecture blog): the delay before retry n (from 0)
 * is uniform in [0, min(maxMs, baseMs × 2^n)). Spreading retries over the whole interval keeps
 * many gateways from retrying in lockstep.
 */
export function fullJitterBackoffMs(retry: number, baseMs: number, maxMs: number, random: Random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(retry, 30));
  return Math.floor(random() * ceiling);
}

/**
 * Retry-After as milliseconds from `now` (RFC 9110 §10.2.3: delay-seconds or an HTTP-date).
 * Undefined when absent or unparsable; never negative.
 */
export function parseRetryAfterMs(value: string | string[] | undefined, now: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const trimmed = v.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
