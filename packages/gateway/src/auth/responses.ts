/**
 * RFC 6750 answers of the auth filters: status, `WWW-Authenticate: Bearer ...` challenge and the
 * package's JSON error body. Every answer is fixed per (code, reason), so it is rendered once and
 * reused; each response gets its own headers object because later filters may add to it.
 */
import type { GatewayResponse } from '../pipeline/types.js';
import { authErrors, type AuthErrorCode } from './errors-auth.js';
import { copyHeaders } from '../http/copy-headers.js';

/** Human text for `error_description`, per failure reason. Fixed strings, never token content. */
const DESCRIPTIONS: Record<string, string> = {
  malformed: 'The access token is malformed',
  too_large: 'The access token is too large',
  expired: 'The access token expired',
  not_yet_valid: 'The access token is not valid yet',
  issuer: 'The access token issuer is not accepted',
  audience: 'The access token audience is not accepted',
  algorithm: 'The access token algorithm is not accepted',
  signature: 'The access token signature is invalid',
  unknown_key: 'The access token signing key is unknown',
  missing_claim: 'The access token lacks a required claim',
  unsupported: 'The access token uses an unsupported feature',
  subject: 'The access token identifies no subject or client',
  inactive: 'The access token is not active',
  claims: 'The access token claims are invalid',
  token_type: 'The token is not an access token of the accepted type',
  invalid: 'The access token is invalid',
};

export interface ChallengeOptions {
  readonly error?: 'invalid_token' | 'invalid_request' | 'insufficient_scope';
  readonly reason?: string;
  readonly scope?: string;
}

interface Rendered {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export interface AuthResponder {
  respond(code: AuthErrorCode, options?: ChallengeOptions): GatewayResponse;
}

export function createAuthResponder(realm: string): AuthResponder {
  const rendered = new Map<string, Rendered>();
  function render(code: AuthErrorCode, o: ChallengeOptions): Rendered {
    const def = authErrors[code];
    const params = [`realm="${realm}"`];
    if (o.error !== undefined) params.push(`error="${o.error}"`);
    const description = o.reason === undefined ? undefined : (DESCRIPTIONS[o.reason] ?? DESCRIPTIONS.invalid);
    if (description !== undefined && o.error !== undefined) params.push(`error_description="${description}"`);
    if (o.scope !== undefined) params.push(`scope="${o.scope.replace(/["\\]/g, '')}"`);
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
    // 503 is not a challenge: the client did nothing wrong and cannot fix it with another token.
    if (def.status === 401 || def.status === 403 || def.status === 400) headers['www-authenticate'] = `Bearer ${params.join(', ')}`;
    const error: Record<string, unknown> = { code, message: def.message };
    if (o.reason !== undefined) error.details = { reason: o.reason };
    return { status: def.status, headers, body: Buffer.from(JSON.stringify({ error })) };
  }
  return {
    respond(code, options = {}) {
      const key = `${code}|${options.error ?? ''}|${options.reason ?? ''}|${options.scope ?? ''}`;
      let r = rendered.get(key);
      if (r === undefined) {
        r = render(code, options);
        rendered.set(key, r);
      }
      const headers = copyHeaders(r.headers);
      headers['content-length'] = String(r.body.length);
      return { status: r.status, headers, body: r.body };
    },
  };
}
