import type { Principal } from '../pipeline/types.js';
import type { VerifiedToken } from './token-cache.js';

/** Thrown when claims verify but cannot describe a caller (no `sub` and no `client_id`). */
export class UnidentifiedPrincipalError extends Error {
  override readonly name = 'UnidentifiedPrincipalError';
}

/** Scopes from `scope` (space-delimited string, RFC 8693/9068) or `scp` (array or string). */
export function parseScopes(claims: Readonly<Record<string, unknown>>): string[] {
  const raw = claims.scope ?? claims.scp;
  const list = typeof raw === 'string' ? raw.split(' ') : Array.isArray(raw) ? raw.filter((s): s is string => typeof s === 'string') : [];
  return [...new Set(list.filter((s) => s.length > 0))];
}

/**
 * Builds the cached result of a verification. Values that go into upstream headers are made
 * header-safe here, once, rather than on every request.
 */
export function buildVerifiedToken(claims: Readonly<Record<string, unknown>>, issuer: string, alg: string, expiresAt: number): VerifiedToken {
  const clientIdRaw = typeof claims.client_id === 'string' ? claims.client_id : typeof claims.azp === 'string' ? claims.azp : undefined;
  const subjectRaw = typeof claims.sub === 'string' && claims.sub.length > 0 ? claims.sub : clientIdRaw;
  if (subjectRaw === undefined) throw new UnidentifiedPrincipalError('token has neither sub nor client_id');
  const scopes = parseScopes(claims).filter(isHeaderSafe);
  const aud = claims.aud;
  const principal: Principal = {
    subject: headerSafe(subjectRaw),
    clientId: clientIdRaw === undefined ? undefined : headerSafe(clientIdRaw),
    scopes: new Set(scopes),
    issuer,
    claims: Object.freeze({ ...claims }),
    expiresAt,
  };
  return {
    principal,
    alg,
    audiences: typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [],
    scopeHeader: scopes.join(' '),
  };
}

const SAFE = /^[\x21-\x7e]*$/;

function isHeaderSafe(value: string): boolean {
  return SAFE.test(value);
}

/** Visible ASCII passes unchanged; anything else is percent-encoded so it cannot split a header. */
function headerSafe(value: string): string {
  return isHeaderSafe(value) ? value : encodeURIComponent(value);
}
