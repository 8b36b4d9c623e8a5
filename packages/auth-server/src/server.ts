import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type Provider from 'oidc-provider';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { AuthError, errorBody } from './errors.js';
import type { AuthServerConfig, SigningAlg } from './config/types.js';
import { loadConfigFile } from './config/load-config.js';
import { systemClock, type Clock } from './clock.js';
import { createKeyManager, type KeySource } from './keys/key-manager.js';
import { computeKeyView, type KeyView } from './keys/key-set.js';
import { createMemoryStore } from './storage/memory-adapter.js';
import { createRedisAdapterFactory } from './storage/redis-adapter.js';
import { createAccountStore } from './provider/accounts.js';
import { createProvider } from './provider/create-provider.js';
import { createInteractionHandler } from './interactions/interaction-handler.js';
import { createLoginThrottle } from './interactions/login-throttle.js';
import { findProductionProblems } from './production-checks.js';

/** How to start an auth server in-process (the gateway's e2e tests use this too). */
export interface StartAuthServerOptions {
  /** A validated config, or the path of a YAML config file. */
  config: AuthServerConfig | string;
  /** Bind address. Default 127.0.0.1. */
  host?: string;
  /** TCP port; 0 picks a free one. Default 9000. */
  port?: number;
  /** Public issuer URL. Default: `http://host:port` with the bound port when port is 0, else config.issuer. */
  issuer?: string;
  /** Keys file overriding config.keys.file. */
  keysFile?: string;
  /** Private JWKS or keys-file JSON (AUTH_JWKS); wins over the keys file. */
  jwks?: string;
  /** Production mode: refuse development defaults, never generate keys. Default false. */
  production?: boolean;
  /** Clock for key rotation decisions and login throttling windows. Default Date.now. */
  clock?: Clock;
  /** Pino logger. Default: silent. */
  logger?: Logger;
  /** Environment used to read the YAML file when `config` is a path. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** A running auth server. */
export interface RunningAuthServer {
  issuer: string;
  /** Base URL actually listened on (same as issuer unless a proxy is in front). */
  url: string;
  port: number;
  /** The oidc-provider instance serving right now (replaced when the published keys change). */
  provider(): Provider;
  /** Re-reads the keys and rebuilds the provider when the published or signing keys changed. */
  refreshKeys(): boolean;
  /** The key view in force. */
  keyView(): KeyView;
  close(): Promise<void>;
}

export async function startAuthServer(options: StartAuthServerOptions): Promise<RunningAuthServer> {
  const config = typeof options.config === 'string' ? loadConfigFile(options.config, options.env) : options.config;
  const logger = options.logger ?? pino({ level: 'silent' });
  const clock = options.clock ?? systemClock;
  const host = options.host ?? '127.0.0.1';
  const keysFile = options.keysFile ?? config.keys.file;
  const production = options.production ?? false;

  if (production) {
    // The issuer for a port-0 start is only known after binding; production never binds port 0 blindly.
    const issuer = options.issuer ?? config.issuer;
    const problems = await findProductionProblems(config, issuer, { jwksFromEnv: Boolean(options.jwks), keysFileExists: existsSync(keysFile) });
    if (problems.length) throw new AuthError('AUTH_ERR_PRODUCTION_DEFAULTS', problems);
  }

  const source: KeySource = options.jwks ? { kind: 'env', json: options.jwks } : { kind: 'file', path: keysFile, generate: !production };
  const keys = createKeyManager({ source, algs: config.keys.algs, clock });
  let view = keys.reload();

  // Generated cookie keys (development) live as long as the process, across provider rebuilds.
  const cookieKeys = config.cookieKeys.length ? config.cookieKeys : [randomBytes(32).toString('base64url')];
  let redis: Redis | undefined;
  let adapter;
  if (config.storage.kind === 'redis') {
    redis = new Redis(config.storage.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    await redis.connect();
    adapter = createRedisAdapterFactory(redis, config.storage.keyPrefix);
  } else {
    adapter = createMemoryStore({ maxEntries: config.storage.memoryMaxEntries }).factory;
  }
  const accounts = createAccountStore(config.users);
  const throttle = createLoginThrottle({ maxFailures: config.login.maxFailures, windowSeconds: config.login.windowSeconds, maxKeys: config.login.maxTrackedKeys, clock });

  let provider: Provider | undefined;
  let callback: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  let interactions: ReturnType<typeof createInteractionHandler> | undefined;

  const server = createServer((req, res) => {
    void dispatch(req, res);
  });
  async function dispatch(req: IncomingMessage, res: ServerResponse) {
    if (req.url === '/health') {
      res.writeHead(provider ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: provider ? 'ok' : 'starting' }));
      return;
    }
    if (!provider || !callback || !interactions) {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(errorBody(new AuthError('AUTH_ERR_INTERNAL'))));
      return;
    }
    if (await interactions(req, res)) return;
    callback(req, res);
  }

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9000, host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  // The issuer must be the URL clients reach; with port 0 only the bound port tells it.
  const issuer = options.issuer ?? (options.port === 0 ? url : config.issuer);

  const build = (next: KeyView) => {
    const publishedKids = new Set(next.published.map((key) => key.kid));
    const built = createProvider({
      issuer,
      config,
      keys: next,
      // The live kid switches at activation time exactly; it is only used once this provider
      // publishes it, otherwise the kid this provider was built for keeps signing.
      signingKid: (alg) => {
        const live = computeKeyView(keys.state(), clock()).signing.get(alg as SigningAlg);
        return live && publishedKids.has(live) ? live : next.signing.get(alg as SigningAlg);
      },
      cookieKeys,
      adapter,
      accounts,
    });
    built.on('server_error', (_ctx, err) => logger.error({ err }, 'server_error'));
    provider = built;
    callback = built.callback() as unknown as (req: IncomingMessage, res: ServerResponse) => void;
    interactions = createInteractionHandler({ provider: () => built, config, accounts, origin: new URL(issuer).origin, logger, throttle });
    view = next;
    logger.info({ signing: Object.fromEntries(next.signing), published: next.published.map((key) => key.kid) }, 'keys');
  };
  try {
    build(view);
  } catch (err) {
    server.close();
    await redis?.quit();
    throw err;
  }

  const refreshKeys = () => {
    try {
      const next = keys.reload();
      if (next.fingerprint === view.fingerprint) return false;
      build(next);
      return true;
    } catch (err) {
      // A broken keys file must not take the server down: the last good keys keep serving.
      logger.error({ err }, 'keys_reload_failed');
      return false;
    }
  };
  const timer = setInterval(refreshKeys, config.keys.refreshIntervalSeconds * 1000);
  timer.unref();

  return {
    issuer,
    url,
    port,
    provider: () => provider as Provider,
    refreshKeys,
    keyView: () => view,
    async close() {
      clearInterval(timer);
      await new Promise<void>((resolvePromise) => {
        server.close(() => resolvePromise());
        server.closeIdleConnections();
        // Requests still running get a short grace period; then their sockets are closed.
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      });
      await redis?.quit();
    },
  };
}
