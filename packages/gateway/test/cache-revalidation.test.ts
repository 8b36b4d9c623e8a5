import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHarness, httpDate, T0 } from './cache-harness.js';

const etagged = { 'cache-control': 'max-age=10', etag: '"v1"', 'last-modified': httpDate(T0 - 60_000), date: httpDate(T0) };

// Client conditionals against a fresh entry: [name, request headers, expected status]
const conditionals: [string, Record<string, string>, number][] = [
  ['If-None-Match strong tag', { 'if-none-match': '"v1"' }, 304],
  ['If-None-Match weak comparison', { 'if-none-match': 'W/"v1"' }, 304],
  ['If-None-Match list', { 'if-none-match': '"v0", "v1"' }, 304],
  ['If-None-Match *', { 'if-none-match': '*' }, 304],
  ['If-None-Match other tag', { 'if-none-match': '"v2"' }, 200],
  ['If-Modified-Since after Last-Modified', { 'if-modified-since': httpDate(T0 - 30_000) }, 304],
  ['If-Modified-Since before Last-Modified', { 'if-modified-since': httpDate(T0 - 90_000) }, 200],
  ['If-None-Match wins over If-Modified-Since', { 'if-none-match': '"v2"', 'if-modified-since': httpDate(T0) }, 200],
];

for (const [name, headers, status] of conditionals) {
  test(`client conditional from a fresh entry: ${name}`, async () => {
    const h = createHarness({}, () => ({ headers: etagged, body: 'payload' }));
    await h.run({});
    const res = await h.run({ headers });
    assert.equal(res.status, status);
    assert.equal(res.body, status === 304 ? '' : 'payload');
    assert.match(String(res.headers['cache-status']), /^Portero; hit/);
    if (status === 304) {
      assert.equal(res.headers['etag'], '"v1"');
      assert.equal(res.headers['content-length'], undefined);
      assert.equal(res.headers['age'], '0');
    }
    assert.equal(h.calls.length, 1);
  });
}

test('a stale entry is revalidated upstream with its validators; a 304 refreshes it (§3.2)', async () => {
  const h = createHarness({}, (ctx, call) => {
    if (call === 1) return { headers: { ...etagged, 'x-version': 'one' }, body: 'payload' };
    assert.equal(ctx.upstreamHeaders['if-none-match'], '"v1"');
    assert.equal(ctx.upstreamHeaders['if-modified-since'], etagged['last-modified']);
    return { status: 304, headers: { 'cache-control': 'max-age=100', etag: '"v1"', 'x-version': 'two', date: httpDate(T0 + 20_000) }, body: null };
  });
  await h.run({});
  h.clock.now = T0 + 20_000;
  const revalidated = await h.run({ headers: { 'if-none-match': '"client-tag"' } });
  assert.equal(revalidated.status, 200);
  assert.equal(revalidated.body, 'payload');
  assert.equal(revalidated.headers['x-version'], 'two');
  assert.equal(revalidated.headers['cache-status'], 'Portero; fwd=stale; fwd-status=304; ttl=100; stored');
  h.clock.now = T0 + 70_000;
  const hit = await h.run({});
  assert.equal(hit.headers['cache-status'], 'Portero; hit; ttl=50');
  assert.equal(hit.headers['x-version'], 'two');
  assert.equal(h.calls.length, 2);
  assert.equal(await h.lookups('revalidated'), 1);
});

test('revalidation answers the client 304 when its own copy matches the refreshed entry', async () => {
  const h = createHarness({}, (_ctx, call) => (call === 1 ? { headers: etagged } : { status: 304, headers: { etag: '"v1"', 'cache-control': 'max-age=10' }, body: null }));
  await h.run({});
  h.clock.now = T0 + 30_000;
  const res = await h.run({ headers: { 'if-none-match': '"v1"' } });
  assert.equal(res.status, 304);
  assert.equal(h.calls.length, 2);
});

test('a stale entry answered by a full 200 is replaced', async () => {
  const h = createHarness({}, (_ctx, call) => ({ headers: { 'cache-control': 'max-age=10', etag: `"v${call}"` }, body: `body-${call}` }));
  await h.run({});
  h.clock.now = T0 + 11_000;
  const replaced = await h.run({});
  assert.equal(replaced.body, 'body-2');
  assert.equal(replaced.headers['cache-status'], 'Portero; fwd=stale; fwd-status=200; stored');
  const hit = await h.run({});
  assert.equal(hit.body, 'body-2');
  assert.equal(h.calls.length, 2);
});

test('response no-cache: stored, but every use is revalidated', async () => {
  const h = createHarness({}, (_ctx, call) => (call === 1 ? { headers: { 'cache-control': 'no-cache', etag: '"a"' }, body: 'kept' } : { status: 304, headers: { 'cache-control': 'no-cache', etag: '"a"' }, body: null }));
  await h.run({});
  const second = await h.run({});
  const third = await h.run({});
  assert.equal(second.body, 'kept');
  assert.equal(third.body, 'kept');
  assert.match(String(third.headers['cache-status']), /fwd=stale; fwd-status=304/);
  assert.equal(h.calls.length, 3);
  assert.equal(h.calls[2]?.upstreamHeaders['if-none-match'], '"a"');
});

// Request directives: [name, request headers, expected status, expected Cache-Status prefix, upstream calls]
const requestDirectives: [string, Record<string, string>, number, string, number][] = [
  ['no-cache revalidates', { 'cache-control': 'no-cache' }, 200, 'Portero; fwd=request; fwd-status=304', 2],
  ['Pragma: no-cache revalidates', { pragma: 'no-cache' }, 200, 'Portero; fwd=request; fwd-status=304', 2],
  ['max-age=0 revalidates', { 'cache-control': 'max-age=0' }, 200, 'Portero; fwd=request', 2],
  ['max-age larger than the age is a hit', { 'cache-control': 'max-age=5' }, 200, 'Portero; hit', 1],
  ['only-if-cached with a fresh entry is a hit', { 'cache-control': 'only-if-cached' }, 200, 'Portero; hit', 1],
  ['no-store may still be served from the cache', { 'cache-control': 'no-store' }, 200, 'Portero; hit', 1],
];

for (const [name, headers, status, cacheStatus, calls] of requestDirectives) {
  test(`request directive: ${name}`, async () => {
    const h = createHarness({}, (_ctx, call) => (call === 1 ? { headers: { ...etagged, 'cache-control': 'max-age=60' } } : { status: 304, headers: { etag: '"v1"', 'cache-control': 'max-age=60' }, body: null }));
    await h.run({});
    h.clock.now += 1000;
    const res = await h.run({ headers });
    assert.equal(res.status, status);
    assert.ok(String(res.headers['cache-status']).startsWith(cacheStatus), String(res.headers['cache-status']));
    assert.equal(h.calls.length, calls);
  });
}

test('only-if-cached on a miss answers 504 with its code and never goes upstream', async () => {
  const h = createHarness({}, () => ({ headers: { 'cache-control': 'max-age=60' } }));
  const res = await h.run({ headers: { 'cache-control': 'only-if-cached' } });
  assert.equal(res.status, 504);
  assert.equal(JSON.parse(res.body).error.code, 'GW_ERR_CACHE_ONLY_IF_CACHED');
  assert.equal(h.calls.length, 0);
});

test('only-if-cached with a stale entry answers 504', async () => {
  const h = createHarness({}, () => ({ headers: etagged }));
  await h.run({});
  h.clock.now = T0 + 20_000;
  const res = await h.run({ headers: { 'cache-control': 'only-if-cached' } });
  assert.equal(res.status, 504);
  assert.equal(h.calls.length, 1);
});

test('stale-while-revalidate: serves stale once, refreshes in the background through a new upstream call', async () => {
  const h = createHarness({}, (_ctx, call) => ({ headers: { 'cache-control': 'max-age=10, stale-while-revalidate=30', date: httpDate(T0 + (call - 1) * 15_000) }, body: `gen-${call}` }));
  await h.run({});
  h.clock.now = T0 + 15_000;
  const results = await Promise.all([h.run({}), h.run({}), h.run({})]);
  for (const r of results) {
    assert.equal(r.body, 'gen-1');
    assert.equal(r.headers['cache-status'], 'Portero; hit; ttl=-5; detail=stale-while-revalidate');
  }
  await h.settle();
  assert.equal(h.calls.length, 2);
  const fresh = await h.run({});
  assert.equal(fresh.body, 'gen-2');
  assert.match(String(fresh.headers['cache-status']), /^Portero; hit; ttl=10/);
  assert.equal(await h.lookups('stale'), 3);
});

test('stale-while-revalidate from route config; past the window the entry is fetched in the foreground', async () => {
  const h = createHarness({ staleWhileRevalidateSeconds: 5 }, (_ctx, call) => ({ headers: { 'cache-control': 'max-age=10' }, body: `gen-${call}` }));
  await h.run({});
  h.clock.now = T0 + 16_000;
  const res = await h.run({});
  assert.equal(res.body, 'gen-2');
  assert.equal(h.calls.length, 2);
});

test('stale-while-revalidate without a fetchUpstream seam revalidates in the foreground', async () => {
  const h = createHarness({}, (_ctx, call) => ({ headers: { 'cache-control': 'max-age=10, stale-while-revalidate=30' }, body: `gen-${call}` }), { fetchUpstream: false });
  await h.run({});
  h.clock.now = T0 + 15_000;
  assert.equal((await h.run({})).body, 'gen-2');
});

// stale-if-error: [name, response cache-control, route config, failure, expect stale]
const staleIfError: [string, string, { staleIfErrorSeconds?: number }, 'status' | 'throw', boolean][] = [
  ['directive + upstream 503 response', 'max-age=10, stale-if-error=60', {}, 'status', true],
  ['directive + gateway 504 error', 'max-age=10, stale-if-error=60', {}, 'throw', true],
  ['route config + gateway error', 'max-age=10', { staleIfErrorSeconds: 60 }, 'throw', true],
  ['no stale-if-error: the failure passes through', 'max-age=10', {}, 'status', false],
  ['must-revalidate forbids serving stale', 'max-age=10, must-revalidate, stale-if-error=60', {}, 'status', false],
];

for (const [name, cacheControl, route, failure, expectStale] of staleIfError) {
  test(`stale-if-error: ${name}`, async () => {
    const h = createHarness(route, (_ctx, call) => {
      if (call === 1) return { headers: { 'cache-control': cacheControl }, body: 'good' };
      if (failure === 'throw') throw Object.assign(new Error('upstream timed out'), { status: 504, code: 'GW_ERR_UPSTREAM_TIMEOUT' });
      return { status: 503, body: 'down' };
    });
    await h.run({});
    h.clock.now = T0 + 20_000;
    if (!expectStale && failure === 'throw') {
      await assert.rejects(h.run({}), { code: 'GW_ERR_UPSTREAM_TIMEOUT' });
      return;
    }
    const res = await h.run({});
    if (expectStale) {
      assert.equal(res.status, 200);
      assert.equal(res.body, 'good');
      assert.equal(res.headers['cache-status'], `Portero; fwd=stale; fwd-status=${failure === 'throw' ? 504 : 503}; ttl=-10; detail=stale-if-error`);
    } else {
      assert.equal(res.status, 503);
      assert.equal(res.body, 'down');
    }
  });
}

test('stale-if-error window ends', async () => {
  const h = createHarness({}, (_ctx, call) => (call === 1 ? { headers: { 'cache-control': 'max-age=10, stale-if-error=5' }, body: 'good' } : { status: 502, body: 'bad' }));
  await h.run({});
  h.clock.now = T0 + 16_000;
  assert.equal((await h.run({})).status, 502);
});
