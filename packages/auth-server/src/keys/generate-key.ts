import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { SigningAlg } from '../config/types.js';
import type { StoredKey } from './key-set.js';

/** Generates a private signing JWK for `alg` (RSA 2048 for RS256, P-256 for ES256). */
export function generateSigningKey(alg: SigningAlg): Omit<StoredKey, 'createdAt' | 'activatesAt' | 'retiresAt'> {
  const pair = alg === 'RS256'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = `${alg.toLowerCase()}-${randomBytes(9).toString('base64url')}`;
  const jwk = { ...pair.privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } as Record<string, unknown>;
  return { kid, alg, jwk };
}
