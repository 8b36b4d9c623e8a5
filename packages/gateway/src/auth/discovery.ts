/**
 * OIDC discovery (`{issuer}/.well-known/openid-configuration`) for one issuer. The document must
 * name exactly the configured issuer (OpenID Connect Discovery §4.3), otherwise a misconfigured or
 * hostile document could make the gateway trust another issuer's keys. A successful answer is
 * kept for the life of the process; a failed one is retried on the next call.
 */
import { fetchJson, type FetchLike } from './fetch-json.js';
import type { AuthMetrics } from './metrics.js';

export interface DiscoveryDocument {
  readonly jwksUri: string | undefined;
  readonly introspectionEndpoint: string | undefined;
}

export interface DiscoveryOptions {
  readonly issuerName: string;
  readonly issuer: string;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly metrics: AuthMetrics;
  readonly fetch?: FetchLike | undefined;
}

export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

export function createDiscovery(o: DiscoveryOptions): () => Promise<DiscoveryDocument> {
  let done: DiscoveryDocument | undefined;
  let inflight: Promise<DiscoveryDocument> | undefined;

  async function load(): Promise<DiscoveryDocument> {
    try {
      const { body } = await fetchJson(discoveryUrl(o.issuer), { timeoutMs: o.timeoutMs, maxBytes: o.maxBytes, fetch: o.fetch });
      if (typeof body !== 'object' || body === null) throw new Error('discovery document is not an object');
      const doc = body as Record<string, unknown>;
      if (doc.issuer !== o.issuer) throw new Error(`discovery document names issuer ${String(doc.issuer)}, expected ${o.issuer}`);
      const result: DiscoveryDocument = {
        jwksUri: httpUrl(doc.jwks_uri),
        introspectionEndpoint: httpUrl(doc.introspection_endpoint),
      };
      o.metrics.jwksFetch(o.issuerName, 'discovery_success').value++;
      done = result;
      return result;
    } catch (err) {
      o.metrics.jwksFetch(o.issuerName, 'discovery_failure').value++;
      throw err;
    }
  }

  return () => {
    if (done !== undefined) return Promise.resolve(done);
    inflight ??= load().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };
}

function httpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? value : undefined;
  } catch {
    return undefined;
  }
}
