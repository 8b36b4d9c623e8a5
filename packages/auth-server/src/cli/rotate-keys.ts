/**
 * Signing key rotation on the keys file (the running server picks changes up within
 * keys.refreshIntervalSeconds, or at once on SIGHUP):
 *
 *   rotate-keys [--alg RS256|ES256]   stage 1: publish a new key; it signs after keys.promoteDelaySeconds
 *   rotate-keys --promote [--alg …]   stage 2 now: the staged key signs from now on
 *   rotate-keys --status              print the keys and what each does now
 *
 * The replaced key stays published until the longest token lifetime after the switch, then
 * retires by itself; retired keys are pruned from the file by the next rotate-keys run.
 * Environment: AUTH_CONFIG, AUTH_KEYS_FILE (as for the server).
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../config/load-config.js';
import type { SigningAlg } from '../config/types.js';
import { AuthError } from '../errors.js';
import { rotateKeys } from '../keys/rotate.js';

const { values } = parseArgs({
  options: { alg: { type: 'string', default: 'RS256' }, promote: { type: 'boolean', default: false }, status: { type: 'boolean', default: false } },
});

try {
  const config = loadConfigFile(process.env.AUTH_CONFIG ?? fileURLToPath(new URL('../../../../config/auth-server.yaml', import.meta.url)));
  const file = process.env.AUTH_KEYS_FILE ?? config.keys.file;
  const action = values.status ? 'status' : values.promote ? 'promote' : 'stage';
  const result = rotateKeys({ config, file, alg: values.alg as SigningAlg, action, now: Date.now() });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} catch (err) {
  process.stderr.write(`rotate-keys: ${err instanceof AuthError ? `${err.code}: ${err.message}` : String(err)}\n`);
  process.exit(1);
}
