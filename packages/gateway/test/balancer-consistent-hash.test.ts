import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConsistentHashBalancer } from '../src/service/balancers/consistent-hash.js';
import { createHashKeyExtractor } from '../src/service/balancers/hash-key.js';
import { createSeededRandom } from '../src/health/seeded-random.js';
import type { Endpoint } from '../src/service/types.js';
import type { GatewayContext } from '../src/pipeline/types.js';

const ep = (id: string, weight = 1): Endpoint => ({ id, origin: `http://${id}:80`, weight });
const ids = (n: number) => Array.from({ length: n }, (_, i) => `10.0.0.${i + 1}:8080`);
const keys = Array.from({ length: 20000 }, (_, i) => `user-${i}`);

function assignment(endpoints: Endpoint[]): Map<string, string> {
  const b = createConsistentHashBalancer();
  b.update(endpoints);
  return new Map(keys.map((k) => [k, b.pick({ hashKey: k })!.id]));
}

test('same key → same endpoint, across picks and across independently built rings', () => {
  const endpoints = ids(5).map((id) => ep(id));
  const a = assignment(endpoints);
  const b = assignment([...endpoints].reverse());
  assert.deepEqual(a, b);
});

for (const n of [4, 5, 10]) {
  test(`removing 1 of ${n} endpoints remaps ≈1/${n} of keys, and only keys of the removed one`, () => {
    const endpoints = ids(n).map((id) => ep(id));
    const before = assignment(endpoints);
    const removed = endpoints[1]!.id;
    const after = assignment(endpoints.filter((e) => e.id !== removed));
    let moved = 0;
    for (const [k, owner] of before) {
      if (after.get(k) !== owner) {
        moved++;
        assert.equal(owner, removed, `key ${k} moved though its endpoint stayed`);
      }
    }
    const share = moved / keys.length;
    assert.ok(Math.abs(share - 1 / n) < 0.35 / n, `moved ${share}`);
  });
}

test('adding an endpoint takes ≈1/(N+1) of keys, all of them to the new one', () => {
  const endpoints = ids(4).map((id) => ep(id));
  const before = assignment(endpoints);
  const added = ep('10.0.0.99:8080');
  const after = assignment([...endpoints, added]);
  let moved = 0;
  for (const [k, owner] of before) {
    if (after.get(k) !== owner) {
      moved++;
      assert.equal(after.get(k), added.id);
    }
  }
  assert.ok(Math.abs(moved / keys.length - 0.2) < 0.07, String(moved / keys.length));
});

test('keys spread evenly and weights are respected within tolerance', () => {
  const endpoints = [ep('a', 1), ep('b', 1), ep('c', 2)];
  const counts = new Map<string, number>();
  for (const owner of assignment(endpoints).values()) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  const share = (id: string) => counts.get(id)! / keys.length;
  assert.ok(Math.abs(share('a') - 0.25) < 0.06, `a ${share('a')}`);
  assert.ok(Math.abs(share('b') - 0.25) < 0.06, `b ${share('b')}`);
  assert.ok(Math.abs(share('c') - 0.5) < 0.08, `c ${share('c')}`);
});

test('exclude walks on to a stable next endpoint; all excluded → undefined', () => {
  const b = createConsistentHashBalancer();
  b.update(ids(4).map((id) => ep(id)));
  for (const k of keys.slice(0, 200)) {
    const first = b.pick({ hashKey: k })!.id;
    const second = b.pick({ hashKey: k, exclude: new Set([first]) })!.id;
    assert.notEqual(second, first);
    assert.equal(b.pick({ hashKey: k, exclude: new Set([first]) })!.id, second);
  }
  assert.equal(b.pick({ hashKey: 'x', exclude: new Set(ids(4)) }), undefined);
});

test('no hash key → random among allowed endpoints; empty ring → undefined', () => {
  const b = createConsistentHashBalancer({ random: createSeededRandom(2) });
  assert.equal(b.pick({ hashKey: 'k' }), undefined);
  b.update([ep('a'), ep('b')]);
  const seen = new Set(Array.from({ length: 100 }, () => b.pick({})!.id));
  assert.deepEqual([...seen].sort(), ['a', 'b']);
  for (let i = 0; i < 50; i++) assert.equal(b.pick({ exclude: new Set(['a']) })!.id, 'b');
});

function fakeCtx(headers: Record<string, string>, claims: Record<string, unknown> | undefined, remote: string): GatewayContext {
  return {
    req: { headers, socket: { remoteAddress: remote } },
    principal: claims && { subject: 's', clientId: undefined, scopes: new Set(), issuer: 'i', claims, expiresAt: 0 },
    state: new Map(),
  } as unknown as GatewayContext;
}

const hashOnCases = [
  { name: 'header', hashOn: { header: 'X-User-Id' }, ctx: fakeCtx({ 'x-user-id': 'u1' }, undefined, '1.2.3.4'), want: 'u1' },
  { name: 'missing header', hashOn: { header: 'x-user-id' }, ctx: fakeCtx({}, undefined, '1.2.3.4'), want: undefined },
  { name: 'claim', hashOn: { claim: 'tenant' }, ctx: fakeCtx({}, { tenant: 't9' }, '1.2.3.4'), want: 't9' },
  { name: 'non-string claim', hashOn: { claim: 'n' }, ctx: fakeCtx({}, { n: 42 }, '1.2.3.4'), want: '42' },
  { name: 'claim without principal', hashOn: { claim: 'sub' }, ctx: fakeCtx({}, undefined, '1.2.3.4'), want: undefined },
  { name: 'client address', hashOn: { clientAddress: true as const }, ctx: fakeCtx({}, undefined, '1.2.3.4'), want: '1.2.3.4' },
];
for (const c of hashOnCases) {
  test(`hash key extraction: ${c.name}`, () => {
    assert.equal(createHashKeyExtractor(c.hashOn)(c.ctx), c.want);
  });
}
