import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { ServiceSchema, type ServiceConfig } from '../src/config/schema.js';
import { defaultBalancerFactory } from '../src/service/balancer-registry.js';
import { createRoundRobinBalancer } from '../src/service/round-robin.js';
import { createServiceRuntime, type TryOutcome } from '../src/service/service-runtime.js';

function service(partial: Record<string, unknown>): ServiceConfig {
  return Value.Default(ServiceSchema, structuredClone(partial)) as ServiceConfig;
}

const e = (n: number) => ({ id: `e${n}`, origin: `http://127.0.0.1:${9000 + n}`, weight: 1 });

test('round robin: cycles in order, honours exclude, undefined when empty or all excluded', () => {
  const rr = createRoundRobinBalancer();
  assert.equal(rr.pick({}), undefined);
  rr.update([e(1), e(2), e(3)]);
  assert.deepEqual([1, 2, 3, 4].map(() => rr.pick({})?.id), ['e1', 'e2', 'e3', 'e1']);
  assert.equal(rr.pick({ exclude: new Set(['e2']) })?.id, 'e3');
  assert.equal(rr.pick({ exclude: new Set(['e1', 'e2', 'e3']) }), undefined);
});

test('ServiceRuntime: picks over available endpoints; health hook removes and restores one', async (t) => {
  const runtime = createServiceRuntime({
    name: 'svc',
    config: service({ endpoints: [{ url: 'http://127.0.0.1:9001' }, { url: 'http://127.0.0.1:9002' }] }),
    createBalancer: defaultBalancerFactory,
  });
  t.after(() => runtime.close());
  const picks = () => [1, 2, 3, 4].map(() => runtime.pickEndpoint({})?.endpoint.id);
  assert.deepEqual(picks(), ['http://127.0.0.1:9001', 'http://127.0.0.1:9002', 'http://127.0.0.1:9001', 'http://127.0.0.1:9002']);
  runtime.setEndpointAvailable('http://127.0.0.1:9001', false);
  assert.deepEqual(picks(), Array(4).fill('http://127.0.0.1:9002'));
  runtime.setEndpointAvailable('http://127.0.0.1:9002', false);
  assert.equal(runtime.pickEndpoint({}), undefined);
  runtime.setEndpointAvailable('http://127.0.0.1:9001', true);
  assert.equal(runtime.pickEndpoint({})?.endpoint.id, 'http://127.0.0.1:9001');
  assert.equal(runtime.endpointState('http://127.0.0.1:9002')?.available, false);
});

test('ServiceRuntime: reportResult reaches onResult subscribers until they unsubscribe', async (t) => {
  const runtime = createServiceRuntime({ name: 'svc', config: service({ endpoints: [{ url: 'http://127.0.0.1:9001' }] }), createBalancer: defaultBalancerFactory });
  t.after(() => runtime.close());
  const seen: [string, TryOutcome][] = [];
  const off = runtime.onResult((id, outcome) => seen.push([id, outcome]));
  runtime.reportResult('a', { kind: 'response', status: 503 });
  off();
  runtime.reportResult('a', { kind: 'error', error: 'reset' });
  assert.deepEqual(seen, [['a', { kind: 'response', status: 503 }]]);
});

test('ServiceRuntime: pools are reused when origin and pool options are unchanged, replaced otherwise', async (t) => {
  const config = service({ endpoints: [{ url: 'http://127.0.0.1:9001' }, { url: 'http://127.0.0.1:9002' }] });
  const runtime = createServiceRuntime({ name: 'svc', config, createBalancer: defaultBalancerFactory });
  t.after(() => runtime.close());
  const pool1 = runtime.endpointState('http://127.0.0.1:9001')?.pool;
  const pool2 = runtime.endpointState('http://127.0.0.1:9002')?.pool;
  runtime.update(service({ endpoints: [{ url: 'http://127.0.0.1:9001', weight: 5 }, { url: 'http://127.0.0.1:9003' }] }));
  assert.equal(runtime.endpointState('http://127.0.0.1:9001')?.pool, pool1);
  assert.equal(runtime.endpointState('http://127.0.0.1:9001')?.endpoint.weight, 5);
  assert.equal(runtime.endpointState('http://127.0.0.1:9002'), undefined);
  assert.equal(pool2?.closed, true);
  runtime.update(service({ endpoints: [{ url: 'http://127.0.0.1:9001' }], connectionsPerEndpoint: 7 }));
  assert.notEqual(runtime.endpointState('http://127.0.0.1:9001')?.pool, pool1);
  assert.equal(pool1?.closed, true);
});

test('ServiceRuntime: active counts per endpoint and the queue limit are tracked per try', async (t) => {
  const runtime = createServiceRuntime({
    name: 'svc',
    config: service({ endpoints: [{ url: 'http://127.0.0.1:9001' }], connectionsPerEndpoint: 2, maxPendingPerEndpoint: 3 }),
    createBalancer: defaultBalancerFactory,
  });
  t.after(() => runtime.close());
  assert.equal(runtime.maxActivePerEndpoint, 5);
  const state = runtime.pickEndpoint({});
  assert.ok(state);
  runtime.tryStarted(state);
  runtime.tryStarted(state);
  runtime.tryFinished(state);
  assert.equal(state.active, 1);
});

test('unknown load-balancing policies are refused by the default factory', () => {
  assert.throws(() => defaultBalancerFactory('nope'));
});

test('ServiceRuntime: a discovered service keeps its pushed endpoints and pools across a config update', async (t) => {
  const runtime = createServiceRuntime({ name: 'svc', config: service({ discovery: { provider: 'registry' } }), createBalancer: defaultBalancerFactory });
  t.after(() => runtime.close());
  runtime.setEndpoints([e(1), e(2)]);
  const pool = runtime.endpointState('e1')?.pool;
  runtime.update(service({ discovery: { provider: 'registry' }, responseTimeoutMs: 1234 }));
  assert.deepEqual(runtime.endpoints().map((s) => s.endpoint.id), ['e1', 'e2']);
  assert.notEqual(runtime.endpointState('e1')?.pool, pool);
  const repooled = runtime.endpointState('e1')?.pool;
  runtime.update(service({ discovery: { provider: 'registry' }, responseTimeoutMs: 1234, maxPendingPerEndpoint: 5 }));
  assert.equal(runtime.endpointState('e1')?.pool, repooled);
  runtime.update(service({ endpoints: [{ url: 'http://127.0.0.1:9009' }] }));
  assert.deepEqual(runtime.endpoints().map((s) => s.endpoint.id), ['http://127.0.0.1:9009']);
});
