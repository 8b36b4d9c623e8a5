import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createServiceHealth } from '../src/health/service-health.js';
import { createManualClock } from '../src/health/manual-clock.js';
import { createResilienceMetrics } from '../src/health/resilience-metrics.js';
import { createWeightedRoundRobinBalancer } from '../src/service/balancers/weighted-round-robin.js';
import type { Endpoint } from '../src/service/types.js';

const ep = (id: string): Endpoint => ({ id, origin: `http://${id}`, weight: 1 });
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
const outlierDetection = { consecutive5xx: 5, consecutiveGatewayFailure: 2, baseEjectionTimeMs: 10_000, maxEjectionTimeMs: 60_000, maxEjectionPercent: 100 };
const activeCheck = { path: '/h', intervalMs: 1000, timeoutMs: 500, healthyThreshold: 1, unhealthyThreshold: 1 };

function setup(probeResults: Map<string, boolean>) {
  const clock = createManualClock();
  const registry = new Registry();
  const metrics = createResilienceMetrics(registry);
  const balancer = createWeightedRoundRobinBalancer();
  const health = createServiceHealth({
    service: 'orders',
    balancer,
    activeCheck,
    outlierDetection,
    probe: async (e) => probeResults.get(e.id) ?? true,
    clock: clock.now,
    scheduler: clock.scheduler,
    metrics,
  });
  return { clock, registry, balancer, health };
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values as { labels: Record<string, string>; value: number }[] | undefined)?.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value;
}

test('passive ejection removes an endpoint from the balancer; the ejection expiring brings it back', async (t) => {
  const { clock, health, balancer, registry } = setup(new Map());
  t.after(() => health.close());
  health.setEndpoints([ep('a'), ep('b')]);
  health.report('a', { kind: 'error', error: 'connect' });
  health.report('a', { kind: 'error', error: 'connect' });
  assert.deepEqual(health.available().map((e) => e.id), ['b']);
  for (let i = 0; i < 10; i++) assert.equal(balancer.pick({})!.id, 'b');
  assert.equal(await metricValue(registry, 'portero_endpoint_healthy', { endpoint: 'a' }), 0);
  assert.equal(await metricValue(registry, 'portero_outlier_ejections_total', { service: 'orders' }), 1);
  clock.advance(10_000);
  assert.deepEqual(health.available().map((e) => e.id), ['a', 'b']);
  assert.equal(await metricValue(registry, 'portero_endpoint_healthy', { endpoint: 'a' }), 1);
});

test('a passing active check brings an ejected endpoint back before the ejection ends', async (t) => {
  const { clock, health } = setup(new Map());
  t.after(() => health.close());
  health.setEndpoints([ep('a'), ep('b')]);
  clock.advance(0);
  await flush();
  health.report('a', { kind: 'response', status: 503 });
  health.report('a', { kind: 'response', status: 503 });
  assert.equal(health.snapshot().find((s) => s.id === 'a')!.available, false);
  clock.advance(activeCheck.intervalMs);
  await flush();
  assert.equal(health.snapshot().find((s) => s.id === 'a')!.available, true);
});

test('active checks take a dead endpoint out and bring it back when it recovers', async (t) => {
  const results = new Map([['a', false]]);
  const { clock, health } = setup(results);
  t.after(() => health.close());
  health.setEndpoints([ep('a'), ep('b')]);
  clock.advance(0);
  await flush();
  assert.deepEqual(health.available().map((e) => e.id), ['b']);
  results.set('a', true);
  clock.advance(activeCheck.intervalMs);
  await flush();
  assert.deepEqual(health.available().map((e) => e.id), ['a', 'b']);
});

test('every endpoint unhealthy: nothing available, pick is undefined, Retry-After says when to come back', async (t) => {
  const results = new Map([['c', false]]);
  const { clock, health, balancer } = setup(results);
  t.after(() => health.close());
  health.setEndpoints([ep('a'), ep('b'), ep('c')]);
  clock.advance(0);
  await flush();
  for (const id of ['a', 'b']) for (let i = 0; i < 2; i++) health.report(id, { kind: 'response', status: 502 });
  assert.deepEqual(health.available(), []);
  assert.equal(balancer.pick({}), undefined);
  // 'c' may be back after one active cycle (1 s); 'a' and 'b' after their 10 s ejection.
  assert.equal(health.retryAfterSeconds(), 1);
  results.set('c', true);
  // 'a' and 'b' keep failing (a passing probe would end their ejection early).
  results.set('a', false);
  results.set('b', false);
  clock.advance(activeCheck.intervalMs);
  await flush();
  assert.deepEqual(health.available().map((e) => e.id), ['c']);
});

test('Retry-After follows the soonest ejection end when only outlier detection is on', async (t) => {
  const clock = createManualClock();
  const balancer = createWeightedRoundRobinBalancer();
  const health = createServiceHealth({ service: 's', balancer, outlierDetection, clock: clock.now, scheduler: clock.scheduler });
  t.after(() => health.close());
  health.setEndpoints([ep('a')]);
  health.report('a', { kind: 'error', error: 'reset' });
  health.report('a', { kind: 'error', error: 'reset' });
  assert.equal(health.retryAfterSeconds(), 10);
  clock.advance(7_500);
  assert.equal(health.retryAfterSeconds(), 3);
  health.setEndpoints([]);
  assert.equal(health.retryAfterSeconds(), 1);
});

test('without active checks or outlier detection every provider endpoint is available', async (t) => {
  const balancer = createWeightedRoundRobinBalancer();
  const health = createServiceHealth({ service: 's', balancer });
  t.after(() => health.close());
  health.setEndpoints([ep('a'), ep('b')]);
  for (let i = 0; i < 20; i++) health.report('a', { kind: 'response', status: 503 });
  assert.deepEqual(health.available().map((e) => e.id), ['a', 'b']);
});
