import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';

test('defaults', () => {
  const config = loadConfig({}, '/srv/app');
  assert.deepEqual(config, {
    host: '127.0.0.1',
    port: 3000,
    databaseUrl: undefined,
    sqlitePath: '/srv/app/var/customers.sqlite',
    sqliteBusyTimeoutMs: 5000,
    pgPoolMax: 10,
    bodyLimitBytes: 65536,
    logLevel: 'info',
    cacheControl: 'private, no-cache',
    pageSizeDefault: 20,
    pageSizeMax: 100,
    readinessTimeoutMs: 2000,
    shutdownDrainDelayMs: 0,
    shutdownTimeoutMs: 10000,
  });
});

test('every variable is read', () => {
  const config = loadConfig(
    {
      HOST: '0.0.0.0',
      PORT: '0',
      DATABASE_URL: 'postgres://u@db:5432/customers',
      SQLITE_PATH: 'data/c.sqlite',
      SQLITE_BUSY_TIMEOUT_MS: '100',
      PG_POOL_MAX: '3',
      BODY_LIMIT_BYTES: '1024',
      LOG_LEVEL: 'warn',
      CUSTOMER_CACHE_CONTROL: 'private, max-age=5',
      PAGE_SIZE_DEFAULT: '5',
      PAGE_SIZE_MAX: '10',
      READINESS_TIMEOUT_MS: '50',
      SHUTDOWN_DRAIN_DELAY_MS: '250',
      SHUTDOWN_TIMEOUT_MS: '3000',
    },
    '/srv',
  );
  assert.deepEqual(config, {
    host: '0.0.0.0',
    port: 0,
    databaseUrl: 'postgres://u@db:5432/customers',
    sqlitePath: '/srv/data/c.sqlite',
    sqliteBusyTimeoutMs: 100,
    pgPoolMax: 3,
    bodyLimitBytes: 1024,
    logLevel: 'warn',
    cacheControl: 'private, max-age=5',
    pageSizeDefault: 5,
    pageSizeMax: 10,
    readinessTimeoutMs: 50,
    shutdownDrainDelayMs: 250,
    shutdownTimeoutMs: 3000,
  });
  assert.equal(loadConfig({ SQLITE_PATH: ':memory:' }).sqlitePath, ':memory:');
});

test('invalid values are refused with the variable named', () => {
  const cases: Record<string, string>[] = [
    { PORT: '70000' },
    { PORT: 'abc' },
    { PORT: '-1' },
    { DATABASE_URL: 'mysql://x' },
    { LOG_LEVEL: 'loud' },
    { BODY_LIMIT_BYTES: '0' },
    { PAGE_SIZE_DEFAULT: '50', PAGE_SIZE_MAX: '10' },
  ];
  for (const env of cases) {
    assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && error.message.includes(Object.keys(env)[0]!), JSON.stringify(env));
  }
});
