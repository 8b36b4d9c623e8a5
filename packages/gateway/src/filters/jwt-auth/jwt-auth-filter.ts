/**
 * The `jwtAuth` filter: takes the bearer token from the Authorization header, verifies it
 * (verified-token cache first, then jose against the issuer's cached keys, or introspection for
 * opaque tokens), sets `ctx.principal` and the identity headers, and refuses with RFC 6750
 * answers. A refused request never reaches the upstream.
 */
import { getAuthMetrics } from '../../auth/metrics.js';
import { acquireIssuer, acquireTokenCache, resolveAuthConfig, type AuthHooks } from '../../auth/issuer-registry.js';
import { resolveIdentityHeaders } from '../../auth/identity-headers.js';
import { createAuthResponder } from '../../auth/responses.js';
import { AuthFailure, createTokenVerifier, type TokenMemo } from '../../auth/token-verifier.js';
import type { Filter, GatewayContext, Next } from '../../pipeline/types.js';
import type { VerifiedToken } from '../../auth/token-cache.js';
import type { FilterDeps } from '../registry.js';
import { extractBearerToken, type BearerMemo } from './extract-token.js';
import type { JwtAuthConfig } from './schema.js';

const DONE: Promise<void> = Promise.resolve();

/**
 * What a client connection's last token gave: the parsed header (BearerMemo, extract-token.ts)
 * and the verified-token cache entry (TokenMemo, token-verifier.ts). Shared by every jwtAuth
 * route; it lives as long as the connection.
 */
type ConnectionMemo = BearerMemo & TokenMemo;
const kConnectionMemo = Symbol('portero.authMemo');
type MemoSocket = { [kConnectionMemo]?: ConnectionMemo };

function memoOf(ctx: GatewayContext): ConnectionMemo | undefined {
  // Contexts without a client connection (a detached refresh, some tests) have no memo.
  const socket = ctx.req.socket as (typeof ctx.req.socket & MemoSocket) | null | undefined;
  if (socket === null || socket === undefined) return undefined;
  return (socket[kConnectionMemo] ??= { header: undefined, found: undefined, token: undefined, entry: undefined });
}

export function createJwtAuthFilter(config: JwtAuthConfig, deps: FilterDeps, hooks: AuthHooks = {}): Filter {
  const auth = resolveAuthConfig(deps.gatewayConfig);
  const metrics = getAuthMetrics(deps.metrics);
  const issuers = config.issuers.map((name) => acquireIssuer(name, deps, hooks));
  const verifier = createTokenVerifier(
    { issuers, audiences: config.audiences, algorithms: config.algorithms, clockToleranceSeconds: config.clockToleranceSeconds },
    acquireTokenCache(deps, hooks),
    metrics,
    hooks.now,
  );
  const responder = createAuthResponder(auth.realm);
  const names = resolveIdentityHeaders(deps.gatewayConfig);
  const { maxTokenBytes } = auth;
  // `tokenCache.maxEntries: 0` turns off every memory of tokens, the per-connection one included.
  const remember = auth.tokenCache.maxEntries > 0;
  const required = config.required ?? true;
  const forwardAuthorization = config.forwardAuthorization ?? false;
  const forwardIdentity = config.forwardIdentity ?? true;
  const route = deps.routeId;
  const authenticated = metrics.outcome(route, 'authenticated', 'ok');
  const anonymous = metrics.outcome(route, 'anonymous', 'no_token');

  function refuse(outcome: string, reason: string): void {
    metrics.outcome(route, outcome, reason).value++;
  }

  function refuseFailure(ctx: GatewayContext, err: unknown, memo: ConnectionMemo | undefined): Promise<void> {
    // A refused token is not kept on the connection (the verifier's memo only ever holds a hit).
    if (memo !== undefined && memo.found !== undefined) {
      memo.header = undefined;
      memo.found = undefined;
    }
    if (!(err instanceof AuthFailure)) throw err;
    if (err.kind === 'unavailable') {
      refuse('unavailable', err.reason);
      deps.logger.warn({ route, reason: err.reason }, 'token could not be verified');
      ctx.response = responder.respond('GW_ERR_AUTH_UNAVAILABLE', { reason: err.reason });
      return DONE;
    }
    refuse('rejected', err.reason);
    ctx.response = responder.respond('GW_ERR_AUTH_INVALID_TOKEN', { error: 'invalid_token', reason: err.reason });
    return DONE;
  }

  function accept(ctx: GatewayContext, verified: VerifiedToken, next: Next): Promise<void> {
    const principal = verified.principal;
    ctx.principal = principal;
    if (forwardIdentity) {
      const h = ctx.upstreamHeaders;
      h[names.subject] = principal.subject;
      if (principal.clientId !== undefined) h[names.clientId] = principal.clientId;
      else if (h[names.clientId] !== undefined) h[names.clientId] = undefined;
      h[names.scopes] = verified.scopeHeader;
    }
    authenticated.value++;
    return next();
  }

  // Not an async function: a cache hit goes straight to next() without wrapping another promise.
  return function jwtAuth(ctx, next) {
    if (!forwardAuthorization && ctx.upstreamHeaders.authorization !== undefined) ctx.upstreamHeaders.authorization = undefined;
    const memo = remember ? memoOf(ctx) : undefined;
    const extracted = extractBearerToken(ctx.req, ctx.query, maxTokenBytes, memo);
    switch (extracted.kind) {
      case 'none':
        if (required) {
          refuse('rejected', 'missing_token');
          ctx.response = responder.respond('GW_ERR_AUTH_MISSING_TOKEN');
          return DONE;
        }
        anonymous.value++;
        return next();
      case 'query':
        refuse('rejected', 'query_token');
        ctx.response = responder.respond('GW_ERR_AUTH_INVALID_REQUEST', { error: 'invalid_request', reason: 'query_token' });
        return DONE;
      case 'duplicate':
        refuse('rejected', 'duplicate_authorization');
        ctx.response = responder.respond('GW_ERR_AUTH_DUPLICATE_AUTHORIZATION', { error: 'invalid_request', reason: 'duplicate_authorization' });
        return DONE;
      case 'too_large':
        refuse('rejected', 'too_large');
        ctx.response = responder.respond('GW_ERR_AUTH_TOKEN_TOO_LARGE', { error: 'invalid_token', reason: 'too_large' });
        return DONE;
      case 'malformed':
        refuse('rejected', 'malformed');
        ctx.response = responder.respond('GW_ERR_AUTH_INVALID_TOKEN', { error: 'invalid_token', reason: 'malformed' });
        return DONE;
    }
    let verified: VerifiedToken | Promise<VerifiedToken>;
    try {
      verified = verifier.verify(extracted.token, memo);
    } catch (err) {
      return refuseFailure(ctx, err, memo);
    }
    if (verified instanceof Promise) {
      return verified.then(
        (v) => accept(ctx, v, next),
        (err: unknown) => refuseFailure(ctx, err, memo),
      );
    }
    return accept(ctx, verified, next);
  };
}
