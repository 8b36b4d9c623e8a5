import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { GatewayConfigSchema, ServiceSchema, type ServiceConfig } from '../src/config/schema.js';
import { checkServiceResilience } from '../src/discovery/service-config-checks.js';

const service = (raw: Record<string, unknown>): ServiceConfig => {
  const withDefaults = Value.Default(ServiceSchema, structuredClone(raw)) as ServiceConfig;
  assert.equal(Value.Check(ServiceSchema, withDefaults), true, JSON.stringify([...Value.Errors(ServiceSchema, withDefaults)].map((e) => `${e.path} ${e.message}`)));
  return withDefaults;
};

test('defaults: static discovery, outlier detection, retries, budget and breaker on; active checks off', () => {
  const s = service({ endpoints: [{ url: 'http://127.0.0.1:3000' }] });
  assert.equal(s.discovery.provider, 'static');
  assert.equal(s.loadBalancer.policy, 'round-robin');
  assert.equal(s.healthCheck, undefined);
  assert.equal(s.outlierDetection.consecutiveGatewayFailure, 3);
  assert.deepEqual(s.retry.retryOn, ['connect-failure', 'reset', 'timeout', '502', '503', '504']);
  assert.equal(s.retryBudget.budgetPercent, 20);
  assert.equal(s.circuitBreaker.failureRatio, 0.5);
  assert.deepEqual(checkServiceResilience('s', s), []);
});

test('providers section defaults', () => {
  const config = Value.Default(GatewayConfigSchema, {}) as { providers: { registry: { token?: string; defaultTtlSeconds: number }; etcd: { prefix: string }; dns: { minRefreshMs: number } } };
  assert.equal(config.providers.registry.token, undefined);
  assert.equal(config.providers.registry.defaultTtlSeconds, 15);
  assert.equal(config.providers.etcd.prefix, '/portero/services/');
  assert.equal(config.providers.dns.minRefreshMs, 1000);
});

const issueCases: { name: string; raw: Record<string, unknown>; paths: string[] }[] = [
  { name: 'dns without target', raw: { discovery: { provider: 'dns' } }, paths: ['services.s.discovery.dns'] },
  { name: 'dns A without port', raw: { discovery: { provider: 'dns', dns: { name: 'x.test', type: 'A' } } }, paths: ['services.s.discovery.dns.port'] },
  { name: 'dns SRV without port is fine', raw: { discovery: { provider: 'dns', dns: { name: '_h._tcp.x.test', type: 'SRV' } } }, paths: [] },
  { name: 'dns target with registry', raw: { discovery: { provider: 'registry', dns: { name: 'x', type: 'A', port: 1 } } }, paths: ['services.s.discovery.dns'] },
  { name: 'static endpoints with etcd', raw: { endpoints: [{ url: 'http://h:1' }], discovery: { provider: 'etcd' } }, paths: ['services.s.endpoints'] },
  { name: 'discovery.name with static', raw: { discovery: { name: 'other' } }, paths: ['services.s.discovery.name'] },
  { name: 'consistent-hash without hashOn', raw: { loadBalancer: { policy: 'consistent-hash' } }, paths: ['services.s.loadBalancer.hashOn'] },
  { name: 'consistent-hash with header', raw: { loadBalancer: { policy: 'consistent-hash', hashOn: { header: 'x-user' } } }, paths: [] },
  { name: 'hashOn with least-request', raw: { loadBalancer: { policy: 'least-request', hashOn: { claim: 'sub' } } }, paths: ['services.s.loadBalancer.hashOn'] },
  { name: 'per-try timeout beyond deadline', raw: { retry: { perTryTimeoutMs: 20000, deadlineMs: 10000 } }, paths: ['services.s.retry.perTryTimeoutMs'] },
  { name: 'backoff base above max', raw: { retry: { backoffBaseMs: 500, backoffMaxMs: 100 } }, paths: ['services.s.retry.backoffBaseMs'] },
  { name: 'ejection base above max', raw: { outlierDetection: { baseEjectionTimeMs: 5000, maxEjectionTimeMs: 1000 } }, paths: ['services.s.outlierDetection.baseEjectionTimeMs'] },
  { name: 'health timeout not below interval', raw: { healthCheck: { path: '/h', intervalMs: 1000, timeoutMs: 1000 } }, paths: ['services.s.healthCheck.timeoutMs'] },
];
for (const c of issueCases) {
  test(`config checks: ${c.name}`, () => {
    assert.deepEqual(checkServiceResilience('s', service(c.raw)).map((i) => i.path), c.paths);
  });
}

const invalidCases: { name: string; raw: Record<string, unknown> }[] = [
  { name: 'unknown policy', raw: { loadBalancer: { policy: 'random' } } },
  { name: 'unknown provider', raw: { discovery: { provider: 'consul' } } },
  { name: 'unknown retryOn', raw: { retry: { retryOn: ['429'] } } },
  { name: 'hashOn with two keys', raw: { loadBalancer: { policy: 'consistent-hash', hashOn: { header: 'a', claim: 'b' } } } },
  { name: 'failureRatio above 1', raw: { circuitBreaker: { failureRatio: 1.5 } } },
  { name: 'maxEjectionPercent above 100', raw: { outlierDetection: { maxEjectionPercent: 101 } } },
];
for (const c of invalidCases) {
  test(`schema rejects: ${c.name}`, () => {
    const v = Value.Default(ServiceSchema, structuredClone(c.raw));
    assert.equal(Value.Check(ServiceSchema, v), false);
  });
}

test('validateConfig reports the cross-field checks with their paths and code', async () => {
  const { validateConfig } = await import('../src/config/validate.js');
  const result = validateConfig({
    services: { api: { discovery: { provider: 'dns', dns: { name: 'api.test', type: 'A' } }, loadBalancer: { policy: 'consistent-hash' } } },
    routes: [{ id: 'r', match: { path: '/' }, service: 'api' }],
  });
  assert.equal(result.ok, false);
  const errors = (result as { errors: { code: string; path: string }[] }).errors.filter((e) => e.code === 'CONFIG_SERVICE_RESILIENCE');
  assert.equal(errors.length, 2);
});
