/** Signing algorithms the auth server can generate keys for and sign access tokens with. */
export type SigningAlg = 'RS256' | 'ES256';
export const SIGNING_ALGS: readonly SigningAlg[] = ['RS256', 'ES256'];

/** An API that accepts this server's access tokens (an RFC 8707 resource indicator). */
export interface ResourceServerConfig {
  /** The resource indicator clients may send as `resource`; also the default `aud`. */
  identifier: string;
  /** The `aud` claim of its access tokens; defaults to `identifier`. */
  audience: string;
  /** Scopes this API understands; tokens for it only ever carry these. */
  scopes: string[];
  /** Lifetime of its access tokens, in seconds. Default 300. */
  accessTokenTtlSeconds: number;
  /** JWS algorithm of its access tokens. Default RS256. */
  signingAlg: SigningAlg;
}

/** A registered OAuth client. */
export interface ClientConfig {
  clientId: string;
  /** Present for confidential clients (client_secret_basic); absent for public clients (PKCE only). */
  clientSecret?: string;
  /** Subset of client_credentials, authorization_code, refresh_token. */
  grantTypes: string[];
  /** Redirect URIs for the authorization code flow (exact match). */
  redirectUris: string[];
  /** The scopes this client may ask for; anything else answers invalid_scope. */
  scopes: string[];
}

/** A person who signs in on the login page. */
export interface UserConfig {
  username: string;
  /** `scrypt$N$r$p$salt$hash` as printed by `npm run hash-password`; never the password itself. */
  passwordHash: string;
  /** Role names, each defined under `roles`; carried as the `roles` claim of access tokens. */
  roles: string[];
  name?: string;
  email?: string;
}

/** Lifetimes of the artifacts oidc-provider keeps, in seconds. */
export interface TtlConfig {
  /** Authorization code lifetime. Default 60. */
  authorizationCodeSeconds: number;
  /** ID token lifetime. Default 3600. */
  idTokenSeconds: number;
  /** Refresh token lifetime. Default 86400 (one day). */
  refreshTokenSeconds: number;
  /** Login session lifetime. Default 28800 (eight hours). */
  sessionSeconds: number;
  /** Grant (consent record) lifetime. Default 86400. */
  grantSeconds: number;
  /** Time a person has to finish the login and consent pages. Default 600. */
  interactionSeconds: number;
}

/** Where the signing keys live and how they rotate. */
export interface KeysConfig {
  /** Keys file (development, or production with a provisioned file). Relative to the config file. */
  file: string;
  /** Algorithms that get a key; every key is published in the JWKS. Default [RS256, ES256]. */
  algs: SigningAlg[];
  /** Delay between publishing a staged key and signing with it; at least the gateways' JWKS cache time. Default 900. */
  promoteDelaySeconds: number;
  /** How often the server recomputes which keys sign and which are published. Default 60. */
  refreshIntervalSeconds: number;
}

/** Storage of codes, sessions, grants, interactions and refresh tokens. */
export interface StorageConfig {
  /** `memory` (one instance) or `redis` (several instances). Default memory. */
  kind: 'memory' | 'redis';
  /** Redis URL when kind is redis. Default redis://127.0.0.1:6379. */
  redisUrl: string;
  /** Prefix of every Redis key. Default `portero:auth:`. */
  keyPrefix: string;
  /** Most entries the memory store keeps before evicting the oldest. Default 10000. */
  memoryMaxEntries: number;
}

/** The whole auth server configuration, after interpolation, validation and defaults. */
export interface AuthServerConfig {
  /** Public URL of the issuer; must equal the URL clients reach. Default http://127.0.0.1:9000. */
  issuer: string;
  /** Trust X-Forwarded-* from a TLS-terminating proxy in front. Default false. */
  trustProxy: boolean;
  resourceServers: ResourceServerConfig[];
  /** Resource used when a client sends no `resource`; default the first resource server. */
  defaultResource: string;
  /** Role name → API scopes a person with that role may consent to. */
  roles: Record<string, string[]>;
  clients: ClientConfig[];
  users: UserConfig[];
  ttl: TtlConfig;
  keys: KeysConfig;
  /** Cookie signing keys (newest first); empty means generated at start (development only). */
  cookieKeys: string[];
  storage: StorageConfig;
  /** Largest login or consent form body, in bytes. Default 8192. */
  maxFormBytes: number;
  login: LoginLimitsConfig;
}

/** Password guessing limits of the login page (per instance, in memory). */
export interface LoginLimitsConfig {
  /** Wrong passwords accepted per username and client address within the window. Default 5. */
  maxFailures: number;
  /** Length of that window in seconds, from the first failure. Default 300. */
  windowSeconds: number;
  /** Most (username, address) pairs tracked at once; the oldest is forgotten. Default 10000. */
  maxTrackedKeys: number;
}
