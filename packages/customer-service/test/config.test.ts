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
    registration: { kind: 'none' },
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
    registration: { kind: 'none' },
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
    { REGISTRY: 'consul' },
    { REGISTRY_URL: '', REGISTRY: 'embedded', REGISTRY_TOKEN: 't' },
    { REGISTRY_TOKEN: '', REGISTRY: 'embedded', REGISTRY_URL: 'http://127.0.0.1:8081' },
    { REGISTRY_URL: 'ftp://gw', REGISTRY: 'embedded', REGISTRY_TOKEN: 't' },
    { SERVICE_NAME: 'Customers!', REGISTRY: 'etcd' },
    { INSTANCE_ID: '-bad', REGISTRY: 'etcd' },
    { ADVERTISE_URL: 'not a url', REGISTRY: 'etcd' },
    { ETCD_URL: 'etcd:2379', REGISTRY: 'etcd' },
    { ETCD_PREFIX: '/portero/services', REGISTRY: 'etcd' },
    { REGISTRY_TTL_SECONDS: '1', REGISTRY: 'etcd' },
    { REGISTRY_RETRY_MAX_MS: '100', REGISTRY: 'etcd', REGISTRY_RETRY_INITIAL_MS: '1000' },
    { REGISTRY_DEREGISTER_TIMEOUT_MS: '0', REGISTRY: 'etcd' },
    { REGISTRY_REQUEST_TIMEOUT_MS: '0', REGISTRY: 'embedded', REGISTRY_URL: 'http://127.0.0.1:8081', REGISTRY_TOKEN: 't' },
  ];
  for (const env of cases) {
    assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && error.message.includes(Object.keys(env)[0]!), JSON.stringify(env));
  }
});

test('registration: embedded and etcd defaults', () => {
  // What every registration kind defaults to.
  const common = {
    serviceName: 'customers',
    advertiseUrl: undefined,
    instanceId: undefined,
    ttlSeconds: 15,
    retryInitialMs: 500,
    retryMaxMs: 30000,
    deregisterTimeoutMs: 2000,
  };
  assert.deepEqual(loadConfig({ REGISTRY: 'embedded', REGISTRY_URL: 'http://127.0.0.1:8081/', REGISTRY_TOKEN: 'reg-token' }).registration, {
    kind: 'embedded',
    ...common,
    registryUrl: 'http://127.0.0.1:8081',
    registryToken: 'reg-token',
    requestTimeoutMs: 2000,
  });
  assert.deepEqual(loadConfig({ REGISTRY: 'etcd' }).registration, {
    kind: 'etcd',
    ...common,
    etcdHosts: ['http://127.0.0.1:2379'],
    etcdPrefix: '/portero/services/',
  });
});

test('registration: every variable is read', () => {
  assert.deepEqual(
    loadConfig({
      REGISTRY: 'etcd',
      ETCD_URL: 'http://etcd-1:2379, http://etcd-2:2379',
      ETCD_PREFIX: '/p/',
      SERVICE_NAME: 'customers-eu',
      ADVERTISE_URL: 'http://10.0.0.5:3001',
      INSTANCE_ID: 'node-a.1',
      REGISTRY_TTL_SECONDS: '2',
      REGISTRY_RETRY_INITIAL_MS: '50',
      REGISTRY_RETRY_MAX_MS: '400',
      REGISTRY_DEREGISTER_TIMEOUT_MS: '300',
    }).registration,
    {
      kind: 'etcd',
      serviceName: 'customers-eu',
      advertiseUrl: 'http://10.0.0.5:3001',
      instanceId: 'node-a.1',
      ttlSeconds: 2,
      retryInitialMs: 50,
      retryMaxMs: 400,
      deregisterTimeoutMs: 300,
      etcdHosts: ['http://etcd-1:2379', 'http://etcd-2:2379'],
      etcdPrefix: '/p/',
    },
  );
  const embedded = loadConfig({ REGISTRY: 'embedded', REGISTRY_URL: 'https://gw:8443', REGISTRY_TOKEN: 't', REGISTRY_REQUEST_TIMEOUT_MS: '750' }).registration;
  assert.equal(embedded.kind === 'embedded' && embedded.requestTimeoutMs, 750);
  assert.equal(embedded.kind === 'embedded' && embedded.registryUrl, 'https://gw:8443');
});
