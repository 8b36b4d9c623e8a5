/**
 * Starts the auth server: `node --import tsx packages/auth-server/src/main.ts`.
 * Environment: AUTH_CONFIG (YAML path, default config/auth-server.yaml of the repo), HOST
 * (127.0.0.1), PORT (9000; 0 picks a free port and the issuer follows it), AUTH_ISSUER,
 * AUTH_KEYS_FILE, AUTH_JWKS, AUTH_COOKIE_KEYS, AUTH_STORAGE=redis + AUTH_REDIS_URL + AUTH_REDIS_PREFIX,
 * NODE_ENV/AUTH_MODE=production, LOG_LEVEL.
 * SIGHUP re-reads the keys file; SIGTERM/SIGINT close gracefully. The only argument is `--help`;
 * any other is a usage error (exit 2), since it would otherwise be ignored.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { AuthError } from './errors.js';

const USAGE =
  'usage: node dist/main.js [--help]\nconfigured by environment variables (AUTH_CONFIG names the YAML file of clients, users and scopes; HOST, PORT, AUTH_ISSUER, AUTH_KEYS_FILE, AUTH_JWKS, AUTH_COOKIE_KEYS, AUTH_STORAGE, AUTH_REDIS_URL, AUTH_REDIS_PREFIX, NODE_ENV or AUTH_MODE, LOG_LEVEL; see packages/auth-server/README.md)';
try {
  const { values, tokens } = parseArgs({ options: { help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false, tokens: true });
  // parseArgs accepts a lone `--`; it is refused like any other argument.
  if (tokens.some((t) => t.kind === 'option-terminator')) throw new Error("Unexpected argument '--'");
  if (values.help === true) {
    console.log(USAGE);
    process.exit(0);
  }
} catch (err) {
  console.error(`auth-server: ${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}

// Loaded after the argument check, so a usage error comes before oidc-provider's start-up warning.
const { startAuthServer } = await import('./server.js');

const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'auth-server' } });
const production = process.env.NODE_ENV === 'production' || process.env.AUTH_MODE === 'production';
const configPath = process.env.AUTH_CONFIG ?? fileURLToPath(new URL('../../../config/auth-server.yaml', import.meta.url));
const port = process.env.PORT === undefined || process.env.PORT === '' ? 9000 : Number(process.env.PORT);

try {
  const server = await startAuthServer({
    config: configPath,
    host: process.env.HOST || '127.0.0.1',
    port,
    ...(process.env.AUTH_KEYS_FILE ? { keysFile: process.env.AUTH_KEYS_FILE } : {}),
    ...(process.env.AUTH_JWKS ? { jwks: process.env.AUTH_JWKS } : {}),
    production,
    logger,
  });
  logger.info({ url: server.url, issuer: server.issuer, mode: production ? 'production' : 'development' }, 'listening');

  process.on('SIGHUP', () => {
    logger.info({ changed: server.refreshKeys() }, 'keys_refreshed');
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'close_failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (err) {
  if (err instanceof AuthError) {
    logger.fatal({ code: err.code, details: err.details }, err.message);
  } else {
    logger.fatal({ err }, 'start_failed');
  }
  // pino writes synchronously to stdout by default, so the message is out before exiting.
  process.exit(1);
}
