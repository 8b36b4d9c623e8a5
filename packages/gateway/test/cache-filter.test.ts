import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHarness, httpDate, principal, T0 } from './cache-harness.js';
import { createMemoryStore } from '../src/cache/memory-store.js';

const alice = principal('alice');
const bob = principal('bob');

test('a miss is stored and the next request is a hit with Age and Cache-Status', async () => {
  const h = createHarness({}, (ctx) => ({ headers: { 'cache-control': 'max-age=60', date: httpDate(T0), 'content-type': 'text/plain' }, body: `v${ctx.path}` }));
  const first = await h.run({});
  assert.equal(first.headers['cache-status'], 'Portero; fwd=uri-miss; stored');
  assert.equal(first.body, 'v/api/customers/1');
  h.clock.now += 10_000;
  const second = await h.run({});
  assert.equal(second.status, 200);
  assert.equal(second.body, 'v/api/customers/1');
  assert.equal(second.headers['age'], '10');
  assert.equal(second.headers['cache-status'], 'Portero; hit; ttl=50');
  assert.equal(second.headers['content-length'], '17');
  assert.equal(h.calls.length, 1);
  assert.equal(await h.lookups('hit'), 1);
  assert.equal(await h.lookups('miss'), 1);
});

test('query parameters: sorted into the key, or only the configured subset', async () => {
  const all = createHarness({}, () => ({ headers: { 'cache-control': 'max-age=60' } }));
  await all.run({ query: 'b=2&a=1' });
  await all.run({ query: 'a=1&b=2' });
  await all.run({ query: 'a=1&b=3' });
  assert.equal(all.calls.length, 2);
  const subset = createHarness({ queryParams: ['page'] }, () => ({ headers: { 'cache-control': 'max-age=60' } }));
  await subset.run({ query: 'page=1&utm=x' });
  await subset.run({ query: 'utm=y&page=1' });
  await subset.run({ query: 'page=2' });
  assert.equal(subset.calls.length, 2);
});

test('HEAD is answered from a stored GET response, without a body', async () => {
  const h = createHarness({}, () => ({ headers: { 'cache-control': 'max-age=60' }, body: 'hello' }));
  await h.run({});
  const head = await h.run({ method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  assert.equal(head.headers['content-length'], '5');
  assert.match(String(head.headers['cache-status']), /^Portero; hit/);
  assert.equal(h.calls.length, 1);
});

test('a HEAD miss goes upstream and stores nothing', async () => {
  const h = createHarness({}, () => ({ headers: { 'cache-control': 'max-age=60' }, body: null }));
  await h.run({ method: 'HEAD' });
  await h.run({ method: 'HEAD' });
  assert.equal(h.calls.length, 2);
});

// Partitions and RFC 9111 §3.5: [name, route config, response cache-control, requests, expected upstream calls]
const partitionCases: [string, { shared?: boolean }, string, ('alice' | 'bob' | 'anon' | 'auth')[], number][] = [
  ['principals never share by default, even public', {}, 'public, max-age=60', ['alice', 'bob', 'alice', 'bob'], 2],
  ['shared route + public: one entry for all principals', { shared: true }, 'public, max-age=60', ['alice', 'bob'], 1],
  ['shared route + s-maxage: shared', { shared: true }, 's-maxage=60', ['alice', 'bob'], 1],
  ['shared route without public/s-maxage: per principal', { shared: true }, 'max-age=60', ['alice', 'bob', 'alice'], 2],
  ['shared route: a principal never reuses an anonymous entry without public', { shared: true }, 'max-age=60', ['anon', 'alice', 'anon'], 2],
  ['shared route: anonymous requests reuse a public entry filled by a principal', { shared: true }, 'public, max-age=60', ['alice', 'anon'], 1],
  ['shared route + private: per principal', { shared: true }, 'public, private, max-age=60', ['alice', 'bob', 'bob'], 2],
  ['private is stored in the principal partition', {}, 'private, max-age=60', ['alice', 'alice'], 1],
  ['private is never stored for anonymous requests', {}, 'private, max-age=60', ['anon', 'anon'], 2],
  ['Authorization without principal: not stored without public', {}, 'max-age=60', ['auth', 'auth'], 2],
  ['Authorization without principal: public is stored and reused', {}, 'public, max-age=60', ['auth', 'auth', 'anon'], 1],
  ['Authorization without principal: must-revalidate allows reuse', {}, 'must-revalidate, max-age=60', ['auth', 'auth'], 1],
  ['Authorization without principal never reuses an anonymous entry', {}, 'max-age=60', ['anon', 'auth', 'anon'], 2],
];

for (const [name, route, cacheControl, requests, expectedCalls] of partitionCases) {
  test(`partition: ${name}`, async () => {
    const h = createHarness(route, (ctx) => ({ headers: { 'cache-control': cacheControl }, body: `for:${ctx.principal?.subject ?? 'nobody'}` }));
    for (const who of requests) {
      const spec = who === 'alice' ? { principal: alice } : who === 'bob' ? { principal: bob } : who === 'auth' ? { headers: { authorization: 'Bearer x' } } : {};
      const res = await h.run(spec);
      // Whatever the partition rules, a principal never sees another principal's private body.
      if (who === 'alice' && !route.shared) assert.equal(res.body, 'for:alice');
      if (who === 'bob' && !route.shared) assert.equal(res.body, 'for:bob');
    }
    assert.equal(h.calls.length, expectedCalls);
  });
}

test('user A never receives user B\'s entry (many interleavings, same issuer)', async () => {
  const h = createHarness({ defaultTtlSeconds: 60 }, (ctx) => ({ body: `secret-of-${ctx.principal?.subject}` }));
  const users = ['u1', 'u2', 'u3', 'u:1', 'u%3A1'].map((s) => principal(s));
  for (let round = 0; round < 3; round++) {
    for (const user of users) {
      const res = await h.run({ principal: user, headers: { authorization: 'Bearer t' } });
      assert.equal(res.body, `secret-of-${user.subject}`);
    }
  }
  assert.equal(h.calls.length, users.length);
  // Same subject from another issuer is another principal.
  const other = await h.run({ principal: principal('u1', 'https://other.test') });
  assert.equal(h.calls.length, users.length + 1);
  assert.equal(other.body, 'secret-of-u1');
});

test('Vary: each variant is stored under the primary key\'s vary spec', async () => {
  const h = createHarness({}, (ctx) => ({ headers: { 'cache-control': 'max-age=60', vary: 'Accept-Language' }, body: `lang=${ctx.req.headers['accept-language'] ?? 'none'}` }));
  const en = await h.run({ headers: { 'accept-language': 'en' } });
  const es = await h.run({ headers: { 'accept-language': 'es' } });
  assert.equal(es.headers['cache-status'], 'Portero; fwd=vary-miss; stored');
  const en2 = await h.run({ headers: { 'accept-language': 'en' } });
  const es2 = await h.run({ headers: { 'accept-language': 'es' } });
  const none = await h.run({});
  assert.deepEqual([en.body, es.body, en2.body, es2.body, none.body], ['lang=en', 'lang=es', 'lang=en', 'lang=es', 'lang=none']);
  assert.equal(h.calls.length, 3);
});

test('Vary: * is never stored', async () => {
  const h = createHarness({}, () => ({ headers: { 'cache-control': 'max-age=60', vary: 'Accept, *' } }));
  const first = await h.run({});
  await h.run({});
  assert.equal(first.headers['cache-status'], 'Portero; fwd=uri-miss; detail=vary-star');
  assert.equal(h.calls.length, 2);
});

// Never stored: [name, request headers, upstream reply, expected detail]
const neverStored: [string, Record<string, string>, { status?: number; headers?: Record<string, string>; body?: string; stream?: boolean }, string, { statuses?: number[] }?][] = [
  ['request no-store', { 'cache-control': 'no-store' }, { headers: { 'cache-control': 'max-age=60' } }, 'request-no-store'],
  ['response no-store', {}, { headers: { 'cache-control': 'no-store, max-age=60' } }, 'no-store'],
  ['private outside a principal partition', {}, { headers: { 'cache-control': 'private, max-age=60' } }, 'private'],
  ['Set-Cookie', {}, { headers: { 'cache-control': 'max-age=60', 'set-cookie': 'a=b' } }, 'set-cookie'],
  ['status 500', {}, { status: 500, headers: { 'cache-control': 'max-age=60' } }, 'status'],
  ['status 302 not in the list', {}, { status: 302, headers: { 'cache-control': 'max-age=60' } }, 'status'],
  ['status 200 removed from the list', {}, { headers: { 'cache-control': 'max-age=60' } }, 'status', { statuses: [404] }],
  ['larger than maxEntryBytes (Content-Length)', {}, { headers: { 'cache-control': 'max-age=60' }, body: 'x'.repeat(70_000) }, 'too-large'],
  ['no freshness and no validator', {}, { headers: {} }, 'not-reusable'],
];

for (const [name, reqHeaders, reply, detail, route] of neverStored) {
  test(`never stored: ${name}`, async () => {
    const h = createHarness(route ?? {}, () => reply);
    const first = await h.run({ headers: reqHeaders });
    assert.equal(first.headers['cache-status'], `Portero; fwd=uri-miss; detail=${detail}`);
    await h.run({ headers: reqHeaders });
    assert.equal(h.calls.length, 2);
    assert.equal(h.store.stats().storedBytes, 0);
  });
}

test('never stored: a streamed body past maxEntryBytes still reaches the client whole', async () => {
  const big = 'y'.repeat(100_000);
  const h = createHarness({}, () => ({ headers: { 'cache-control': 'max-age=60' }, body: big, stream: true }));
  const first = await h.run({});
  assert.equal(first.body, big);
  await h.run({});
  assert.equal(h.calls.length, 2);
  assert.equal(h.store.stats().storedBytes, 0);
});

test('a streamed body within the limit is stored while it streams', async () => {
  const h = createHarness({}, () => ({ headers: { 'cache-control': 'max-age=60' }, body: 'streamed-body', stream: true }));
  assert.equal((await h.run({})).body, 'streamed-body');
  const hit = await h.run({});
  assert.equal(hit.body, 'streamed-body');
  assert.equal(hit.headers['content-length'], '13');
  assert.equal(h.calls.length, 1);
});

// Freshness: [name, route, response headers (relative Date/Expires offsets in s), principal?, fresh after (s), stale after (s)]
const freshness: [string, { defaultTtlSeconds?: number; maxTtlSeconds?: number; shared?: boolean }, Record<string, string>, boolean, number, number][] = [
  ['max-age', {}, { 'cache-control': 'max-age=30' }, false, 29, 31],
  ['s-maxage wins in the shared partition', {}, { 'cache-control': 'max-age=10, s-maxage=30' }, false, 29, 31],
  ['s-maxage is ignored in a principal partition', {}, { 'cache-control': 'max-age=10, s-maxage=30' }, true, 9, 11],
  ['Expires minus Date', {}, { expires: httpDate(T0 + 20_000) }, false, 19, 21],
  ['defaultTtlSeconds when the response gives none', { defaultTtlSeconds: 15 }, {}, false, 14, 16],
  ['maxTtlSeconds caps the upstream', { maxTtlSeconds: 5 }, { 'cache-control': 'max-age=600' }, false, 4, 6],
  ['upstream Age is counted (§4.2.3)', {}, { 'cache-control': 'max-age=30', age: '20' }, false, 9, 11],
];

for (const [name, route, headers, withPrincipal, freshAt, staleAt] of freshness) {
  test(`freshness: ${name}`, async () => {
    const h = createHarness(route, () => ({ headers: { date: httpDate(T0), ...headers } }));
    const spec = withPrincipal ? { principal: alice } : {};
    await h.run(spec);
    h.clock.now = T0 + freshAt * 1000;
    const fresh = await h.run(spec);
    assert.match(String(fresh.headers['cache-status']), /^Portero; hit; ttl=/);
    h.clock.now = T0 + staleAt * 1000;
    const stale = await h.run(spec);
    assert.doesNotMatch(String(stale.headers['cache-status']), /^Portero; hit/);
    assert.equal(h.calls.length, 2);
  });
}

test('Age: apparent age from an old Date and resident time add up', async () => {
  const h = createHarness({}, () => ({ headers: { date: httpDate(T0 - 5000), 'cache-control': 'max-age=60' } }));
  await h.run({});
  h.clock.now += 7000;
  const hit = await h.run({});
  assert.equal(hit.headers['age'], '12');
  assert.equal(hit.headers['cache-status'], 'Portero; hit; ttl=48');
});

test('metrics: stored bytes and evictions come from the store at scrape time', async () => {
  const { createMemoryStore } = await import('../src/cache/memory-store.js');
  const clock = { now: T0 };
  const store = createMemoryStore({ maxBytes: 3000, maxEntryBytes: 2000, now: () => clock.now });
  const h = createHarness({}, () => ({ headers: { 'cache-control': 'max-age=60' }, body: 'z'.repeat(1000) }), { store });
  for (const path of ['/a', '/b', '/c']) await h.run({ path });
  const text = await h.registry.metrics();
  assert.match(text, /^portero_cache_evictions_total 1$/m);
  assert.match(text, new RegExp(`^portero_cache_stored_bytes ${store.stats().storedBytes}$`, 'm'));
  assert.ok(store.stats().storedBytes > 0 && store.stats().storedBytes <= 3000);
});

test('a store that answers at once (memory, fast path) and one that does not (as Redis) give the same answers, Cache-Status and lookups for one script of requests', async () => {
  type Step = { advance?: number; headers?: Record<string, string>; user?: string; query?: string };
  const script: Step[] = [
    {},
    { advance: 5_000 },
    { headers: { 'cache-control': 'max-age=2' } },
    { headers: { 'cache-control': 'no-cache' } },
    { headers: { pragma: 'no-cache' } },
    { headers: { 'cache-control': 'only-if-cached' } },
    { headers: { authorization: 'Bearer x' } },
    { user: 'u1', headers: { authorization: 'Bearer t' } },
    { user: 'u1', headers: { authorization: 'Bearer t' } },
    { headers: { 'accept-language': 'es' } },
    { headers: { 'accept-language': 'es' } },
    { query: 'b=2&a=1' },
    { query: 'a=1&b=2' },
    { advance: 61_000 },
    { headers: { 'if-none-match': '"v1"' } },
  ];
  const transcript = async (withPeek: boolean): Promise<string[]> => {
    const base = createMemoryStore({ maxBytes: 1 << 20, maxEntryBytes: 64 * 1024, now: () => h.clock.now });
    const store = withPeek ? base : { ...base, peek: undefined };
    const h = createHarness({}, (ctx) => ({ headers: { 'cache-control': 'max-age=60', etag: '"v1"', vary: 'Accept-Language', date: httpDate(h.clock.now) }, body: `v:${ctx.req.headers['accept-language'] ?? '-'}:${ctx.principal?.subject ?? 'anon'}` }), { store });
    const out: string[] = [];
    for (const step of script) {
      h.clock.now += step.advance ?? 0;
      const res = await h.run({ headers: step.headers, principal: step.user === undefined ? undefined : principal(step.user), query: step.query });
      out.push(`${res.status} ${res.body} | ${String(res.headers['cache-status'])} | age=${String(res.headers['age'])}`);
    }
    for (const r of ['hit', 'miss', 'stale', 'revalidated', 'bypass']) out.push(`${r}=${await h.lookups(r)}`);
    out.push(`upstream=${h.calls.length}`);
    return out;
  };
  const fast = await transcript(true);
  const slow = await transcript(false);
  assert.deepEqual(fast, slow);
  assert.ok(fast.some((line) => line.includes('| Portero; hit;')), 'the script has fresh hits');
});
