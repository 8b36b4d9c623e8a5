import { parseArgs } from 'node:util';
import pino from 'pino';
import { ConfigError, loadConfig } from './config.js';
import { startService } from './lifecycle.js';
import { createRegistrationHooks } from './registration/registration-hooks.js';

const USAGE =
  'usage: node dist/main.js [--help]\nconfigured by environment variables only (PORT, HOST, SQLITE_PATH or DATABASE_URL, REGISTRY, LOG_LEVEL, ...; see packages/customer-service/README.md)';

/** False when the process should exit now: `--help` was asked for, or an argument is not known (exit 2). */
function checkArgs(): boolean {
  try {
    const { values, tokens } = parseArgs({ options: { help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false, tokens: true });
    // parseArgs accepts a lone `--`; it is refused like any other argument.
    if (tokens.some((t) => t.kind === 'option-terminator')) throw new Error("Unexpected argument '--'");
    if (values.help !== true) return true;
    console.log(USAGE);
  } catch (error) {
    // The settings are environment variables: an argument would be silently ignored otherwise.
    console.error(`customer-service: ${(error as Error).message}\n${USAGE}`);
    process.exitCode = 2;
  }
  return false;
}

/**
 * Process entry point: configuration from the environment, JSON logs on stdout, migrations,
 * listen, self-registration (REGISTRY), and a graceful stop on SIGTERM/SIGINT (deregister, drain)
 * bounded by SHUTDOWN_TIMEOUT_MS. The only argument is `--help`.
 */
async function main(): Promise<void> {
  if (!checkArgs()) return;
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    pino().fatal({ err: { message: error.message } }, 'invalid configuration');
    process.exitCode = 1;
    return;
  }
  const logger = pino({ level: config.logLevel, base: { service: 'customer-service', pid: process.pid } });
  let service;
  try {
    service = await startService(config, logger, createRegistrationHooks(config.registration, logger));
  } catch (error) {
    logger.fatal({ err: error }, 'start failed');
    process.exitCode = 1;
    return;
  }

  const onSignal = (signal: NodeJS.Signals) => {
    // A stuck request or database must not keep the process alive forever; unref() keeps this
    // timer from delaying a clean exit.
    setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    service.shutdown(signal).then(
      () => {
        process.exitCode = 0;
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

await main();
