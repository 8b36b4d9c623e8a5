import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWeightedRoundRobinBalancer } from '../src/service/balancers/weighted-round-robin.js';
import { createBalancer } from '../src/service/balancers/create-balancer.js';
import type { Endpoint } from '../src/service/types.js';

const ep = (id: string, weight = 1): Endpoint => ({ id, origin: `http://${id}:80`, weight });

test('smooth weighted round robin interleaves instead of bursting (nginx 5/1/1)', () => {
  const b = createWeightedRoundRobinBalancer();
  b.update([ep('a', 5), ep('b', 1), ep('c', 1)]);
  const order = Array.from({ length: 7 }, () => b.pick({})!.id).join('');
  assert.equal(order, 'aabacaa');
});

const distributionCases = [
  { name: 'equal weights', weights: { a: 1, b: 1, c: 1 } },
  { name: '3:2:1', weights: { a: 3, b: 2, c: 1 } },
  { name: '10:1', weights: { a: 10, b: 1 } },
  { name: '7:5:3:1', weights: { a: 7, b: 5, c: 3, d: 1 } },
];

for (const c of distributionCases) {
  test(`weights are respected over many picks: ${c.name}`, () => {
    const b = createWeightedRoundRobinBalancer();
    b.update(Object.entries(c.weights).map(([id, w]) => ep(id, w)));
    const total = Object.values(c.weights).reduce((x, y) => x + y, 0);
    const picks = total * 1000;
    const counts = new Map<string, number>();
    for (let i = 0; i < picks; i++) {
      const id = b.pick({})!.id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    for (const [id, w] of Object.entries(c.weights)) {
      // Smooth WRR is exact over every full cycle of `total` picks.
      assert.equal(counts.get(id), w * 1000, id);
    }
  });
}

test('exclude: a retry never gets an endpoint it already tried, and proportions of the rest hold', () => {
  const b = createWeightedRoundRobinBalancer();
  b.update([ep('a', 2), ep('b', 1), ep('c', 1)]);
  const counts = new Map<string, number>();
  for (let i = 0; i < 3000; i++) {
    const id = b.pick({ exclude: new Set(['a']) })!.id;
    assert.notEqual(id, 'a');
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  assert.equal(counts.get('b'), 1500);
  assert.equal(counts.get('c'), 1500);
  assert.equal(b.pick({ exclude: new Set(['a', 'b', 'c']) }), undefined);
});

test('no endpoints: pick returns undefined', () => {
  const b = createWeightedRoundRobinBalancer();
  assert.equal(b.pick({}), undefined);
  b.update([ep('a')]);
  b.update([]);
  assert.equal(b.pick({}), undefined);
});

test('update keeps serving the endpoints that remain and adds new ones', () => {
  const b = createWeightedRoundRobinBalancer();
  b.update([ep('a'), ep('b')]);
  b.pick({});
  b.update([ep('b'), ep('c')]);
  const seen = new Set(Array.from({ length: 10 }, () => b.pick({})!.id));
  assert.deepEqual([...seen].sort(), ['b', 'c']);
});

test('round-robin policy ignores weights and returns the original endpoint objects', () => {
  const b = createBalancer('round-robin');
  const a = ep('a', 9);
  b.update([a, ep('b', 1)]);
  const first = b.pick({})!;
  const ids = [first.id, ...Array.from({ length: 5 }, () => b.pick({})!.id)];
  assert.deepEqual(ids, ['a', 'b', 'a', 'b', 'a', 'b']);
  assert.equal(first, a);
});
