/**
 * The gateway process: `portero start --config FILE` (bin/portero.mjs, which calls `start` and
 * whose first line sets the gateway's Node options, a 32 MB semi-space), or `node dist/main.js
 * --config FILE`, which runs with whatever options that `node` command line gives (Node's defaults
 * when none). Loads and validates the file, starts both listeners and logs where they listen;
 * SIGHUP reloads the dynamic config; SIGTERM / SIGINT drain (stop accepting, let in-flight
 * requests finish within limits.drainTimeoutMs, close pools) and exit 0.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { loadConfigFile } from './config/load.js';
import { createGateway, type Gateway, type GatewayOptions } from './gateway.js';
import { createLogger } from './logging/logger.js';

export interface StartOptions {
  configFile: string;
  env?: NodeJS.ProcessEnv;
  adminPlugins?: GatewayOptions['adminPlugins'];
  createBalancer?: GatewayOptions['createBalancer'];
  /** Install SIGHUP/SIGTERM/SIGINT handlers and exit when drained (default true). */
  handleSignals?: boolean;
}

export const DEFAULT_CONFIG_FILE = 'config/local.yaml';

function exitAfterFlush(gateway: Gateway, code: number): void {
  gateway.logger.flush(() => process.exit(code));
}

/** Starts the gateway from a config file; rejects (after logging every error) when it is invalid. */
export async function start(options: StartOptions): Promise<Gateway> {
  const env = options.env ?? process.env;
  const loaded = await loadConfigFile(options.configFile, env);
  if (!loaded.ok) {
    const logger = createLogger({ level: 'info' });
    logger.fatal({ file: options.configFile, errors: loaded.errors }, 'invalid configuration');
    logger.flush();
    throw new Error(`invalid configuration in ${options.configFile}`);
  }
  const gateway = createGateway({
    config: loaded.config,
    configFile: options.configFile,
    env,
    adminPlugins: options.adminPlugins,
    createBalancer: options.createBalancer,
  });
  const { port, adminPort } = await gateway.listen();
  const { listener, admin } = gateway.config();
  gateway.logger.info({ url: `http://${listener.host}:${port}`, adminUrl: `http://${admin.host}:${adminPort}` }, 'listening');
  gateway.logger.flush();
  if (options.handleSignals !== false) {
    process.on('SIGHUP', () => void gateway.reload());
    const shutdown = (signal: string) => {
      gateway.logger.info({ signal }, 'draining');
      gateway.close().then(
        () => exitAfterFlush(gateway, 0),
        (err: unknown) => {
          gateway.logger.error({ err }, 'drain failed');
          exitAfterFlush(gateway, 1);
        },
      );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
    // Last resort: the request path handles its own errors; anything reaching here is a bug.
    process.on('unhandledRejection', (reason) => gateway.logger.error({ err: reason }, 'unhandled promise rejection'));
    process.on('uncaughtException', (err) => {
      gateway.logger.fatal({ err }, 'uncaught exception; exiting');
      exitAfterFlush(gateway, 1);
    });
  }
  return gateway;
}

const USAGE = 'usage: node main.js [--config FILE]   (or: portero start --config FILE; PORTERO_CONFIG=FILE)';

async function runFromCommandLine(): Promise<void> {
  let values: { config?: string | undefined };
  try {
    ({ values } = parseArgs({ options: { config: { type: 'string', short: 'c' } }, strict: true }));
  } catch (err) {
    // A mistyped option is a usage error (exit 2, as `portero`), not a stack trace.
    console.error(`portero: ${(err as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const configFile = values.config ?? process.env.PORTERO_CONFIG ?? DEFAULT_CONFIG_FILE;
  try {
    await start({ configFile });
  } catch (err) {
    // An invalid config was already logged line by line; anything else (a port in use, an
    // unreadable file) still gets one clear line instead of a silent exit 1.
    console.error(`portero: cannot start: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void runFromCommandLine();
