import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHarness, principal } from './cache-harness.js';

const cached = { headers: { 'cache-control': 'max-age=600' } };

for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
  test(`a successful ${method} invalidates the target URI in every partition and query variant`, async () => {
    const h = createHarness({}, (ctx) => (ctx.method === 'GET' ? { ...cached, body: `get-${ctx.principal?.subject ?? 'anon'}` } : { status: method === 'POST' ? 201 : 204, body: null }));
    await h.run({ principal: principal('alice') });
    await h.run({ principal: principal('bob') });
    await h.run({ query: 'expand=1' });
    assert.equal(h.calls.length, 3);
    const write = await h.run({ method });
    assert.equal(write.headers['cache-status'], 'Portero; fwd=method');
    await h.run({ principal: principal('alice') });
    await h.run({ principal: principal('bob') });
    await h.run({ query: 'expand=1' });
    assert.equal(h.calls.length, 7);
  });
}

// Failed writes leave the cache alone: [status, invalidates]
for (const [status, invalidates] of [[400, false], [404, false], [500, false], [200, true], [303, true]] as const) {
  test(`a write answered ${status} ${invalidates ? 'invalidates' : 'does not invalidate'}`, async () => {
    const h = createHarness({}, (ctx) => (ctx.method === 'GET' ? cached : { status }));
    await h.run({});
    await h.run({ method: 'PUT' });
    await h.run({});
    assert.equal(h.calls.length, invalidates ? 3 : 2);
  });
}

test('Location and Content-Location on the same origin are invalidated; other origins are not', async () => {
  const h = createHarness({}, (ctx) => {
    if (ctx.method === 'GET') return cached;
    return { status: 201, headers: { location: '/api/customers/42', 'content-location': 'http://gw.test/api/customers/./43' }, body: null };
  });
  for (const path of ['/api/customers/42', '/api/customers/43', '/api/customers/44']) await h.run({ path });
  await h.run({ method: 'POST', path: '/api/customers' });
  for (const path of ['/api/customers/42', '/api/customers/43', '/api/customers/44']) await h.run({ path });
  assert.equal(h.calls.length, 3 + 1 + 2);

  const foreign = createHarness({}, (ctx) => (ctx.method === 'GET' ? cached : { status: 201, headers: { location: 'http://evil.test/api/customers/42' }, body: null }));
  await foreign.run({ path: '/api/customers/42' });
  await foreign.run({ method: 'POST', path: '/api/customers' });
  await foreign.run({ path: '/api/customers/42' });
  assert.equal(foreign.calls.length, 2);
});

test('configured prefixes drop list queries: a change to /api/customers/{id} drops /api/customers?…', async () => {
  const h = createHarness({ invalidate: ['/api/customers'] }, (ctx) => (ctx.method === 'GET' ? cached : { status: 204, body: null }));
  await h.run({ path: '/api/customers', query: 'page=1' });
  await h.run({ path: '/api/customers', query: 'page=2' });
  await h.run({ path: '/api/customersx' });
  await h.run({ path: '/api/orders' });
  await h.run({ method: 'PATCH', path: '/api/customers/7' });
  await h.run({ path: '/api/customers', query: 'page=1' });
  await h.run({ path: '/api/customers', query: 'page=2' });
  await h.run({ path: '/api/customersx' });
  await h.run({ path: '/api/orders' });
  assert.equal(h.calls.length, 4 + 1 + 2);
});

test('invalidate templates use path parameters', async () => {
  const h = createHarness({ invalidate: ['/api/customers/{id}/orders'] }, (ctx) => (ctx.method === 'GET' ? cached : { status: 200 }));
  await h.run({ path: '/api/customers/7/orders/1' });
  await h.run({ path: '/api/customers/8/orders/1' });
  await h.run({ method: 'PUT', path: '/api/customers/7', params: { id: '7' } });
  await h.run({ path: '/api/customers/7/orders/1' });
  await h.run({ path: '/api/customers/8/orders/1' });
  assert.equal(h.calls.length, 2 + 1 + 1);
});

test('other methods pass through with Cache-Status fwd=method', async () => {
  const h = createHarness({ methods: ['GET'] }, () => cached);
  const head = await h.run({ method: 'HEAD' });
  const options = await h.run({ method: 'OPTIONS' });
  assert.equal(head.headers['cache-status'], 'Portero; fwd=method');
  assert.equal(options.headers['cache-status'], 'Portero; fwd=method');
});
