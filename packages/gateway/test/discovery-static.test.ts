import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStaticProvider } from '../src/discovery/static-provider.js';
import { toOrigin } from '../src/discovery/endpoint-list.js';
import type { Endpoint } from '../src/service/types.js';

test('static provider: current list on subscribe, changes on setServices, unchanged services not notified', () => {
  const p = createStaticProvider({ orders: [{ url: 'http://127.0.0.1:3001', weight: 2 }, { url: 'http://127.0.0.1:3002/' }], users: [{ url: 'http://127.0.0.1:4001' }] });
  const orders: (readonly Endpoint[])[] = [];
  const users: (readonly Endpoint[])[] = [];
  p.subscribe('orders', (e) => orders.push(e));
  p.subscribe('users', (e) => users.push(e));
  assert.deepEqual(orders[0], [
    { id: 'http://127.0.0.1:3001', origin: 'http://127.0.0.1:3001', weight: 2 },
    { id: 'http://127.0.0.1:3002', origin: 'http://127.0.0.1:3002', weight: 1 },
  ]);
  p.setServices({ orders: [{ url: 'http://127.0.0.1:3001', weight: 2 }], users: [{ url: 'http://127.0.0.1:4001' }] });
  assert.equal(orders.length, 2);
  assert.equal(users.length, 1);
  assert.deepEqual(orders[1]!.map((e) => e.id), ['http://127.0.0.1:3001']);
  p.setServices({ orders: [{ url: 'http://127.0.0.1:3001', weight: 2 }] });
  assert.deepEqual(users.at(-1), []);
  assert.equal(p.stalenessMs('orders'), 0);
});

test('static provider: unsubscribe stops notifications; duplicate URLs collapse', () => {
  const p = createStaticProvider({ a: [{ url: 'http://h:1' }, { url: 'http://h:1/' }] });
  const seen: (readonly Endpoint[])[] = [];
  const off = p.subscribe('a', (e) => seen.push(e));
  assert.equal(seen[0]!.length, 1);
  off();
  p.setServices({ a: [{ url: 'http://h:2' }] });
  assert.equal(seen.length, 1);
});

const urlCases = [
  { url: 'http://127.0.0.1:8080', want: 'http://127.0.0.1:8080' },
  { url: 'https://api.example:443/', want: 'https://api.example' },
  { url: 'http://[::1]:9000', want: 'http://[::1]:9000' },
  { url: 'http://h:1/path', want: undefined },
  { url: 'http://h:1?x=1', want: undefined },
  { url: 'http://user:pw@h:1', want: undefined },
  { url: 'ftp://h:1', want: undefined },
  { url: 'not a url', want: undefined },
];
for (const c of urlCases) {
  test(`endpoint URL ${c.url} → ${c.want}`, () => assert.equal(toOrigin(c.url), c.want));
}
