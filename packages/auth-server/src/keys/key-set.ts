import { AuthError } from '../errors.js';
import type { SigningAlg } from '../config/types.js';

/** A private signing key as stored in the keys file, with the times that drive rotation. */
export interface StoredKey {
  kid: string;
  alg: SigningAlg;
  /** When the key was generated (and, from then on, published in the JWKS). */
  createdAt: string;
  /** From this time on the key signs new tokens (the newest activated key of its alg wins). */
  activatesAt: string;
  /** From this time on the key is no longer published; unset while it is current. */
  retiresAt?: string;
  /** Private JWK (kid and alg included). */
  jwk: Record<string, unknown>;
}

/** The keys file: the whole rotation state in one JSON document. */
export interface KeyState {
  version: 1;
  keys: StoredKey[];
}

/** What the server does with the keys at one instant. */
export interface KeyView {
  /** alg → kid of the key that signs new tokens. */
  signing: Map<SigningAlg, string>;
  /** Keys published in the JWKS, signing keys first (oidc-provider picks the first match for ID tokens). */
  published: StoredKey[];
  /** Changes whenever the published set or a signing key changes; the server rebuilds on change. */
  fingerprint: string;
}

const ms = (iso: string | undefined) => (iso === undefined ? Number.POSITIVE_INFINITY : Date.parse(iso));
const iso = (t: number) => new Date(t).toISOString();
const isPublished = (key: StoredKey, now: number) => ms(key.createdAt) <= now && ms(key.retiresAt) > now;

/** The key that signs for one alg at `now`: the published key with the latest activation in the past. */
export function signingKeyFor(state: KeyState, alg: SigningAlg, now: number): StoredKey | undefined {
  let best: StoredKey | undefined;
  for (const key of state.keys) {
    if (key.alg !== alg || !isPublished(key, now) || ms(key.activatesAt) > now) continue;
    if (!best || ms(key.activatesAt) > ms(best.activatesAt) || (ms(key.activatesAt) === ms(best.activatesAt) && ms(key.createdAt) > ms(best.createdAt))) best = key;
  }
  return best;
}

/** Computes which keys sign and which are published at `now`. Pure: tests drive it with any clock. */
export function computeKeyView(state: KeyState, now: number): KeyView {
  const signing = new Map<SigningAlg, string>();
  for (const alg of new Set(state.keys.map((key) => key.alg))) {
    const key = signingKeyFor(state, alg, now);
    if (key) signing.set(alg, key.kid);
  }
  const signingKids = new Set(signing.values());
  const published = state.keys
    .filter((key) => isPublished(key, now))
    .sort((a, b) => Number(signingKids.has(b.kid)) - Number(signingKids.has(a.kid)));
  const fingerprint = JSON.stringify({ signing: [...signing.entries()].sort(), published: published.map((key) => key.kid) });
  return { signing, published, fingerprint };
}

/** The next instant after `now` at which the view changes, so the server can refresh exactly then. */
export function nextChangeAt(state: KeyState, now: number): number | undefined {
  const times = state.keys.flatMap((key) => [ms(key.createdAt), ms(key.activatesAt), ms(key.retiresAt)]).filter((t) => Number.isFinite(t) && t > now);
  return times.length ? Math.min(...times) : undefined;
}

/**
 * Stage 1 of a rotation: publish `next` now and let it sign after `promoteDelaySeconds` (at least
 * the gateways' JWKS cache time, so every gateway knows the key before it sees a token signed by
 * it). The key it replaces retires `maxTokenTtlSeconds` after the switch, when the last token it
 * signed has expired.
 */
export function stageKey(state: KeyState, next: Omit<StoredKey, 'createdAt' | 'activatesAt' | 'retiresAt'>, now: number, promoteDelaySeconds: number, maxTokenTtlSeconds: number): KeyState {
  if (state.keys.some((key) => key.alg === next.alg && ms(key.activatesAt) > now && ms(key.retiresAt) > now)) {
    throw new AuthError('AUTH_ERR_KEY_ROTATION', [`a ${next.alg} key is already staged; promote it first (--promote) or wait until it signs`]);
  }
  const activatesAt = now + promoteDelaySeconds * 1000;
  const staged: StoredKey = { ...next, createdAt: iso(now), activatesAt: iso(activatesAt) };
  return { version: 1, keys: [...retireCurrent(state, next.alg, now, activatesAt + maxTokenTtlSeconds * 1000), staged] };
}

/** Stage 2 ahead of schedule (`--promote`): the staged key of `alg` signs from `now` on. */
export function promoteKey(state: KeyState, alg: SigningAlg, now: number, maxTokenTtlSeconds: number): KeyState {
  const staged = state.keys.find((key) => key.alg === alg && ms(key.activatesAt) > now && ms(key.retiresAt) > now);
  if (!staged) throw new AuthError('AUTH_ERR_KEY_ROTATION', [`no staged ${alg} key to promote; run rotate-keys without --promote first`]);
  const keys = retireCurrent(state, alg, now, now + maxTokenTtlSeconds * 1000).map((key) => (key.kid === staged.kid ? { ...key, activatesAt: iso(now) } : key));
  return { version: 1, keys };
}

/** Drops keys whose retirement is past: they are no longer published, so nothing verifies with them. */
export function pruneKeys(state: KeyState, now: number): KeyState {
  return { version: 1, keys: state.keys.filter((key) => ms(key.retiresAt) > now) };
}

function retireCurrent(state: KeyState, alg: SigningAlg, now: number, retiresAt: number): StoredKey[] {
  const current = signingKeyFor(state, alg, now);
  return state.keys.map((key) => (key.kid === current?.kid ? { ...key, retiresAt: iso(Math.min(retiresAt, ms(key.retiresAt))) } : key));
}
