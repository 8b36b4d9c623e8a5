import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../src/cache/memory-store.js';
import { decodeRecord, encodeRecord } from '../src/cache/record-codec.js';
import { pathUnder, recordBytes, type CachedResponse } from '../src/cache/store.js';
import { parseCacheControl, deltaSeconds } from '../src/cache/cache-control.js';
import { createQueryPlan, parseVary } from '../src/cache/key.js';

function entry(body: string, expiresAt: number): CachedResponse {
  return {
    kind: 'response', status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.from(body), vary: [], varyValues: [],
    responseTime: 0, initialAgeSeconds: 0, freshnessSeconds: 60, staleWhileRevalidateSeconds: 0, staleIfErrorSeconds: 0,
    noCache: false, mustRevalidate: false, authorizedOk: false, etag: '"e"', lastModified: undefined, expiresAt,
  };
}

test('memory store: LRU eviction keeps total bytes under maxBytes and counts evictions', async () => {
  const clock = { now: 1000 };
  const one = recordBytes(entry('x'.repeat(1000), 1));
  const store = createMemoryStore({ maxBytes: one * 3, maxEntryBytes: one * 2, now: () => clock.now });
  await store.set('a', '/a', entry('x'.repeat(1000), 10_000));
  await store.set('b', '/b', entry('x'.repeat(1000), 10_000));
  await store.set('c', '/c', entry('x'.repeat(1000), 10_000));
  await store.get('a'); // a is now the most recently used
  await store.set('d', '/d', entry('x'.repeat(1000), 10_000));
  assert.equal(await store.get('b'), undefined);
  assert.ok(await store.get('a'));
  assert.ok(await store.get('d'));
  assert.ok(store.stats().storedBytes <= one * 3);
  assert.equal(store.stats().evictions, 1);
});

test('memory store: a record over maxEntryBytes is not stored', async () => {
  const store = createMemoryStore({ maxBytes: 1 << 20, maxEntryBytes: 2048 });
  await store.set('big', '/big', entry('x'.repeat(4096), Date.now() + 10_000));
  assert.equal(await store.get('big'), undefined);
  assert.equal(store.stats().storedBytes, 0);
});

test('memory store: expired records are not returned', async () => {
  const clock = { now: 1000 };
  const store = createMemoryStore({ maxBytes: 1 << 20, maxEntryBytes: 1 << 16, now: () => clock.now });
  await store.set('k', '/k', entry('v', 2000));
  assert.ok(await store.get('k'));
  clock.now = 2000;
  assert.equal(await store.get('k'), undefined);
  assert.equal(store.stats().storedBytes, 0);
});

test('memory store: deletePath, deletePrefix (segment-aware) and clear, with events', async () => {
  const store = createMemoryStore({ maxBytes: 1 << 20, maxEntryBytes: 1 << 16 });
  const events: string[] = [];
  store.onInvalidate((e) => events.push(e.type));
  const far = Date.now() + 60_000;
  for (const [key, path] of [['1', '/api/c'], ['2', '/api/c'], ['3', '/api/c/1'], ['4', '/api/cx'], ['5', '/other']]) await store.set(key as string, path as string, entry(key as string, far));
  assert.equal(await store.deletePath('/api/c'), 2);
  assert.equal(await store.deletePrefix('/api/c/'), 1);
  assert.ok(await store.get('4'));
  assert.equal(await store.clear(), 2);
  assert.deepEqual(events, ['path', 'prefix', 'all']);
});

test('pathUnder is segment-aware', () => {
  const cases: [string, string, boolean][] = [
    ['/api/customers', '/api/customers', true],
    ['/api/customers/1', '/api/customers', true],
    ['/api/customersx', '/api/customers', false],
    ['/api/customers/1', '/api/customers/', true],
    ['/anything', '/', true],
  ];
  for (const [path, prefix, expected] of cases) assert.equal(pathUnder(path, prefix), expected, `${path} under ${prefix}`);
});

test('record codec round-trips metadata and body bytes', () => {
  const original = entry('\u00e9\u0000binary', 123);
  const decoded = decodeRecord(encodeRecord(original));
  // JSON drops undefined fields; readers compare with `=== undefined`, so that is equivalent.
  assert.deepEqual(JSON.parse(JSON.stringify({ ...decoded, body: 0 })), JSON.parse(JSON.stringify({ ...original, body: 0 })));
  assert.deepEqual((decoded as CachedResponse).body, original.body);
  assert.equal(decodeRecord(Buffer.from('garbage')), undefined);
});

test('Cache-Control parsing: quoted arguments, case, duplicates, malformed delta-seconds', () => {
  const cc = parseCacheControl('Max-Age=60, private="set-cookie, x", no-cache, max-age=5, s-maxage=abc');
  assert.equal(deltaSeconds(cc, 'max-age'), 60);
  assert.equal(cc.get('private'), 'set-cookie, x');
  assert.ok(cc.has('no-cache'));
  assert.equal(deltaSeconds(cc, 's-maxage'), undefined);
});

test('query plan and Vary parsing', () => {
  assert.equal(createQueryPlan(undefined)('b=2&a=1&a=0'), 'a=1&a=0&b=2');
  assert.equal(createQueryPlan(['a'])('b=2&a=%41'), 'a=A');
  assert.deepEqual(parseVary('Accept-Language, accept'), ['accept', 'accept-language']);
  assert.equal(parseVary(['accept', '*']), '*');
});

test('query plan: raw fast path and canonical path agree on meaning, keep repeated-name order', () => {
  const plan = createQueryPlan(undefined);
  const cases: [string, string][] = [
    ['b=2&a=1', 'a=1&b=2'],
    ['a=2&a=1', 'a=2&a=1'],
    ['b=1&a=2&a=1', 'a=2&a=1&b=1'],
    ['single', 'single'],
    ['&&a=1&', 'a=1'],
    ['q=a+b&a=1', 'a=1&q=a+b'],
    ['q=%41', 'q=A'],
  ];
  for (const [query, key] of cases) assert.equal(plan(query), key, query);
  assert.notEqual(plan('a=1&a=2'), plan('a=2&a=1'));
});
