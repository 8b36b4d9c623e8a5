import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createHarness } from './cache-harness.js';

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
};

test('100 concurrent misses reach the upstream once and all get the body', async () => {
  const g = gate();
  const h = createHarness({}, async () => {
    await g.promise;
    return { headers: { 'cache-control': 'max-age=60' }, body: 'shared-body', stream: true };
  });
  const runs = Array.from({ length: 100 }, () => h.run({}));
  await flush();
  g.open();
  const answers = await Promise.all(runs);
  assert.equal(h.calls.length, 1);
  assert.ok(answers.every((a) => a.status === 200 && a.body === 'shared-body'));
  const collapsed = answers.filter((a) => String(a.headers['cache-status']).includes('collapsed'));
  assert.equal(collapsed.length, 99);
  const waits = await (h.registry as Registry).getSingleMetric('portero_cache_coalesced_waits_total')?.get();
  assert.equal(waits?.values[0]?.value, 99);
  assert.equal(h.runtime.coalescer.size, 0);
});

test('when the leader\'s response is not storable, waiters go upstream themselves', async () => {
  const g = gate();
  const h = createHarness({}, async (_ctx, call) => {
    if (call === 1) await g.promise;
    return { headers: { 'cache-control': 'no-store' }, body: `n${call}` };
  });
  const runs = Array.from({ length: 5 }, () => h.run({}));
  await flush();
  g.open();
  const answers = await Promise.all(runs);
  assert.equal(h.calls.length, 5);
  assert.deepEqual(new Set(answers.map((a) => a.body)).size, 5);
});

test('maxWaiters bounds the waiters; the rest go upstream', async () => {
  const g = gate();
  const h = createHarness({ coalesce: { enabled: true, maxWaiters: 2, waitTimeoutMs: 5000 } }, async () => {
    await g.promise;
    return { headers: { 'cache-control': 'max-age=60' } };
  });
  const runs = Array.from({ length: 6 }, () => h.run({}));
  await flush();
  g.open();
  await Promise.all(runs);
  // 1 leader + 2 waiters; the other 3 went upstream.
  assert.equal(h.calls.length, 4);
});

test('a waiter past waitTimeoutMs goes upstream itself', async () => {
  const slow = gate();
  const h = createHarness({ coalesce: { enabled: true, maxWaiters: 10, waitTimeoutMs: 20 } }, async (_ctx, call) => {
    if (call === 1) await slow.promise;
    return { headers: { 'cache-control': 'max-age=60' }, body: `c${call}` };
  });
  const leader = h.run({});
  await flush();
  const waiter = await h.run({});
  assert.equal(waiter.body, 'c2');
  slow.open();
  await leader;
  assert.equal(h.calls.length, 2);
});

test('coalescing can be turned off', async () => {
  const g = gate();
  const h = createHarness({ coalesce: { enabled: false, maxWaiters: 10, waitTimeoutMs: 5000 } }, async () => {
    await g.promise;
    return { headers: { 'cache-control': 'max-age=60' } };
  });
  const runs = Array.from({ length: 3 }, () => h.run({}));
  await flush();
  g.open();
  await Promise.all(runs);
  assert.equal(h.calls.length, 3);
});

test('a waiter whose Vary headers differ from the leader\'s goes upstream', async () => {
  const g = gate();
  const h = createHarness({}, async (ctx) => {
    await g.promise;
    return { headers: { 'cache-control': 'max-age=60', vary: 'accept-language' }, body: String(ctx.req.headers['accept-language']) };
  });
  const en = h.run({ headers: { 'accept-language': 'en' } });
  const es = h.run({ headers: { 'accept-language': 'es' } });
  await flush();
  g.open();
  const [a, b] = await Promise.all([en, es]);
  assert.equal(a.body, 'en');
  assert.equal(b.body, 'es');
  assert.equal(h.calls.length, 2);
});

test('an invalidation during a fill keeps the filled response out of the store', async () => {
  const g = gate();
  const h = createHarness({}, async (_ctx, call) => {
    if (call === 1) await g.promise;
    return { headers: { 'cache-control': 'max-age=60' }, body: `gen-${call}` };
  });
  const filling = h.run({});
  await flush();
  await h.store.deletePath('/api/customers/1');
  g.open();
  assert.equal((await filling).body, 'gen-1');
  assert.equal((await h.run({})).body, 'gen-2');
});
