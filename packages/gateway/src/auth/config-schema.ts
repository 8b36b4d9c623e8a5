/**
 * Static `auth` section: the token issuers the gateway trusts and the limits of token handling.
 * Routes reference issuers by name from their `jwtAuth` filter, so one issuer's keys, discovery
 * document and caches are fetched and held once for every route that accepts it.
 */
import { Type, type Static } from '@sinclair/typebox';

/** Every signature algorithm an issuer may allow. `none` is deliberately absent. */
export const SIGNATURE_ALGORITHMS = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'HS256', 'HS384', 'HS512',
] as const;
export type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHMS)[number];
export const HMAC_ALGORITHMS: ReadonlySet<string> = new Set(['HS256', 'HS384', 'HS512']);

export const AlgorithmSchema = Type.Union(SIGNATURE_ALGORITHMS.map((a) => Type.Literal(a)));

export const JwksOptionsSchema = Type.Object(
  {
    fetchTimeoutMs: Type.Integer({ minimum: 100, maximum: 60000, default: 3000, description: 'Time allowed for one discovery or JWKS fetch (connect, headers and body); past it the fetch counts as failed and the last known keys stay in use.' }),
    refreshIntervalSeconds: Type.Integer({ minimum: 1, maximum: 86400, default: 300, description: 'Background refresh interval when the JWKS response has no Cache-Control max-age.' }),
    minRefreshSeconds: Type.Integer({ minimum: 1, maximum: 86400, default: 60, description: 'Lower bound applied to a Cache-Control max-age, so an issuer cannot make the gateway poll it continuously.' }),
    maxRefreshSeconds: Type.Integer({ minimum: 1, maximum: 604800, default: 86400, description: 'Upper bound applied to a Cache-Control max-age, so rotated keys are eventually noticed.' }),
    failureRetrySeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 30, description: 'After a failed background refresh, how long until the next try. The last known keys keep working meanwhile.' }),
    unknownKidCooldownSeconds: Type.Integer({ minimum: 0, maximum: 3600, default: 30, description: 'A token whose `kid` is not in the cached set triggers at most one JWKS refetch per this window, shared by all concurrent requests; other unknown-kid tokens in the window are rejected without a fetch.' }),
    maxResponseBytes: Type.Integer({ minimum: 1024, maximum: 10485760, default: 262144, description: 'Largest discovery or JWKS response body accepted, in bytes.' }),
  },
  { additionalProperties: false, default: {}, description: 'How the issuer\'s JSON Web Key Set is fetched, cached and refreshed.' },
);

export const IntrospectionSchema = Type.Object(
  {
    endpoint: Type.Optional(Type.String({ format: 'uri', description: 'RFC 7662 introspection endpoint. Omitted: `introspection_endpoint` from the issuer\'s discovery document.' })),
    clientId: Type.String({ minLength: 1, description: 'Client id the gateway authenticates with at the introspection endpoint (HTTP Basic, client_secret_basic).' }),
    clientSecret: Type.String({ minLength: 1, description: 'Secret of that client.' }),
    timeoutMs: Type.Integer({ minimum: 100, maximum: 60000, default: 3000, description: 'Time allowed for one introspection call; past it the request answers 503.' }),
    maxTtlSeconds: Type.Integer({ minimum: 1, maximum: 86400, default: 300, description: 'Longest an active introspection result is reused; it is never reused past the token\'s `exp`.' }),
    inactiveTtlSeconds: Type.Integer({ minimum: 0, maximum: 3600, default: 10, description: 'How long an `active: false` answer is remembered, so a repeated bad token does not hit the endpoint each time; 0 disables.' }),
    maxResponseBytes: Type.Integer({ minimum: 1024, maximum: 1048576, default: 65536, description: 'Largest introspection response body accepted, in bytes.' }),
  },
  { additionalProperties: false, description: 'Token introspection (RFC 7662) for opaque, non-JWT tokens of this issuer.' },
);

export const IssuerSchema = Type.Object(
  {
    issuer: Type.String({ minLength: 1, description: 'Exact `iss` value of the tokens (string equality, no prefix or normalisation).' }),
    jwksUri: Type.Optional(Type.String({ format: 'uri', description: 'JWKS URL. Omitted: `jwks_uri` from `{issuer}/.well-known/openid-configuration`.' })),
    discovery: Type.Boolean({ default: true, description: 'Resolve `jwks_uri` (and `introspection_endpoint`) through OIDC discovery when they are not given explicitly. The discovery document must name this exact issuer.' }),
    algorithms: Type.Array(AlgorithmSchema, { minItems: 1, uniqueItems: true, default: ['RS256', 'ES256'], description: 'Signature algorithms accepted for this issuer. `none` is never accepted. HS256/384/512 need `hmacSecret` and are verified only with that secret, never with a JWKS key.' }),
    hmacSecret: Type.Optional(Type.String({ minLength: 32, description: 'Shared secret for HS* tokens of this issuer (at least 32 characters). Without it HMAC tokens are always rejected.' })),
    clockToleranceSeconds: Type.Integer({ minimum: 0, maximum: 300, default: 30, description: 'Clock skew allowed when checking `exp` and `nbf`.' }),
    tokenType: Type.Optional(Type.String({ minLength: 1, description: 'Required `typ` header of this issuer\'s access tokens, e.g. `at+jwt` (RFC 9068; `application/at+jwt` matches too). Set it when the issuer marks its access tokens, so that its ID tokens or other JWTs cannot be replayed as access tokens. Omitted: `typ` is not checked.' })),
    jwks: JwksOptionsSchema,
    introspection: Type.Optional(IntrospectionSchema),
  },
  // default {} makes TypeBox's Value.Default descend into each entry of the `issuers` record.
  { additionalProperties: false, default: {}, description: 'A trusted token issuer.' },
);

export const AuthSchema = Type.Object(
  {
    realm: Type.String({ pattern: '^[\\x20-\\x21\\x23-\\x5b\\x5d-\\x7e]+$', default: 'portero', description: 'Realm named in WWW-Authenticate challenges.' }),
    maxTokenBytes: Type.Integer({ minimum: 256, maximum: 65536, default: 8192, description: 'Largest Authorization header value accepted; a longer one answers 401 before any parsing or cryptography.' }),
    tokenCache: Type.Object(
      {
        maxEntries: Type.Integer({ minimum: 0, maximum: 10000000, default: 10000, description: 'Verified tokens remembered (LRU, keyed by the SHA-256 of the token, never the token itself); each client connection also remembers its last well-formed bearer Authorization header, the token parsed from it and that entry while it is open, so a repeated header skips parsing and, while the entry is fresh, the hash. 0 disables the cache and the per-connection memo.' }),
        maxTtlSeconds: Type.Integer({ minimum: 1, maximum: 86400, default: 300, description: 'Longest a verified token is reused without checking its signature again; never past its `exp`.' }),
      },
      { additionalProperties: false, default: {}, description: 'Cache of verified tokens, so signature checks stay off the hot path.' },
    ),
    issuers: Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$' }), IssuerSchema, {
      default: {},
      description: 'Trusted issuers by name; a route\'s `jwtAuth.issuers` lists names from here.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Static: token issuers and limits shared by the jwtAuth and authorize filters.' },
);

export type AuthConfig = Static<typeof AuthSchema>;
export type IssuerConfig = Static<typeof IssuerSchema>;
export type JwksOptions = Static<typeof JwksOptionsSchema>;
export type IntrospectionConfig = Static<typeof IntrospectionSchema>;

/** Checks beyond the schema; returns problems with paths relative to the `auth` section. */
export function validateAuthConfig(auth: AuthConfig): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  for (const [name, cfg] of Object.entries(auth.issuers)) {
    const base = `/issuers/${name}`;
    const hmac = cfg.algorithms.filter((a) => HMAC_ALGORITHMS.has(a));
    if (hmac.length > 0 && cfg.hmacSecret === undefined) {
      issues.push({ path: `${base}/algorithms`, message: `${hmac.join(', ')} needs hmacSecret` });
    }
    if (cfg.hmacSecret !== undefined && hmac.length === 0) {
      issues.push({ path: `${base}/hmacSecret`, message: 'hmacSecret is set but no HS* algorithm is allowed' });
    }
    const asymmetric = cfg.algorithms.some((a) => !HMAC_ALGORITHMS.has(a));
    if (asymmetric && cfg.jwksUri === undefined && !cfg.discovery) {
      issues.push({ path: `${base}/jwksUri`, message: 'asymmetric algorithms need jwksUri or discovery: true' });
    }
    if (cfg.introspection !== undefined && cfg.introspection.endpoint === undefined && !cfg.discovery) {
      issues.push({ path: `${base}/introspection/endpoint`, message: 'introspection needs an endpoint or discovery: true' });
    }
    if (cfg.jwks.minRefreshSeconds > cfg.jwks.maxRefreshSeconds) {
      issues.push({ path: `${base}/jwks/minRefreshSeconds`, message: 'must not exceed maxRefreshSeconds' });
    }
  }
  return issues;
}
