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
  /** SQLITE_BUSY_TIMEOUT_MS: how long a SQLite write waits for another process holding the lock; also bounds the retries of the switch to WAL at start-up. Default 5000. */
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
  /** Self-registration with service discovery (REGISTRY and friends). */
  registration: RegistrationConfig;
}

/** Where and how the instance announces itself to the gateways. */
export type RegistrationConfig =
  | { kind: 'none' }
  | (RegistrationCommon & {
      kind: 'embedded';
      /** REGISTRY_URL: origin of the gateway's admin listener, e.g. http://127.0.0.1:8081. Required. */
      registryUrl: string;
      /** REGISTRY_TOKEN: the registration token (not the admin token). Required. */
      registryToken: string;
      /** REGISTRY_REQUEST_TIMEOUT_MS: time each register/heartbeat/deregister call may take. Default 2000. */
      requestTimeoutMs: number;
    })
  | (RegistrationCommon & {
      kind: 'etcd';
      /** ETCD_URL: etcd endpoints, comma-separated. Default http://127.0.0.1:2379. */
      etcdHosts: string[];
      /** ETCD_PREFIX: key prefix the gateways watch; ends with `/`. Default /portero/services/. */
      etcdPrefix: string;
    });

interface RegistrationCommon {
  /** SERVICE_NAME: the service this instance belongs to (gateway `discovery` service name). Default customers. */
  serviceName: string;
  /** ADVERTISE_URL: origin the gateway should call; unset: the listening URL with the real port. */
  advertiseUrl: string | undefined;
  /** INSTANCE_ID: stable instance id; unset: derived from the advertised host and port. */
  instanceId: string | undefined;
  /** REGISTRY_TTL_SECONDS: lease asked for; the instance disappears this long after it stops renewing. Default 15. */
  ttlSeconds: number;
  /** REGISTRY_RETRY_INITIAL_MS: wait after the first failed registration; doubles per failure. Default 500. */
  retryInitialMs: number;
  /** REGISTRY_RETRY_MAX_MS: longest wait between registration attempts. Default 30000. */
  retryMaxMs: number;
  /** REGISTRY_DEREGISTER_TIMEOUT_MS: after SIGTERM, how long deregistration may take before draining goes on without it. Default 2000. */
  deregisterTimeoutMs: number;
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
    registration: readRegistration(env),
  };
}

// Same patterns as the registry's own API, so a bad name fails here, at start, with a clear message.
const SERVICE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

function readOrigin(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an http:// or https:// URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must be an http:// or https:// URL, got "${raw}"`);
  return url.origin;
}

function readRegistration(env: NodeJS.ProcessEnv): RegistrationConfig {
  const kind = env.REGISTRY || 'none';
  if (kind === 'none') return { kind };
  if (kind !== 'embedded' && kind !== 'etcd') throw new ConfigError(`REGISTRY must be one of none, embedded, etcd, got "${kind}"`);
  const serviceName = env.SERVICE_NAME || 'customers';
  if (!SERVICE_NAME.test(serviceName)) throw new ConfigError('SERVICE_NAME must be 1..64 of lowercase letters, digits, "-" and "_", starting with a letter or digit');
  const instanceId = env.INSTANCE_ID || undefined;
  if (instanceId !== undefined && !INSTANCE_ID.test(instanceId)) throw new ConfigError('INSTANCE_ID must be 1..128 of letters, digits, ".", "_", ":" and "-", starting with a letter or digit');
  const retryInitialMs = readInteger(env, 'REGISTRY_RETRY_INITIAL_MS', 500, 1, 600_000);
  const retryMaxMs = readInteger(env, 'REGISTRY_RETRY_MAX_MS', Math.max(30_000, retryInitialMs), 1, 3_600_000);
  if (retryMaxMs < retryInitialMs) throw new ConfigError('REGISTRY_RETRY_MAX_MS must not be below REGISTRY_RETRY_INITIAL_MS');
  const common: RegistrationCommon = {
    serviceName,
    advertiseUrl: env.ADVERTISE_URL ? readOrigin('ADVERTISE_URL', env.ADVERTISE_URL) : undefined,
    instanceId,
    // etcd refuses leases shorter than about 2 s, and the embedded registry raises them to 2 s.
    ttlSeconds: readInteger(env, 'REGISTRY_TTL_SECONDS', 15, 2, 3600),
    retryInitialMs,
    retryMaxMs,
    deregisterTimeoutMs: readInteger(env, 'REGISTRY_DEREGISTER_TIMEOUT_MS', 2000, 1, 600_000),
  };
  if (kind === 'embedded') {
    if (!env.REGISTRY_URL) throw new ConfigError('REGISTRY_URL is required with REGISTRY=embedded (the gateway admin origin, e.g. http://127.0.0.1:8081)');
    if (!env.REGISTRY_TOKEN) throw new ConfigError('REGISTRY_TOKEN is required with REGISTRY=embedded (the registration token)');
    return {
      kind,
      ...common,
      registryUrl: readOrigin('REGISTRY_URL', env.REGISTRY_URL),
      registryToken: env.REGISTRY_TOKEN,
      requestTimeoutMs: readInteger(env, 'REGISTRY_REQUEST_TIMEOUT_MS', 2000, 1, 600_000),
    };
  }
  const etcdHosts = (env.ETCD_URL || 'http://127.0.0.1:2379').split(',').map((h) => h.trim()).filter((h) => h !== '').map((h) => readOrigin('ETCD_URL', h));
  if (etcdHosts.length === 0) throw new ConfigError('ETCD_URL must list at least one etcd endpoint');
  const etcdPrefix = env.ETCD_PREFIX || '/portero/services/';
  if (!etcdPrefix.endsWith('/')) throw new ConfigError(`ETCD_PREFIX must end with "/", got "${etcdPrefix}"`);
  return { kind, ...common, etcdHosts, etcdPrefix };
}

/** Creates the folder of a SQLite file so a fresh checkout starts without manual steps. */
export function ensureSqliteDirectory(sqlitePath: string): void {
  if (sqlitePath !== ':memory:') mkdirSync(dirname(sqlitePath), { recursive: true });
}
