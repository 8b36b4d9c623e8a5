/**
 * Verifies one bearer token for one route. Everything route-specific (issuer lookup by exact
 * `iss`, jose options, audience and algorithm sets) is built once at create time; the hot path is
 * one SHA-256 and one LRU lookup. A cache entry may have been verified for another route, so a
 * hit is re-checked against this route's issuers, audiences and algorithms (cheap set lookups).
 */
import { decodeJwt, jwtVerify, type JWTVerifyOptions } from 'jose';
import { IntrospectionUnavailableError } from './introspection-client.js';
import type { IssuerRuntime } from './issuer-registry.js';
import { KeysUnavailableError } from './jwks-cache.js';
import type { AuthMetrics } from './metrics.js';
import { buildVerifiedToken, UnidentifiedPrincipalError } from './principal.js';
import { hashToken, type TokenCache, type TokenCacheEntry, type VerifiedToken } from './token-cache.js';

/** Why a token was refused; `unavailable` means the gateway could not check it (503). */
export class AuthFailure extends Error {
  override readonly name = 'AuthFailure';
  constructor(
    readonly reason: string,
    readonly kind: 'invalid' | 'unavailable' = 'invalid',
  ) {
    super(reason);
  }
}

export interface VerifierProfile {
  readonly issuers: readonly IssuerRuntime[];
  readonly audiences: readonly string[];
  /** Route-level restriction; intersected with each issuer's own list. */
  readonly algorithms?: readonly string[] | undefined;
  /** Route-level override of the issuer's clock tolerance. */
  readonly clockToleranceSeconds?: number | undefined;
}

/**
 * The token a client connection sent last and its cache entry, kept on the connection: a
 * keep-alive client sends the same token on every request, and comparing it with the last one is
 * cheaper than hashing it for the cache key. It holds nothing the cache does not (the same entry,
 * the same expiry) and lives only as long as the connection that sent the token.
 */
export interface TokenMemo {
  token: string | undefined;
  entry: TokenCacheEntry | undefined;
}

export interface TokenVerifier {
  /**
   * A cache hit answers synchronously (no promise, no microtask on the hot path); a miss returns
   * a promise. Refusals throw (synchronously) or reject with an AuthFailure. With `memo` (the
   * connection's), a token equal to the connection's last one skips the hash and the cache look-up.
   */
  verify(token: string, memo?: TokenMemo): VerifiedToken | Promise<VerifiedToken>;
}

interface IssuerEntry {
  readonly runtime: IssuerRuntime;
  readonly algorithms: ReadonlySet<string>;
  readonly options: JWTVerifyOptions;
}

export function createTokenVerifier(profile: VerifierProfile, cache: TokenCache, metrics: AuthMetrics, now: () => number = Date.now): TokenVerifier {
  const audienceSet = new Set(profile.audiences);
  const byIss = new Map<string, IssuerEntry>();
  for (const runtime of profile.issuers) {
    const algorithms = runtime.config.algorithms.filter((a) => profile.algorithms === undefined || profile.algorithms.includes(a));
    if (algorithms.length === 0) throw new Error(`no algorithm allowed for issuer "${runtime.name}" on this route`);
    byIss.set(runtime.config.issuer, {
      runtime,
      algorithms: new Set(algorithms),
      options: {
        issuer: runtime.config.issuer,
        audience: [...profile.audiences],
        algorithms,
        clockTolerance: profile.clockToleranceSeconds ?? runtime.config.clockToleranceSeconds,
        requiredClaims: ['exp', 'iss', 'aud'],
        ...(runtime.config.tokenType === undefined ? {} : { typ: runtime.config.tokenType }),
      },
    });
  }
  const introspector = profile.issuers.find((r) => r.introspection !== undefined);
  const inflight = new Map<string, Promise<VerifiedToken>>();
  const hit = metrics.tokenCache('hit');
  const miss = metrics.tokenCache('miss');

  function checkCached(vt: VerifiedToken): void {
    const entry = byIss.get(vt.principal.issuer);
    if (entry === undefined) throw new AuthFailure('issuer');
    if (vt.alg === 'introspection' ? entry.runtime !== introspector : !entry.algorithms.has(vt.alg)) throw new AuthFailure('algorithm');
    if (!vt.audiences.some((a) => audienceSet.has(a))) throw new AuthFailure('audience');
  }

  async function verifyJwt(token: string, key: string): Promise<VerifiedToken> {
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw new AuthFailure('malformed');
    }
    const entry = typeof iss === 'string' ? byIss.get(iss) : undefined;
    if (entry === undefined) throw new AuthFailure('issuer');
    try {
      const { payload, protectedHeader } = await jwtVerify(token, entry.runtime.getKey, { ...entry.options, currentDate: new Date(now()) });
      const vt = buildVerifiedToken(payload as Record<string, unknown>, entry.runtime.config.issuer, protectedHeader.alg, payload.exp as number);
      cache.set(key, vt, (payload.exp as number) * 1000);
      return vt;
    } catch (err) {
      throw toFailure(err);
    }
  }

  async function verifyOpaque(token: string, key: string, runtime: IssuerRuntime): Promise<VerifiedToken> {
    const client = runtime.introspection;
    if (client === undefined) throw new AuthFailure('malformed');
    let result;
    try {
      result = await client.introspect(token, key);
    } catch (err) {
      if (err instanceof IntrospectionUnavailableError) throw new AuthFailure('introspection_unavailable', 'unavailable');
      throw err;
    }
    if (!result.active) throw new AuthFailure('inactive');
    const claims = result.claims;
    const maxTtlMs = (runtime.config.introspection?.maxTtlSeconds ?? 0) * 1000;
    const expMs = typeof claims.exp === 'number' ? claims.exp * 1000 : now() + maxTtlMs;
    let vt: VerifiedToken;
    try {
      vt = buildVerifiedToken(claims, runtime.config.issuer, 'introspection', Math.floor(expMs / 1000));
    } catch (err) {
      throw toFailure(err);
    }
    if (!vt.audiences.some((a) => audienceSet.has(a))) throw new AuthFailure('audience');
    cache.set(key, vt, Math.min(expMs, now() + maxTtlMs));
    return vt;
  }

  return {
    verify(token, memo) {
      if (memo !== undefined && memo.token === token && memo.entry !== undefined && memo.entry.expiresAtMs > now()) {
        hit.value++;
        checkCached(memo.entry.value);
        return memo.entry.value;
      }
      const jwtShaped = isJwtShaped(token);
      if (!jwtShaped && introspector === undefined) throw new AuthFailure('malformed');
      const key = hashToken(token);
      const cached = cache.lookup(key);
      if (cached !== undefined) {
        hit.value++;
        // Remembered before the route's checks: the entry is valid for the token, whichever route asks.
        if (memo !== undefined) {
          memo.token = token;
          memo.entry = cached;
        }
        checkCached(cached.value);
        return cached.value;
      }
      miss.value++;
      // Concurrent requests with the same new token share one verification.
      let running = inflight.get(key);
      if (running === undefined) {
        running = (jwtShaped ? verifyJwt(token, key) : verifyOpaque(token, key, introspector as IssuerRuntime)).finally(() => inflight.delete(key));
        inflight.set(key, running);
      }
      return running;
    },
  };
}

function isJwtShaped(token: string): boolean {
  const first = token.indexOf('.');
  if (first < 0) return false;
  const second = token.indexOf('.', first + 1);
  return second > 0 && token.indexOf('.', second + 1) < 0;
}

/** Maps jose's error codes (and ours) to the `reason` reported in metrics and error details. */
export function toFailure(err: unknown): AuthFailure {
  if (err instanceof AuthFailure) return err;
  if (err instanceof KeysUnavailableError) return new AuthFailure('keys_unavailable', 'unavailable');
  if (err instanceof UnidentifiedPrincipalError) return new AuthFailure('subject');
  const e = err as { code?: string; claim?: string; reason?: string };
  switch (e.code) {
    case 'ERR_JWT_EXPIRED':
      return new AuthFailure('expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (e.reason === 'missing') return new AuthFailure('missing_claim');
      if (e.claim === 'nbf') return new AuthFailure('not_yet_valid');
      if (e.claim === 'iss') return new AuthFailure('issuer');
      if (e.claim === 'aud') return new AuthFailure('audience');
      if (e.claim === 'typ') return new AuthFailure('token_type');
      return new AuthFailure('claims');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return new AuthFailure('algorithm');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return new AuthFailure('signature');
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return new AuthFailure('unknown_key');
    case 'ERR_JOSE_NOT_SUPPORTED':
      return new AuthFailure('unsupported');
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return new AuthFailure('malformed');
    default:
      return new AuthFailure('invalid');
  }
}
