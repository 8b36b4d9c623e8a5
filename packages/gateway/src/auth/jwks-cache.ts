/**
 * One issuer's JSON Web Key Set, kept current in the background and resilient to rotation and
 * outages:
 * - fetched with a timeout and size limit, refreshed on an interval that honours Cache-Control
 *   max-age within [minRefreshSeconds, maxRefreshSeconds];
 * - a token with an unknown `kid` triggers at most one refetch per cooldown window, and all
 *   requests that arrive while it runs share it (single flight);
 * - when the issuer is down the last known keys keep working; the failure is logged and counted.
 * Only the key set's own public keys are used: nothing from a token header (jku, x5u, jwk, x5c)
 * ever reaches this module.
 */
import { createLocalJWKSet, type FlattenedJWSInput, type JSONWebKeySet, type JWK, type JWSHeaderParameters } from 'jose';
import type { Logger } from 'pino';
import type { JwksOptions } from './config-schema.js';
import { fetchJson, type FetchLike } from './fetch-json.js';
import type { AuthMetrics } from './metrics.js';

type KeyResolver = ReturnType<typeof createLocalJWKSet>;
/** What jose accepts as a verification key (a WebCrypto key from the JWKS). */
export type VerificationKey = Awaited<ReturnType<KeyResolver>>;

/** Timer seam so tests drive background refreshes without sleeping. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimers: Timers = {
  set(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clear(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** No key set could ever be fetched for the issuer: verification is impossible (503, not 401). */
export class KeysUnavailableError extends Error {
  override readonly name = 'KeysUnavailableError';
  readonly code = 'ERR_PORTERO_KEYS_UNAVAILABLE';
}

export interface JwksCacheOptions {
  readonly issuerName: string;
  /** Resolves the JWKS URL (explicit, or through discovery). Called on every refresh. */
  readonly resolveJwksUri: () => Promise<string>;
  readonly options: JwksOptions;
  readonly logger: Logger;
  readonly metrics: AuthMetrics;
  readonly fetch?: FetchLike | undefined;
  readonly now?: (() => number) | undefined;
  readonly timers?: Timers | undefined;
}

export interface JwksCache {
  /** jose key resolver: finds the verification key by `kid`/`alg` in the cached set. */
  getKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<VerificationKey>;
  /** Fetches now (joining a fetch already running); resolves true when new keys were stored. */
  refresh(): Promise<boolean>;
  /** Starts the first fetch and the background schedule. */
  start(): void;
  /** Number of usable keys currently cached. */
  readonly keyCount: number;
  close(): void;
}


export function createJwksCache(o: JwksCacheOptions): JwksCache {
  const now = o.now ?? Date.now;
  const timers = o.timers ?? realTimers;
  const opts = o.options;
  let resolver: KeyResolver | undefined;
  let keyCount = 0;
  let inflight: Promise<boolean> | undefined;
  let lastDemandFetchAt: number | undefined;
  let timer: unknown;
  let closed = false;

  function schedule(delaySeconds: number): void {
    if (closed) return;
    if (timer !== undefined) timers.clear(timer);
    timer = timers.set(() => {
      timer = undefined;
      void refresh();
    }, delaySeconds * 1000);
  }

  async function fetchOnce(): Promise<boolean> {
    try {
      const uri = await o.resolveJwksUri();
      const { body, maxAgeSeconds } = await fetchJson(uri, { timeoutMs: opts.fetchTimeoutMs, maxBytes: opts.maxResponseBytes, fetch: o.fetch });
      const keys = usableKeys(body);
      resolver = createLocalJWKSet({ keys } satisfies JSONWebKeySet);
      keyCount = keys.length;
      o.metrics.jwksFetch(o.issuerName, 'success').value++;
      const delay = maxAgeSeconds === undefined ? opts.refreshIntervalSeconds : Math.min(opts.maxRefreshSeconds, Math.max(opts.minRefreshSeconds, maxAgeSeconds));
      schedule(delay);
      return true;
    } catch (err) {
      o.metrics.jwksFetch(o.issuerName, 'failure').value++;
      o.logger.warn({ issuer: o.issuerName, err: (err as Error).message, cachedKeys: keyCount }, 'JWKS refresh failed; keeping the last known keys');
      schedule(opts.failureRetrySeconds);
      return false;
    }
  }

  function refresh(): Promise<boolean> {
    if (inflight !== undefined) return inflight;
    inflight = fetchOnce().finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  /** A fetch asked for by a request (unknown kid, or no keys yet): rate limited by the cooldown. */
  function refreshOnDemand(): Promise<boolean> {
    if (inflight !== undefined) return inflight;
    const t = now();
    if (lastDemandFetchAt !== undefined && t - lastDemandFetchAt < opts.unknownKidCooldownSeconds * 1000) return Promise.resolve(false);
    lastDemandFetchAt = t;
    return refresh();
  }

  async function getKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<VerificationKey> {
    if (resolver === undefined) {
      await refreshOnDemand();
      if (resolver === undefined) throw new KeysUnavailableError(`no keys for issuer ${o.issuerName}`);
    }
    try {
      return await resolver(header, token);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY') throw err;
      if (!(await refreshOnDemand())) throw err;
      return await resolver(header, token);
    }
  }

  return {
    getKey,
    refresh,
    start() {
      if (resolver === undefined && inflight === undefined) void refresh();
    },
    get keyCount() {
      return keyCount;
    },
    close() {
      closed = true;
      if (timer !== undefined) timers.clear(timer);
      timer = undefined;
    },
  };
}

/**
 * Public signing keys only: symmetric (`oct`) keys, private keys and encryption keys are dropped.
 * A set with no usable key is a failed fetch, so a broken publication cannot wipe the cache.
 */
function usableKeys(body: unknown): JWK[] {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { keys?: unknown }).keys)) {
    throw new Error('response is not a JSON Web Key Set');
  }
  const keys = ((body as { keys: unknown[] }).keys).filter((k): k is JWK => {
    if (typeof k !== 'object' || k === null) return false;
    const jwk = k as JWK;
    return typeof jwk.kty === 'string' && jwk.kty !== 'oct' && jwk.d === undefined && (jwk.use === undefined || jwk.use === 'sig');
  });
  if (keys.length === 0) throw new Error('JSON Web Key Set has no usable signing key');
  return keys;
}
