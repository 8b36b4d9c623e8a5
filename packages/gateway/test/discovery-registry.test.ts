import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { createEmbeddedRegistry } from '../src/discovery/embedded-registry.js';
import { createRegistryAdminPlugin } from '../src/discovery/registry-admin-plugin.js';
import { createRegistryClient } from '../src/discovery/registry-client.js';
import { createManualClock } from '../src/health/manual-clock.js';
import type { Endpoint } from '../src/service/types.js';

const TOKEN = 'registration-token-0123456789';

function setupRegistry(config = {}) {
  const clock = createManualClock(Date.parse('2026-01-01T00:00:00Z'));
  const events: string[] = [];
  const registry = createEmbeddedRegistry({ config: { defaultTtlSeconds: 10, minTtlSeconds: 2, maxTtlSeconds: 60, sweepIntervalMs: 1000, ...config }, clock: clock.now, scheduler: clock.scheduler, onEvent: (e) => events.push(`${e.type}:${e.service}:${e.id}`) });
  const lists: (readonly Endpoint[])[] = [];
  registry.subscribe('orders', (e) => lists.push(e));
  return { clock, registry, lists, events };
}

test('registry: register, list, heartbeat keeps the lease, silence expires it', async (t) => {
  const { clock, registry, lists, events } = setupRegistry();
  t.after(() => registry.close());
  assert.deepEqual(lists, [[]]);
  const r = registry.register('orders', { id: 'o-1', url: 'http://127.0.0.1:3001', weight: 3 });
  assert.deepEqual(r, { ok: true, id: 'o-1', ttlSeconds: 10, created: true });
  assert.deepEqual(lists.at(-1), [{ id: 'o-1', origin: 'http://127.0.0.1:3001', weight: 3 }]);
  // Heartbeats every 5 s keep it for a minute.
  for (let i = 0; i < 12; i++) {
    clock.advance(5000);
    assert.deepEqual(registry.heartbeat('orders', 'o-1'), { ttlSeconds: 10 });
  }
  assert.equal(lists.at(-1)!.length, 1);
  // Heartbeats stop: gone once the lease ends (within one sweep interval).
  clock.advance(9000);
  assert.equal(lists.at(-1)!.length, 1);
  clock.advance(1000);
  assert.deepEqual(lists.at(-1), []);
  assert.equal(registry.heartbeat('orders', 'o-1'), undefined);
  assert.deepEqual(events, ['registered:orders:o-1', 'expired:orders:o-1']);
});

test('registry: explicit deregistration removes at once; unknown ids are reported', async (t) => {
  const { registry, lists, events } = setupRegistry();
  t.after(() => registry.close());
  registry.register('orders', { id: 'a', url: 'http://127.0.0.1:1' });
  registry.register('orders', { id: 'b', url: 'http://127.0.0.1:2' });
  assert.equal(registry.deregister('orders', 'a'), true);
  assert.deepEqual(lists.at(-1)!.map((e) => e.id), ['b']);
  assert.equal(registry.deregister('orders', 'a'), false);
  assert.equal(registry.deregister('nope', 'a'), false);
  assert.deepEqual(events, ['registered:orders:a', 'registered:orders:b', 'deregistered:orders:a']);
});

test('registry: TTL clamped; same URL without id renews the same instance; generated ids', async (t) => {
  const { registry } = setupRegistry();
  t.after(() => registry.close());
  const first = registry.register('orders', { url: 'http://127.0.0.1:7000', ttlSeconds: 1 });
  assert.equal(first.ok && first.ttlSeconds, 2);
  const again = registry.register('orders', { url: 'http://127.0.0.1:7000', ttlSeconds: 999 });
  assert.equal(again.ok && again.ttlSeconds, 60);
  assert.equal(again.ok && first.ok && again.id === first.id, true);
  assert.equal(again.ok && again.created, false);
  assert.equal(registry.instances('orders').length, 1);
  assert.deepEqual(registry.register('orders', { url: 'http://127.0.0.1:7000/path' }), { ok: false, reason: 'bad-url' });
});

test('registry: maxInstancesPerService and maxServices are enforced', async (t) => {
  const { registry } = setupRegistry({ maxInstancesPerService: 2, maxServices: 2 });
  t.after(() => registry.close());
  assert.equal(registry.register('orders', { id: 'a', url: 'http://h:1' }).ok, true);
  assert.equal(registry.register('orders', { id: 'b', url: 'http://h:2' }).ok, true);
  assert.deepEqual(registry.register('orders', { id: 'c', url: 'http://h:3' }), { ok: false, reason: 'too-many-instances' });
  // Re-registering an existing id is not a new instance.
  assert.equal(registry.register('orders', { id: 'b', url: 'http://h:22' }).ok, true);
  assert.equal(registry.register('users', { id: 'u', url: 'http://h:4' }).ok, true);
  assert.deepEqual(registry.register('third', { id: 't', url: 'http://h:5' }), { ok: false, reason: 'too-many-services' });
});

async function setupApi(t: TestContext, token: string | null = TOKEN) {
  const { clock, registry, lists } = setupRegistry();
  const app = Fastify();
  await app.register(createRegistryAdminPlugin({ registry, token: token ?? undefined }));
  t.after(async () => {
    await app.close();
    await registry.close();
  });
  return { app, clock, registry, lists };
}

const auth = { authorization: `Bearer ${TOKEN}` };

const apiCases: { name: string; method: 'POST' | 'PUT' | 'DELETE' | 'GET'; url: string; headers?: Record<string, string>; body?: unknown; status: number; code?: string }[] = [
  { name: 'no token', method: 'POST', url: '/registry/services/orders/instances', body: { url: 'http://h:1' }, status: 401, code: 'GW_ERR_REGISTRY_UNAUTHORIZED' },
  { name: 'wrong token', method: 'POST', url: '/registry/services/orders/instances', headers: { authorization: 'Bearer nope' }, body: { url: 'http://h:1' }, status: 401, code: 'GW_ERR_REGISTRY_UNAUTHORIZED' },
  { name: 'token as Basic', method: 'GET', url: '/registry/services/orders/instances', headers: { authorization: `Basic ${TOKEN}` }, status: 401, code: 'GW_ERR_REGISTRY_UNAUTHORIZED' },
  { name: 'bad url', method: 'POST', url: '/registry/services/orders/instances', headers: auth, body: { url: 'http://h:1/x' }, status: 400, code: 'GW_ERR_REGISTRY_BAD_REQUEST' },
  { name: 'unknown field', method: 'POST', url: '/registry/services/orders/instances', headers: auth, body: { url: 'http://h:1', extra: 1 }, status: 400, code: 'GW_ERR_REGISTRY_BAD_REQUEST' },
  { name: 'weight out of range', method: 'POST', url: '/registry/services/orders/instances', headers: auth, body: { url: 'http://h:1', weight: 0 }, status: 400, code: 'GW_ERR_REGISTRY_BAD_REQUEST' },
  { name: 'bad service name', method: 'POST', url: '/registry/services/Or%20ders/instances', headers: auth, body: { url: 'http://h:1' }, status: 400, code: 'GW_ERR_REGISTRY_BAD_REQUEST' },
  { name: 'heartbeat of unknown instance', method: 'PUT', url: '/registry/services/orders/instances/zz/heartbeat', headers: auth, status: 404, code: 'GW_ERR_REGISTRY_INSTANCE_NOT_FOUND' },
  { name: 'delete of unknown instance', method: 'DELETE', url: '/registry/services/orders/instances/zz', headers: auth, status: 404, code: 'GW_ERR_REGISTRY_INSTANCE_NOT_FOUND' },
  { name: 'register', method: 'POST', url: '/registry/services/orders/instances', headers: auth, body: { id: 'o-1', url: 'http://127.0.0.1:3001', weight: 2, ttlSeconds: 5 }, status: 201 },
];
for (const c of apiCases) {
  test(`registry API: ${c.name} → ${c.status}${c.code ? ` ${c.code}` : ''}`, async (t) => {
    const { app } = await setupApi(t);
    const res = await app.inject({ method: c.method, url: c.url, headers: c.headers, payload: c.body as object | undefined });
    assert.equal(res.statusCode, c.status);
    if (c.code) assert.equal(res.json().error.code, c.code);
  });
}

test('registry API: without a configured token every call answers 503', async (t) => {
  const { app } = await setupApi(t, null);
  const res = await app.inject({ method: 'GET', url: '/registry/services/orders/instances', headers: auth });
  assert.equal(res.statusCode, 503);
  assert.equal(res.json().error.code, 'GW_ERR_REGISTRY_DISABLED');
});

test('registry API: register → heartbeat → list → deregister, and the provider follows', async (t) => {
  const { app, lists, clock } = await setupApi(t);
  const reg = await app.inject({ method: 'POST', url: '/registry/services/orders/instances', headers: auth, payload: { url: 'http://127.0.0.1:3001', ttlSeconds: 5 } });
  assert.equal(reg.statusCode, 201);
  const { id, ttlSeconds } = reg.json();
  assert.equal(ttlSeconds, 5);
  assert.deepEqual(lists.at(-1), [{ id, origin: 'http://127.0.0.1:3001', weight: 1 }]);
  clock.advance(4000);
  const hb = await app.inject({ method: 'PUT', url: `/registry/services/orders/instances/${id}/heartbeat`, headers: auth });
  assert.deepEqual(hb.json(), { id, ttlSeconds: 5 });
  clock.advance(4000);
  const list = await app.inject({ method: 'GET', url: '/registry/services/orders/instances', headers: auth });
  assert.deepEqual(list.json().instances.map((i: { id: string; url: string }) => [i.id, i.url]), [[id, 'http://127.0.0.1:3001']]);
  const del = await app.inject({ method: 'DELETE', url: `/registry/services/orders/instances/${id}`, headers: auth });
  assert.equal(del.statusCode, 204);
  assert.deepEqual(lists.at(-1), []);
});

test('registry client: registers, heartbeats keep it alive, re-registers after expiry, deregisters on stop', async (t) => {
  const { app, clock, registry, lists } = await setupApi(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const flushFetch = async (check: () => boolean) => {
    for (let i = 0; i < 5000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  };
  const clientTimers = createManualClock();
  const errors: Error[] = [];
  const client = createRegistryClient({ registryUrl: `http://127.0.0.1:${port}/`, token: TOKEN, service: 'orders', url: 'http://127.0.0.1:3001', id: 'cs-1', ttlSeconds: 6, timers: clientTimers.scheduler, onError: (e) => errors.push(e) });
  assert.deepEqual(await client.start(), { id: 'cs-1', ttlSeconds: 6 });
  assert.equal(client.id(), 'cs-1');
  assert.deepEqual(lists.at(-1)!.map((e) => e.id), ['cs-1']);

  // One heartbeat (every 2 s of a 6 s lease) renews the lease.
  const before = registry.instances('orders')[0]!.expiresAt;
  clock.advance(2000);
  clientTimers.advance(2000);
  // Wait until the heartbeat was answered and the client set its next timer.
  await flushFetch(() => registry.instances('orders')[0]!.expiresAt > before && clientTimers.pending() === 1);
  assert.ok(registry.instances('orders')[0]!.expiresAt > before);

  // The gateway loses the instance (lease lapsed): the next heartbeat gets 404 and registers again.
  clock.advance(6000);
  assert.deepEqual(lists.at(-1), []);
  clientTimers.advance(2000);
  await flushFetch(() => registry.instances('orders').length === 1 && clientTimers.pending() === 1);
  assert.deepEqual(lists.at(-1)!.map((e) => e.id), ['cs-1']);

  await client.stop();
  assert.deepEqual(lists.at(-1), []);
  assert.equal(clientTimers.pending(), 0);
  assert.deepEqual(errors, []);
});

test('registry client: start rejects with the registry error code', async (t) => {
  const { app } = await setupApi(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const client = createRegistryClient({ registryUrl: `http://127.0.0.1:${port}`, token: 'wrong-token-xxxxxxxx', service: 'orders', url: 'http://127.0.0.1:3001' });
  await assert.rejects(client.start(), { name: 'RegistryClientError', status: 401, code: 'GW_ERR_REGISTRY_UNAUTHORIZED' });
});
