/**
 * The cache filter inside a real gateway, in front of a real node:http upstream: hits and misses
 * over the wire, HEAD from GET, coalescing of concurrent misses, stale-while-revalidate through
 * the proxy (fetchUpstream), invalidation by writes, and the admin purge endpoint.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ServerResponse, IncomingMessage } from 'node:http';
import type { Gateway } from '../src/gateway.js';
import { cacheStoreFromResources, createCachePurgePlugin } from '../src/admin/cache-purge.js';
import { makeConfig, send, startGateway, startUpstream } from './support/data-plane.js';

const TOKEN = 'test-admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

type Handler = (req: IncomingMessage, res: ServerResponse, count: number) => void;

async function setup(t: TestContext, handler: Handler, cache: Record<string, unknown> = {}, extra: { resilience?: boolean } = {}) {
  let count = 0;
  const upstream = await startUpstream(t, (req, res) => handler(req, res, ++count));
  // The plugin is handed to createGateway, so it resolves the gateway's resources lazily.
  const holder: { gateway?: Gateway } = {};
  const resolver = () => {
    const gateway = holder.gateway;
    if (gateway === undefined) throw new Error('gateway not started');
    return cacheStoreFromResources(gateway.resources, () => gateway.config(), gateway.logger)();
  };
  const gw = await startGateway(
    t,
    makeConfig({
      services: { customers: { endpoints: [{ url: upstream.url }] } },
      routes: [{ id: 'customers', match: { path: '/api/customers' }, service: 'customers', filters: [{ cache }] }],
    }),
    { adminPlugins: [createCachePurgePlugin(resolver)], ...extra },
  );
  holder.gateway = gw.gateway;
  return { upstream, gw };
}

const json = (res: ServerResponse, headers: Record<string, string>, body: unknown, status = 200) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

test('miss then hit over the wire; HEAD from the GET entry', async (t) => {
  const { upstream, gw } = await setup(t, (req, res, n) => json(res, { 'cache-control': 'max-age=60' }, { n, url: req.url }));
  const miss = await send(`${gw.url}/api/customers/1?b=2&a=1`);
  assert.equal(miss.headers['cache-status'], 'Portero; fwd=uri-miss; stored');
  const hit = await send(`${gw.url}/api/customers/1?a=1&b=2`);
  assert.equal(hit.status, 200);
  assert.deepEqual(hit.json(), miss.json());
  assert.match(String(hit.headers['cache-status']), /^Portero; hit; ttl=\d+$/);
  assert.ok(hit.headers['age'] !== undefined);
  assert.ok(hit.headers['x-request-id'] !== undefined);
  const head = await send(`${gw.url}/api/customers/1?a=1&b=2`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
  assert.equal(head.headers['content-length'], String(Buffer.byteLength(miss.text)));
  assert.equal(upstream.seen.length, 1);
  const metrics = await send(`${gw.adminUrl}/metrics`);
  assert.match(metrics.text, /^portero_cache_lookups_total\{route="customers",result="hit"\} 2$/m);
  assert.match(metrics.text, /^portero_cache_stored_bytes [1-9]\d*$/m);
});

test('100 concurrent misses through the gateway reach the upstream once', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const { upstream, gw } = await setup(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' });
    res.write('first half,');
    void gate.then(() => res.end('second half'));
  });
  const all = Array.from({ length: 100 }, () => send(`${gw.url}/api/customers/7`));
  // Release the upstream once it has been asked; the other 99 are waiting by then or will hit.
  while (upstream.seen.length === 0) await new Promise<void>((r) => setImmediate(r));
  release();
  const answers = await Promise.all(all);
  assert.ok(answers.every((a) => a.status === 200 && a.text === 'first half,second half'));
  assert.equal(upstream.seen.length, 1);
});

for (const resilience of [true, false]) {
test(`stale-while-revalidate refreshes through the proxy with a new conditional upstream call (resilience ${resilience ? 'on' : 'off'})`, async (t) => {
  const { upstream, gw } = await setup(t, (req, res, n) => {
    if (req.headers['if-none-match'] === '"g1"' && n === 2) {
      res.writeHead(304, { etag: '"g1"', 'cache-control': 'max-age=0, stale-while-revalidate=600', 'x-gen': 'revalidated' });
      res.end();
      return;
    }
    json(res, { etag: `"g${n}"`, 'cache-control': 'max-age=0, stale-while-revalidate=600', 'x-gen': String(n) }, { n });
  }, {}, { resilience });
  await send(`${gw.url}/api/customers/9`);
  const stale = await send(`${gw.url}/api/customers/9`);
  assert.equal(stale.json().n, 1);
  assert.match(String(stale.headers['cache-status']), /detail=stale-while-revalidate/);
  // The refresh happens after the answer; later requests see the refreshed headers.
  // Polled against a deadline, not a request count: on a loaded machine the background refresh can
  // take longer than a burst of cache hits.
  let refreshed = stale;
  const deadline = Date.now() + 10_000;
  while (refreshed.headers['x-gen'] !== 'revalidated' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    refreshed = await send(`${gw.url}/api/customers/9`);
  }
  assert.equal(refreshed.headers['x-gen'], 'revalidated');
  assert.equal(refreshed.json().n, 1);
  assert.equal(upstream.seen[1]?.headers['if-none-match'], '"g1"');
});
}

test('a PUT invalidates the item and, with invalidate: [prefix], the list queries', async (t) => {
  const { upstream, gw } = await setup(
    t,
    (req, res, n) => {
      if (req.method === 'PUT') return json(res, {}, { updated: true });
      json(res, { 'cache-control': 'max-age=600' }, { n, url: req.url });
    },
    { invalidate: ['/api/customers'] },
  );
  await send(`${gw.url}/api/customers?page=1`);
  await send(`${gw.url}/api/customers/5`);
  await send(`${gw.url}/api/customers?page=1`);
  assert.equal(upstream.seen.length, 2);
  const put = await send(`${gw.url}/api/customers/5`, { method: 'PUT', body: '{}', headers: { 'content-type': 'application/json' } });
  assert.equal(put.headers['cache-status'], 'Portero; fwd=method');
  await send(`${gw.url}/api/customers?page=1`);
  await send(`${gw.url}/api/customers/5`);
  assert.equal(upstream.seen.length, 5);
});

test('admin purge: token required, body validated, by url, by prefix, everything', async (t) => {
  const { upstream, gw } = await setup(t, (req, res) => json(res, { 'cache-control': 'max-age=600' }, { url: req.url }));
  const paths = ['/api/customers/1', '/api/customers/1?x=1', '/api/customers/2', '/api/customers'];
  const warm = async () => {
    for (const p of paths) await send(gw.url + p);
  };
  await warm();
  const purge = (body: unknown, headers: Record<string, string> = auth) =>
    send(`${gw.adminUrl}/admin/cache/purge`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  assert.equal((await purge({ all: true }, {})).status, 401);
  for (const bad of [{}, { url: 'no-slash' }, { all: false }, { url: '/a', prefix: '/b' }, [1]]) {
    const res = await purge(bad);
    assert.equal(res.status, 400);
    assert.equal(res.json().error.code, 'GW_ERR_BAD_REQUEST');
  }
  assert.deepEqual((await purge({ url: 'http://gw.test/api/customers/1?y=2' })).json(), { purged: 2 });
  await warm();
  assert.equal(upstream.seen.length, 6);
  assert.deepEqual((await purge({ prefix: '/api/customers/' })).json(), { purged: 4 });
  await warm();
  assert.equal(upstream.seen.length, 10);
  assert.deepEqual((await purge({ all: true })).json(), { purged: 4 });
  await warm();
  assert.equal(upstream.seen.length, 14);
});
