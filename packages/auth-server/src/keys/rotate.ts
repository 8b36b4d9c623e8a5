import { AuthError } from '../errors.js';
import { SIGNING_ALGS, type AuthServerConfig, type SigningAlg } from '../config/types.js';
import { generateSigningKey } from './generate-key.js';
import { computeKeyView, promoteKey, pruneKeys, stageKey } from './key-set.js';
import { readKeysFile, writeKeysFile } from './keys-file.js';

/** Longest lifetime of anything signed with a key: the key must stay published that long after it stops signing. */
export function maxTokenTtlSeconds(config: AuthServerConfig): number {
  return Math.max(config.ttl.idTokenSeconds, ...config.resourceServers.map((rs) => rs.accessTokenTtlSeconds));
}

export interface RotateResult {
  action: 'stage' | 'promote' | 'status';
  keys: { kid: string; alg: SigningAlg; createdAt: string; activatesAt: string; retiresAt?: string; role: 'signing' | 'published' | 'staged' }[];
}

/** One rotate-keys step on the keys file at `now` (the CLI passes Date.now(); tests any instant). */
export function rotateKeys(input: { config: AuthServerConfig; file: string; alg: SigningAlg; action: RotateResult['action']; now: number }): RotateResult {
  const { config, file, alg, action, now } = input;
  if (!SIGNING_ALGS.includes(alg)) throw new AuthError('AUTH_ERR_KEY_ROTATION', [`--alg must be one of ${SIGNING_ALGS.join(', ')}`]);
  const state = readKeysFile(file);
  if (!state) throw new AuthError('AUTH_ERR_KEYS_MISSING', [`${file} does not exist; start the server once (development) or provision it`]);
  let next = state;
  if (action !== 'status') {
    next = pruneKeys(state, now);
    next = action === 'stage'
      ? stageKey(next, generateSigningKey(alg), now, config.keys.promoteDelaySeconds, maxTokenTtlSeconds(config))
      : promoteKey(next, alg, now, maxTokenTtlSeconds(config));
    writeKeysFile(file, next);
  }
  const view = computeKeyView(next, now);
  const signing = new Set(view.signing.values());
  const published = new Set(view.published.map((key) => key.kid));
  return {
    action,
    keys: next.keys.map((key) => ({
      kid: key.kid,
      alg: key.alg,
      createdAt: key.createdAt,
      activatesAt: key.activatesAt,
      ...(key.retiresAt ? { retiresAt: key.retiresAt } : {}),
      role: signing.has(key.kid) ? 'signing' : published.has(key.kid) && Date.parse(key.activatesAt) > now ? 'staged' : 'published',
    })),
  };
}
