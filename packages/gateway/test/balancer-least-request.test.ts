import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLeastRequestBalancer } from '../src/service/balancers/least-request.js';
import { createSeededRandom } from '../src/health/seeded-random.js';
import type { Endpoint } from '../src/service/types.js';

const ep = (id: string, weight = 1): Endpoint => ({ id, origin: `http://${id}:80`, weight });

test('P2C avoids the loaded endpoint', () => {
  const b = createLeastRequestBalancer({ random: createSeededRandom(1) });
  b.update([ep('a'), ep('b'), ep('c'), ep('d')]);
  for (let i = 0; i < 50; i++) b.onRequestStart!('a');
  const counts = new Map<string, number>();
  for (let i = 0; i < 4000; i++) {
    const id = b.pick({})!.id;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  // 'a' is chosen only when both candidates are 'a', which P2C's distinct draws rule out.
  assert.equal(counts.get('a') ?? 0, 0);
  for (const id of ['b', 'c', 'd']) assert.ok((counts.get(id) ?? 0) > 1000, id);
});

test('P2C spreads evenly when load is equal, and tracks starts and ends', () => {
  const random = createSeededRandom(7);
  const b = createLeastRequestBalancer({ random });
  b.update([ep('a'), ep('b'), ep('c')]);
  const counts = new Map<string, number>();
  const inFlight: string[] = [];
  for (let i = 0; i < 9000; i++) {
    const id = b.pick({})!.id;
    counts.set(id, (counts.get(id) ?? 0) + 1);
    b.onRequestStart!(id);
    inFlight.push(id);
    // Requests end out of order, leaving a few in flight at any time.
    if (inFlight.length > 5) b.onRequestEnd!(inFlight.splice(Math.floor(random() * inFlight.length), 1)[0]!);
  }
  for (const id of ['a', 'b', 'c']) {
    const share = counts.get(id)! / 9000;
    assert.ok(share > 0.3 && share < 0.37, `${id} ${share}`);
  }
});

test('weight scales the load: an endpoint of weight 3 takes most traffic under load', () => {
  const b = createLeastRequestBalancer({ random: createSeededRandom(3) });
  b.update([ep('big', 3), ep('small', 1)]);
  const counts = new Map<string, number>();
  for (let i = 0; i < 400; i++) {
    const id = b.pick({})!.id;
    b.onRequestStart!(id); // Never ended: load accumulates.
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const ratio = counts.get('big')! / counts.get('small')!;
  assert.ok(ratio > 2.5 && ratio < 3.5, String(ratio));
});

test('exclude is honoured; the last candidate is returned; none → undefined', () => {
  const b = createLeastRequestBalancer({ random: createSeededRandom(5) });
  b.update([ep('a'), ep('b'), ep('c')]);
  for (let i = 0; i < 200; i++) assert.equal(b.pick({ exclude: new Set(['a', 'b']) })!.id, 'c');
  for (let i = 0; i < 200; i++) assert.notEqual(b.pick({ exclude: new Set(['a']) })!.id, 'a');
  assert.equal(b.pick({ exclude: new Set(['a', 'b', 'c']) }), undefined);
  b.update([]);
  assert.equal(b.pick({}), undefined);
});

test('onRequestEnd for an unknown endpoint or below zero is harmless', () => {
  const b = createLeastRequestBalancer({ random: createSeededRandom(9) });
  b.update([ep('a'), ep('b')]);
  b.onRequestEnd!('zzz');
  b.onRequestStart!('a');
  b.onRequestEnd!('a');
  b.onRequestEnd!('a');
  b.onRequestStart!('b');
  // 'a' has 0 in flight, 'b' has 1: every pick goes to 'a'.
  for (let i = 0; i < 50; i++) assert.equal(b.pick({})!.id, 'a');
});
