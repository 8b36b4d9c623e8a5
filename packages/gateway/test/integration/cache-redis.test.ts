/**
 * The Redis cache Store against a real Redis (PORTERO_TEST_REDIS_URL, default
 * redis://127.0.0.1:6379): the Store contract, invalidation broadcast between replicas, two
 * gateways sharing one cache, and Redis going down and coming back behind a TCP proxy we control.
 * Every test uses its own key prefix and leaves no key behind.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { CACHE_RUNTIME_RESOURCE } from '../../src/cache/create-store.js';
import { createRedisStore, type RedisCacheStore } from '../../src/cache/redis-store.js';
import type { CacheRuntime } from '../../src/cache/runtime.js';
import type { CachedResponse, InvalidationEvent } from '../../src/cache/store.js';
import type { Gateway } from '../../src/gateway.js';
import { makeConfig, send, startGateway, startUpstream } from '../support/data-plane.js';

const REDIS_URL = process.env.PORTERO_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function uniquePrefix(): string {
  return `portero:test:cache:${randomUUID()}:`;
}

/** Asserts no key is left under `prefix` and closes the checking connection. */
async function assertNoKeys(t: TestContext, prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  t.after(() => redis.disconnect());
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  assert.deepEqual(keys, []);
}

function store(t: TestContext, prefix: string, url = REDIS_URL, extra: Partial<Parameters<typeof createRedisStore>[0]> = {}): RedisCacheStore {
  const s = createRedisStore({ url, keyPrefix: prefix, maxEntryBytes: 64 * 1024, commandTimeoutMs: 500, connectTimeoutMs: 1000, reconnectMaxDelayMs: 100, maxPendingInvalidations: 100, ...extra });
  t.after(() => s.close());
  return s;
}

function entry(body: string, ttlMs = 60_000): CachedResponse {
  return {
    kind: 'response', status: 200, headers: { 'content-type': 'text/plain', 'content-length': String(body.length) }, body: Buffer.from(body),
    vary: [], varyValues: [], responseTime: Date.now(), initialAgeSeconds: 0, freshnessSeconds: 60, staleWhileRevalidateSeconds: 0,
    staleIfErrorSeconds: 0, noCache: false, mustRevalidate: false, authorizedOk: false, etag: '"e"', lastModified: undefined, expiresAt: Date.now() + ttlMs,
  };
}

test('Redis store: get/set round trip, TTL, path and prefix deletes, clear only its own prefix', async (t) => {
  const prefix = uniquePrefix();
  const other = uniquePrefix();
  const s = store(t, prefix);
  const neighbour = store(t, other);
  await Promise.all([s.ready(), neighbour.ready()]);
  await s.set('k1', '/api/customers', entry('list'));
  await s.set('k2', '/api/customers/1', entry('one'));
  await s.set('k3', '/api/customers/1', { kind: 'vary', headers: ['accept'], expiresAt: Date.now() + 60_000 });
  await s.set('k4', '/api/customersx', entry('x'));
  await neighbour.set('k1', '/api/customers', entry('neighbour'));
  const got = await s.get('k2');
  assert.equal(got?.kind, 'response');
  assert.equal((got as CachedResponse).body.toString(), 'one');
  assert.deepEqual(await s.get('k3'), { kind: 'vary', headers: ['accept'], expiresAt: (await s.get('k3'))?.expiresAt });

  const redis = new Redis(REDIS_URL);
  t.after(() => redis.disconnect());
  const ttl = await redis.pttl(`${prefix}e:k2`);
  assert.ok(ttl > 0 && ttl <= 60_000);

  assert.equal(await s.deletePath('/api/customers/1'), 2);
  assert.equal(await s.get('k2'), undefined);
  assert.equal(await s.deletePrefix('/api/customers'), 1);
  assert.ok(await s.get('k4'));
  assert.ok(await neighbour.get('k1'));
  assert.ok((await s.clear()) >= 1);
  assert.equal(await s.get('k4'), undefined);
  assert.ok(await neighbour.get('k1'));
  await neighbour.clear();
  await assertNoKeys(t, prefix);
  await assertNoKeys(t, other);
});

test('Redis store: records past maxEntryBytes or already expired are not written', async (t) => {
  const prefix = uniquePrefix();
  const s = store(t, prefix, REDIS_URL, { maxEntryBytes: 2048 });
  await s.ready();
  await s.set('big', '/big', entry('x'.repeat(4096)));
  await s.set('old', '/old', entry('x', -1));
  assert.equal(await s.get('big'), undefined);
  assert.equal(await s.get('old'), undefined);
  await assertNoKeys(t, prefix);
});

test('Redis store: invalidations reach every replica sharing the prefix', async (t) => {
  const prefix = uniquePrefix();
  const a = store(t, prefix);
  const b = store(t, prefix);
  await Promise.all([a.ready(), b.ready()]);
  const seen: InvalidationEvent[] = [];
  const arrived = new Promise<void>((resolve) => {
    b.onInvalidate((e) => {
      seen.push(e);
      if (seen.length === 3) resolve();
    });
  });
  await a.set('k', '/p', entry('v'));
  assert.ok(await b.get('k'));
  await a.deletePath('/p');
  await a.deletePrefix('/q');
  await a.clear();
  await arrived;
  assert.deepEqual(seen, [{ type: 'path', path: '/p' }, { type: 'prefix', prefix: '/q' }, { type: 'all' }]);
  assert.equal(await b.get('k'), undefined);
  await assertNoKeys(t, prefix);
});

function redisGatewayConfig(upstreamUrl: string, redisUrl: string, prefix: string) {
  return makeConfig({
    stores: { cache: { type: 'redis', url: redisUrl, keyPrefix: prefix, commandTimeoutMs: 200, reconnectMaxDelayMs: 100, errorLogIntervalMs: 60_000 } },
    services: { customers: { endpoints: [{ url: upstreamUrl }] } },
    routes: [{ id: 'customers', match: { path: '/api/customers' }, service: 'customers', filters: [{ cache: { invalidate: ['/api/customers'] } }] }],
  });
}

const answer = (req: IncomingMessage, res: ServerResponse) => {
  if (req.method !== 'GET') {
    res.writeHead(204);
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=600' });
  res.end(JSON.stringify({ url: req.url }));
};

async function runtimeOf(gateway: Gateway): Promise<CacheRuntime> {
  return gateway.resources.acquire<CacheRuntime>(CACHE_RUNTIME_RESOURCE, () => {
    throw new Error('no cache runtime');
  });
}

test('two gateways sharing Redis: one stores, the other hits; a write through one invalidates for both', async (t) => {
  const prefix = uniquePrefix();
  const upstream = await startUpstream(t, answer);
  const one = await startGateway(t, redisGatewayConfig(upstream.url, REDIS_URL, prefix));
  const two = await startGateway(t, redisGatewayConfig(upstream.url, REDIS_URL, prefix));
  await ((await runtimeOf(one.gateway)).store as RedisCacheStore).ready();
  await ((await runtimeOf(two.gateway)).store as RedisCacheStore).ready();
  const first = await send(`${one.url}/api/customers/3`);
  assert.equal(first.headers['cache-status'], 'Portero; fwd=uri-miss; stored');
  await send(`${one.url}/api/customers?page=1`);
  const shared = await send(`${two.url}/api/customers/3`);
  assert.match(String(shared.headers['cache-status']), /^Portero; hit/);
  assert.equal(shared.text, first.text);
  assert.equal(upstream.seen.length, 2);
  const del = await send(`${two.url}/api/customers/3`, { method: 'DELETE' });
  assert.equal(del.status, 204);
  const after = await send(`${one.url}/api/customers/3`);
  assert.match(String(after.headers['cache-status']), /fwd=uri-miss/);
  const list = await send(`${one.url}/api/customers?page=1`);
  assert.match(String(list.headers['cache-status']), /fwd=uri-miss/);
  assert.equal(upstream.seen.length, 5);
  await (await runtimeOf(one.gateway)).store.clear();
  await assertNoKeys(t, prefix);
});

/** A TCP proxy in front of Redis that the test can take down and bring back on the same port. */
async function startRedisProxy(t: TestContext): Promise<{ url: string; stop(): Promise<void>; start(): Promise<void> }> {
  const target = new URL(REDIS_URL);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const start = async () => {
    server = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      sockets.add(client);
      sockets.add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  };
  const stop = async () => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await start();
  t.after(stop);
  return { url: `redis://127.0.0.1:${port}`, stop, start };
}

test('Redis down and back: requests bypass the cache and succeed, with a log line and a metric; it recovers by itself', async (t) => {
  const prefix = uniquePrefix();
  const proxy = await startRedisProxy(t);
  const upstream = await startUpstream(t, answer);
  const gw = await startGateway(t, redisGatewayConfig(upstream.url, proxy.url, prefix));
  const runtime = await runtimeOf(gw.gateway);
  await (runtime.store as RedisCacheStore).ready();
  await send(`${gw.url}/api/customers/1`);
  assert.match(String((await send(`${gw.url}/api/customers/1`)).headers['cache-status']), /^Portero; hit/);

  await proxy.stop();
  for (let i = 0; i < 3; i++) {
    const res = await send(`${gw.url}/api/customers/1`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['cache-status'], 'Portero; fwd=bypass; detail=store-unavailable');
  }
  assert.equal(upstream.seen.length, 4);
  const metrics = await send(`${gw.adminUrl}/metrics`);
  assert.match(metrics.text, /^portero_cache_lookups_total\{route="customers",result="bypass"\} 3$/m);
  assert.match(metrics.text, /^portero_cache_store_errors_total\{operation="get"\} 3$/m);
  assert.ok(gw.logs.some((l) => l.msg === 'cache store unavailable; requests bypass the cache' && l.operation === 'get'));
  // Rate-limited: one line for the three failures (errorLogIntervalMs is a minute).
  assert.equal(gw.logs.filter((l) => l.msg === 'cache store unavailable; requests bypass the cache').length, 1);

  // A write during the outage succeeds; its invalidation is replayed when Redis is back.
  await send(`${gw.url}/api/customers/2`);
  const put = await send(`${gw.url}/api/customers/1`, { method: 'PUT', body: '{}', headers: { 'content-type': 'application/json' } });
  assert.equal(put.status, 204);
  assert.equal(upstream.seen.length, 6);

  await proxy.start();
  await (runtime.store as RedisCacheStore).ready();
  const refilled = await send(`${gw.url}/api/customers/1`);
  assert.match(String(refilled.headers['cache-status']), /^Portero; fwd=uri-miss; stored/);
  const back = await send(`${gw.url}/api/customers/1`);
  assert.match(String(back.headers['cache-status']), /^Portero; hit/);
  assert.equal(upstream.seen.length, 7);
  await runtime.store.clear();
  await assertNoKeys(t, prefix);
});

test('Redis slow: a command past commandTimeoutMs bypasses the cache', async (t) => {
  const prefix = uniquePrefix();
  // A "Redis" that accepts connections, answers the handshake, then goes silent.
  const sockets = new Set<Socket>();
  let silent = false;
  const real = new URL(REDIS_URL);
  const server = createServer((client) => {
    const upstream = connect(Number(real.port || 6379), real.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (d) => {
      if (!silent) upstream.write(d);
    });
    upstream.on('data', (d) => client.write(d));
    client.on('error', () => upstream.destroy()).on('close', () => upstream.destroy());
    upstream.on('error', () => client.destroy()).on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const url = `redis://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const s = store(t, prefix, url, { commandTimeoutMs: 50 });
  await s.ready();
  await s.set('k', '/p', entry('v'));
  silent = true;
  await assert.rejects(s.get('k'), /timed out/i);
  silent = false;
  const direct = store(t, prefix);
  await direct.ready();
  await direct.clear();
  await assertNoKeys(t, prefix);
});
