/**
 * RFC 7662 token introspection for opaque (non-JWT) tokens. The gateway authenticates as a client
 * (client_secret_basic). Active answers are cached by the caller in the verified-token cache, no
 * longer than the token's `exp` and `maxTtlSeconds`; inactive answers are remembered here for
 * `inactiveTtlSeconds` so a replayed bad token does not reach the endpoint each time. Concurrent
 * introspections of one token share one call.
 */
import type { IntrospectionConfig } from './config-schema.js';
import { fetchJson, type FetchLike } from './fetch-json.js';
import type { AuthMetrics } from './metrics.js';

export type IntrospectionResult =
  | { readonly active: false }
  | { readonly active: true; readonly claims: Readonly<Record<string, unknown>> };

/** The introspection endpoint could not answer: the request is refused with 503, not 401. */
export class IntrospectionUnavailableError extends Error {
  override readonly name = 'IntrospectionUnavailableError';
}

export interface IntrospectionClient {
  /** `tokenHash` is the SHA-256 key the caller already computed, used for the inactive cache. */
  introspect(token: string, tokenHash: string): Promise<IntrospectionResult>;
}

export interface IntrospectionClientOptions {
  readonly issuerName: string;
  readonly issuer: string;
  readonly config: IntrospectionConfig;
  readonly resolveEndpoint: () => Promise<string>;
  readonly metrics: AuthMetrics;
  /** Bound of the inactive-answer memory (the verified-token cache's `maxEntries`). */
  readonly maxInactiveEntries: number;
  readonly fetch?: FetchLike | undefined;
  readonly now?: (() => number) | undefined;
}

const INACTIVE: IntrospectionResult = { active: false };

export function createIntrospectionClient(o: IntrospectionClientOptions): IntrospectionClient {
  const now = o.now ?? Date.now;
  const authorization = `Basic ${Buffer.from(`${encodeURIComponent(o.config.clientId)}:${encodeURIComponent(o.config.clientSecret)}`).toString('base64')}`;
  const inactiveUntil = new Map<string, number>();
  const inflight = new Map<string, Promise<IntrospectionResult>>();

  function rememberInactive(hash: string): void {
    if (o.config.inactiveTtlSeconds === 0 || o.maxInactiveEntries === 0) return;
    inactiveUntil.delete(hash);
    inactiveUntil.set(hash, now() + o.config.inactiveTtlSeconds * 1000);
    while (inactiveUntil.size > o.maxInactiveEntries) inactiveUntil.delete(inactiveUntil.keys().next().value as string);
  }

  async function call(token: string, hash: string): Promise<IntrospectionResult> {
    let body: unknown;
    try {
      const endpoint = await o.resolveEndpoint();
      ({ body } = await fetchJson(endpoint, {
        method: 'POST',
        timeoutMs: o.config.timeoutMs,
        maxBytes: o.config.maxResponseBytes,
        fetch: o.fetch,
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      }));
    } catch (err) {
      o.metrics.introspection(o.issuerName, 'failure').value++;
      throw new IntrospectionUnavailableError((err as Error).message);
    }
    if (typeof body !== 'object' || body === null || typeof (body as { active?: unknown }).active !== 'boolean') {
      o.metrics.introspection(o.issuerName, 'failure').value++;
      throw new IntrospectionUnavailableError('introspection answer has no boolean "active"');
    }
    const claims = body as Record<string, unknown>;
    // An answer about another issuer's token, or one already expired, is not an active token here.
    const expired = typeof claims.exp === 'number' && claims.exp * 1000 <= now();
    const foreign = claims.iss !== undefined && claims.iss !== o.issuer;
    if (claims.active !== true || expired || foreign) {
      o.metrics.introspection(o.issuerName, 'inactive').value++;
      rememberInactive(hash);
      return INACTIVE;
    }
    o.metrics.introspection(o.issuerName, 'active').value++;
    return { active: true, claims: { ...claims, iss: o.issuer } };
  }

  return {
    introspect(token, hash) {
      const until = inactiveUntil.get(hash);
      if (until !== undefined) {
        if (until > now()) return Promise.resolve(INACTIVE);
        inactiveUntil.delete(hash);
      }
      let pending = inflight.get(hash);
      if (pending === undefined) {
        pending = call(token, hash).finally(() => inflight.delete(hash));
        inflight.set(hash, pending);
      }
      return pending;
    },
  };
}
