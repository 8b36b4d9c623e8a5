import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AuthError } from '../errors.js';
import { SIGNING_ALGS, type SigningAlg } from '../config/types.js';
import type { KeyState, StoredKey } from './key-set.js';

/** Reads the keys file; undefined when it does not exist. */
export function readKeysFile(path: string): KeyState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AuthError('AUTH_ERR_KEYS_INVALID', [`${path}: ${(err as Error).message}`], { cause: err });
  }
  return parseKeyState(text, path);
}

/**
 * Writes the keys file with owner-only permissions (0600 file in a 0700 directory), atomically:
 * a reader (the running server on SIGHUP) never sees a half-written file.
 */
export function writeKeysFile(path: string, state: KeyState): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/**
 * Parses key state from the keys-file format (`{version:1, keys:[{kid, alg, createdAt, activatesAt,
 * retiresAt?, jwk}]}`) or from a plain private JWKS (`{keys:[jwk…]}`, as AUTH_JWKS may carry): then
 * every key is current, and the first key of each alg signs.
 */
export function parseKeyState(text: string, source: string): KeyState {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new AuthError('AUTH_ERR_KEYS_INVALID', [`${source}: not JSON (${(cause as Error).message})`], { cause });
  }
  const keys = (doc as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) throw new AuthError('AUTH_ERR_KEYS_INVALID', [`${source}: expected an object with a "keys" array`]);
  const problems: string[] = [];
  const out: StoredKey[] = keys.map((item, i) => {
    const plain = item && typeof item === 'object' && !('jwk' in item);
    const key = (plain ? { jwk: item } : item) as Partial<StoredKey> & { jwk?: Record<string, unknown> };
    const jwk = key.jwk ?? {};
    const alg = (key.alg ?? jwk.alg) as SigningAlg;
    const kid = (key.kid ?? jwk.kid) as string;
    if (!SIGNING_ALGS.includes(alg)) problems.push(`${source} keys[${i}]: alg must be one of ${SIGNING_ALGS.join(', ')}`);
    if (typeof kid !== 'string' || !kid) problems.push(`${source} keys[${i}]: kid is required`);
    if (typeof jwk.d !== 'string') problems.push(`${source} keys[${i}]: jwk must be a private key (no "d")`);
    // Plain JWKS keys have no timestamps: all current since the epoch, earlier entries activating later so they win.
    const createdAt = key.createdAt ?? new Date(0).toISOString();
    const activatesAt = key.activatesAt ?? new Date(keys.length - i).toISOString();
    for (const [field, value] of [['createdAt', createdAt], ['activatesAt', activatesAt], ['retiresAt', key.retiresAt]] as const) {
      if (value !== undefined && Number.isNaN(Date.parse(value))) problems.push(`${source} keys[${i}].${field}: not a date`);
    }
    const stored: StoredKey = { kid, alg, createdAt, activatesAt, jwk: { ...jwk, kid, alg, use: 'sig' } };
    if (key.retiresAt) stored.retiresAt = key.retiresAt;
    return stored;
  });
  if (problems.length) throw new AuthError('AUTH_ERR_KEYS_INVALID', problems);
  return { version: 1, keys: out };
}
