/**
 * Maps what undici throws for one try to the outcome health sees and the error the client gets:
 * connect timeouts and response-head timeouts are 504, every other network failure 502. Nothing
 * about the upstream (address, errno text) reaches the client.
 */
import { GatewayError } from '../errors.js';
import type { TryOutcome } from '../service/service-runtime.js';

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

function codeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  if (e === null || typeof e !== 'object') return undefined;
  if (typeof e.code === 'string' && e.code !== 'UND_ERR_SOCKET') return e.code;
  if (e.cause !== undefined && typeof e.cause.code === 'string') return e.cause.code;
  return typeof e.code === 'string' ? e.code : undefined;
}

export interface MappedFailure {
  outcome: TryOutcome;
  error: GatewayError;
}

export function mapUpstreamError(err: unknown): MappedFailure {
  const code = codeOf(err);
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return { outcome: { kind: 'error', error: 'connect' }, error: new GatewayError('GW_ERR_UPSTREAM_TIMEOUT', { cause: err }) };
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return { outcome: { kind: 'error', error: 'timeout' }, error: new GatewayError('GW_ERR_UPSTREAM_TIMEOUT', { cause: err }) };
  if (code !== undefined && CONNECT_CODES.has(code)) return { outcome: { kind: 'error', error: 'connect' }, error: new GatewayError('GW_ERR_UPSTREAM', { cause: err }) };
  return { outcome: { kind: 'error', error: 'reset' }, error: new GatewayError('GW_ERR_UPSTREAM', { cause: err }) };
}

/** Label for upstream metrics. */
export function outcomeLabel(outcome: TryOutcome): string {
  return outcome.kind === 'response' ? String(outcome.status) : outcome.error;
}
