import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Everything the service reads from the environment, parsed and checked once at start. */
export interface ServiceConfig {
  /** HOST: interface to listen on. Default 127.0.0.1 (loopback only; the gateway fronts it). */
  host: string;
  /** PORT: TCP port; 0 picks a free one (the real port is logged in the `listening` line). Default 3000. */
  port: number;
  /** DATABASE_URL: a postgres:// URL selects PostgreSQL; unset selects the embedded SQLite file. */
  databaseUrl: string | undefined;
  /** SQLITE_PATH: SQLite file, relative to the working directory; its folder is created. Default ./var/customers.sqlite. */
  sqlitePath: string;
  /** SQLITE_BUSY_TIMEOUT_MS: how long a SQLite write waits for another process holding the lock. Default 5000. */
  sqliteBusyTimeoutMs: number;
  /** PG_POOL_MAX: most PostgreSQL connections one instance opens. Default 10. */
  pgPoolMax: number;
  /** BODY_LIMIT_BYTES: largest accepted request body; larger ones get 413. Default 65536 (64 KiB). */
  bodyLimitBytes: number;
  /** LOG_LEVEL: pino level (fatal, error, warn, info, debug, trace, silent). Default info. */
  logLevel: string;
  /** CUSTOMER_CACHE_CONTROL: Cache-Control sent with customer reads. Default `private, no-cache` (shared caches must revalidate). */
  cacheControl: string;
  /** PAGE_SIZE_DEFAULT: items per page when `limit` is absent. Default 20. */
  pageSizeDefault: number;
  /** PAGE_SIZE_MAX: largest `limit` accepted; a larger one is refused with 400, not clamped. Default 100. */
  pageSizeMax: number;
  /** READINESS_TIMEOUT_MS: how long /health/ready waits for the database before answering 503. Default 2000. */
  readinessTimeoutMs: number;
  /** SHUTDOWN_DRAIN_DELAY_MS: after SIGTERM, how long to keep serving with /health/ready at 503 so balancers notice. Default 0. */
  shutdownDrainDelayMs: number;
  /** SHUTDOWN_TIMEOUT_MS: after SIGTERM, how long in-flight requests may take before the process exits anyway. Default 10000. */
  shutdownTimeoutMs: number;
}

/** A configuration value that cannot be used; the message names the variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

function readInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]+$/.test(raw)) throw new ConfigError(`${name} must be a non-negative integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): ServiceConfig {
  const databaseUrl = env.DATABASE_URL === '' ? undefined : env.DATABASE_URL;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL (leave it unset for SQLite)');
  }
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.has(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${[...LOG_LEVELS].join(', ')}`);
  const pageSizeMax = readInteger(env, 'PAGE_SIZE_MAX', 100, 1, 10_000);
  const pageSizeDefault = readInteger(env, 'PAGE_SIZE_DEFAULT', Math.min(20, pageSizeMax), 1, 10_000);
  if (pageSizeDefault > pageSizeMax) throw new ConfigError('PAGE_SIZE_DEFAULT must not exceed PAGE_SIZE_MAX');
  const sqlitePath = env.SQLITE_PATH === ':memory:' ? ':memory:' : resolve(cwd, env.SQLITE_PATH || './var/customers.sqlite');
  return {
    host: env.HOST || '127.0.0.1',
    port: readInteger(env, 'PORT', 3000, 0, 65_535),
    databaseUrl,
    sqlitePath,
    sqliteBusyTimeoutMs: readInteger(env, 'SQLITE_BUSY_TIMEOUT_MS', 5000, 0, 600_000),
    pgPoolMax: readInteger(env, 'PG_POOL_MAX', 10, 1, 1000),
    bodyLimitBytes: readInteger(env, 'BODY_LIMIT_BYTES', 64 * 1024, 1, 100 * 1024 * 1024),
    logLevel,
    cacheControl: env.CUSTOMER_CACHE_CONTROL || 'private, no-cache',
    pageSizeDefault,
    pageSizeMax,
    readinessTimeoutMs: readInteger(env, 'READINESS_TIMEOUT_MS', 2000, 1, 600_000),
    shutdownDrainDelayMs: readInteger(env, 'SHUTDOWN_DRAIN_DELAY_MS', 0, 0, 600_000),
    shutdownTimeoutMs: readInteger(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 1, 600_000),
  };
}

/** Creates the folder of a SQLite file so a fresh checkout starts without manual steps. */
export function ensureSqliteDirectory(sqlitePath: string): void {
  if (sqlitePath !== ':memory:') mkdirSync(dirname(sqlitePath), { recursive: true });
}
