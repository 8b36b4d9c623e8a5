import { AuthError } from '../errors.js';
import type { SigningAlg } from '../config/types.js';
import type { Clock } from '../clock.js';
import { generateSigningKey } from './generate-key.js';
import { computeKeyView, type KeyState, type KeyView } from './key-set.js';
import { parseKeyState, readKeysFile, writeKeysFile } from './keys-file.js';

/** Where keys come from: a keys file (optionally generated in development) or the AUTH_JWKS variable. */
export type KeySource =
  | { kind: 'file'; path: string; /** Generate missing keys (development only). */ generate: boolean }
  | { kind: 'env'; json: string };

/** Loads key state and answers which keys sign and which are published at the current instant. */
export interface KeyManager {
  /** Re-reads the source (the rotate-keys CLI edits the file) and recomputes the view at clock(). */
  reload(): KeyView;
  /** The state last loaded. */
  state(): KeyState;
  /** Recomputes the view of the last loaded state at clock() without touching the source. */
  view(): KeyView;
}

export function createKeyManager(options: { source: KeySource; algs: SigningAlg[]; clock: Clock }): KeyManager {
  const { source, algs, clock } = options;
  let current: KeyState = { version: 1, keys: [] };

  const read = (): KeyState => {
    if (source.kind === 'env') return parseKeyState(source.json, 'AUTH_JWKS');
    const found = readKeysFile(source.path);
    if (!source.generate) {
      if (!found) throw new AuthError('AUTH_ERR_KEYS_MISSING', [`${source.path} does not exist (provide it, or AUTH_JWKS)`]);
      return found;
    }
    const state = found ?? { version: 1 as const, keys: [] };
    const now = clock();
    const view = computeKeyView(state, now);
    const missing = algs.filter((alg) => !view.signing.has(alg));
    if (missing.length === 0) return state;
    // Development: a key that signs right away for every configured alg that has none.
    const stamp = new Date(now).toISOString();
    const next: KeyState = { version: 1, keys: [...state.keys, ...missing.map((alg) => ({ ...generateSigningKey(alg), createdAt: stamp, activatesAt: stamp }))] };
    writeKeysFile(source.path, next);
    return next;
  };

  const check = (view: KeyView): KeyView => {
    const missing = algs.filter((alg) => !view.signing.has(alg));
    if (missing.length) throw new AuthError('AUTH_ERR_KEYS_MISSING', missing.map((alg) => `no ${alg} key is active now`));
    return view;
  };

  return {
    reload() {
      const next = read();
      const view = check(computeKeyView(next, clock()));
      current = next;
      return view;
    },
    state: () => current,
    view: () => check(computeKeyView(current, clock())),
  };
}
