/**
 * Runtime of each trusted issuer (discovery, JWKS cache, HMAC secret, introspection client) and
 * the verified-token cache, created once per gateway through SharedResources and reused by every
 * route (and every reload) that references them.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import { errors as joseErrors, type FlattenedJWSInput, type JWSHeaderParameters } from 'jose';
import { Value } from '@sinclair/typebox/value';
// Registers the `uri` format the auth schema uses (the gateway's config loader does the same).
import '../config/formats.js';
import type { FilterDeps } from '../filters/registry.js';
import { AuthSchema, HMAC_ALGORITHMS, validateAuthConfig, type AuthConfig, type IssuerConfig } from './config-schema.js';
import { createDiscovery } from './discovery.js';
import type { FetchLike } from './fetch-json.js';
import { createIntrospectionClient, type IntrospectionClient } from './introspection-client.js';
import { createJwksCache, type JwksCache, type Timers, type VerificationKey } from './jwks-cache.js';
import { getAuthMetrics } from './metrics.js';
import { createTokenCache, type TokenCache } from './token-cache.js';

/** Seams for tests: network, clock and timers. Production leaves them all undefined. */
export interface AuthHooks {
  readonly fetch?: FetchLike | undefined;
  readonly now?: (() => number) | undefined;
  readonly timers?: Timers | undefined;
}

export interface IssuerRuntime {
  readonly name: string;
  readonly config: IssuerConfig;
  /** Resolves the key for one token: the HMAC secret for HS*, otherwise the cached JWKS. */
  getKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<VerificationKey | KeyObject>;
  readonly jwks: JwksCache | undefined;
  readonly introspection: IntrospectionClient | undefined;
  close(): void;
}

const resolved = new WeakMap<object, AuthConfig>();

/** The `auth` section of the gateway config with defaults applied; throws on an invalid one. */
export function resolveAuthConfig(gatewayConfig: unknown): AuthConfig {
  const holder = (typeof gatewayConfig === 'object' && gatewayConfig !== null ? gatewayConfig : {}) as { auth?: unknown };
  const cached = resolved.get(holder);
  if (cached !== undefined) return cached;
  const auth = Value.Default(AuthSchema, structuredClone(holder.auth ?? {})) as AuthConfig;
  if (!Value.Check(AuthSchema, auth)) {
    const first = Value.Errors(AuthSchema, auth).First();
    throw new Error(`invalid auth config at ${first?.path ?? '/'}: ${first?.message ?? 'schema mismatch'}`);
  }
  const issues = validateAuthConfig(auth);
  if (issues.length > 0) throw new Error(`invalid auth config: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  resolved.set(holder, auth);
  return auth;
}

export function acquireTokenCache(deps: FilterDeps, hooks: AuthHooks): TokenCache {
  const auth = resolveAuthConfig(deps.gatewayConfig);
  return deps.resources.acquire('auth:token-cache', () =>
    createTokenCache({ maxEntries: auth.tokenCache.maxEntries, maxTtlMs: auth.tokenCache.maxTtlSeconds * 1000, now: hooks.now }),
  );
}

export function acquireIssuer(name: string, deps: FilterDeps, hooks: AuthHooks): IssuerRuntime {
  const auth = resolveAuthConfig(deps.gatewayConfig);
  const config = auth.issuers[name];
  if (config === undefined) throw new Error(`unknown issuer "${name}" (not in auth.issuers)`);
  return deps.resources.acquire(`auth:issuer:${name}`, () => createIssuerRuntime(name, config, auth, deps, hooks));
}

function createIssuerRuntime(name: string, config: IssuerConfig, auth: AuthConfig, deps: FilterDeps, hooks: AuthHooks): IssuerRuntime {
  const metrics = getAuthMetrics(deps.metrics);
  const logger = deps.logger.child({ issuer: name });
  const discover = createDiscovery({
    issuerName: name,
    issuer: config.issuer,
    timeoutMs: config.jwks.fetchTimeoutMs,
    maxBytes: config.jwks.maxResponseBytes,
    metrics,
    fetch: hooks.fetch,
  });
  const explicitJwks = config.jwksUri;
  const needsJwks = config.algorithms.some((a) => !HMAC_ALGORITHMS.has(a));
  const jwks = needsJwks
    ? createJwksCache({
        issuerName: name,
        resolveJwksUri: async () => {
          if (explicitJwks !== undefined) return explicitJwks;
          const doc = await discover();
          if (doc.jwksUri === undefined) throw new Error('discovery document has no jwks_uri');
          return doc.jwksUri;
        },
        options: config.jwks,
        logger,
        metrics,
        fetch: hooks.fetch,
        now: hooks.now,
        timers: hooks.timers,
      })
    : undefined;
  const intro = config.introspection;
  const introspection =
    intro === undefined
      ? undefined
      : createIntrospectionClient({
          issuerName: name,
          issuer: config.issuer,
          config: intro,
          resolveEndpoint: async () => {
            if (intro.endpoint !== undefined) return intro.endpoint;
            const doc = await discover();
            if (doc.introspectionEndpoint === undefined) throw new Error('discovery document has no introspection_endpoint');
            return doc.introspectionEndpoint;
          },
          metrics,
          maxInactiveEntries: auth.tokenCache.maxEntries,
          fetch: hooks.fetch,
          now: hooks.now,
        });
  const hmacKey = config.hmacSecret === undefined ? undefined : createSecretKey(Buffer.from(config.hmacSecret, 'utf8'));
  jwks?.start();
  return {
    name,
    config,
    jwks,
    introspection,
    async getKey(header, token) {
      // HS* is verified with the configured secret only, never with (the bytes of) a JWKS key:
      // that confusion is how "HS256 signed with the RSA public key" attacks work.
      if (typeof header.alg === 'string' && HMAC_ALGORITHMS.has(header.alg)) {
        if (hmacKey === undefined) throw new joseErrors.JOSEAlgNotAllowed('HMAC is not enabled for this issuer');
        return hmacKey;
      }
      if (jwks === undefined) throw new joseErrors.JOSEAlgNotAllowed('only HMAC is enabled for this issuer');
      return jwks.getKey(header, token);
    },
    close() {
      jwks?.close();
    },
  };
}
