import type { AuthServerConfig } from './config/types.js';
import { verifyPassword } from './passwords/scrypt.js';

/** Secrets and passwords of the seeded local system; production refuses them. */
export const DEMO_CLIENT_SECRETS = ['demo-writer-secret', 'demo-reader-secret', 'demo-web-secret'];
export const DEMO_PASSWORDS = ['alice-password', 'bob-password'];
/** Shortest client secret and cookie key production accepts, in characters. */
export const MIN_PRODUCTION_SECRET_LENGTH = 32;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface KeySourceFacts {
  /** AUTH_JWKS is set. */
  jwksFromEnv: boolean;
  /** The keys file exists (it would be generated otherwise). */
  keysFileExists: boolean;
}

/**
 * Lists every development default a production start would rely on; empty means good to go.
 * Each message names the problem and the setting that fixes it.
 */
export async function findProductionProblems(config: AuthServerConfig, issuer: string, keys: KeySourceFacts): Promise<string[]> {
  const problems: string[] = [];
  for (const client of config.clients) {
    if (client.clientSecret === undefined) continue;
    if (DEMO_CLIENT_SECRETS.includes(client.clientSecret)) problems.push(`clients ${client.clientId}: uses the demo client secret`);
    else if (client.clientSecret.length < MIN_PRODUCTION_SECRET_LENGTH) problems.push(`clients ${client.clientId}: clientSecret is shorter than ${MIN_PRODUCTION_SECRET_LENGTH} characters`);
  }
  for (const user of config.users) {
    for (const demo of DEMO_PASSWORDS) {
      if (await verifyPassword(demo, user.passwordHash)) problems.push(`users ${user.username}: uses a documented demo password`);
    }
  }
  if (config.cookieKeys.length === 0) problems.push('cookies.keys is empty: cookie signing keys would be generated at start (set AUTH_COOKIE_KEYS)');
  else if (config.cookieKeys.some((key) => key.length < MIN_PRODUCTION_SECRET_LENGTH)) problems.push(`cookies.keys: every key needs at least ${MIN_PRODUCTION_SECRET_LENGTH} characters`);
  if (!keys.jwksFromEnv && !keys.keysFileExists) problems.push(`signing keys would be generated: provide AUTH_JWKS or a provisioned keys file at ${config.keys.file} (AUTH_KEYS_FILE)`);
  const url = new URL(issuer);
  if (url.protocol !== 'https:' && !LOOPBACK.has(url.hostname)) problems.push(`issuer ${issuer} must use https (set AUTH_ISSUER)`);
  return problems;
}
