import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { sql } from 'kysely';
import { startHarness, validCustomer, type DatabaseFactory } from '../harness.js';

function assertNoLeak(body: string): void {
  const parsed = JSON.parse(body);
  assert.deepEqual(Object.keys(parsed), ['error']);
  assert.deepEqual(Object.keys(parsed.error).sort(), ['code', 'message']);
  for (const word of ['select', 'insert', 'customers', 'sqlite', 'relation', 'stack', 'at ', '.ts', 'kysely', 'table']) {
    assert.ok(!parsed.error.message.toLowerCase().includes(word), `leaks "${word}": ${body}`);
  }
}

export function defineErrorAndHealthTests(factory: DatabaseFactory): void {
  test('unknown routes are 404, known paths with a wrong method 405 with Allow', async (t) => {
    const { app } = await startHarness(t, factory);
    const missing = await app.inject({ method: 'GET', url: '/nope' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'SVC_ERR_ROUTE_NOT_FOUND');
    const nested = await app.inject({ method: 'GET', url: '/customers/3f8d0a4e-9b1c-4f6e-8a2d-7c5b4e3a2f10/orders' });
    assert.equal(nested.json().error.code, 'SVC_ERR_ROUTE_NOT_FOUND');
    const wrong = await app.inject({ method: 'DELETE', url: '/customers' });
    assert.equal(wrong.statusCode, 405);
    assert.equal(wrong.json().error.code, 'SVC_ERR_METHOD_NOT_ALLOWED');
    assert.equal(wrong.headers.allow, 'GET, HEAD, POST');
    const wrongItem = await app.inject({ method: 'POST', url: '/customers/3f8d0a4e-9b1c-4f6e-8a2d-7c5b4e3a2f10' });
    assert.equal(wrongItem.statusCode, 405);
    assert.equal(wrongItem.headers.allow, 'DELETE, GET, HEAD, PATCH, PUT');
  });

  test('health: live is 200; ready is 200, then 503 while draining', async (t) => {
    const { app, readiness } = await startHarness(t, factory);
    assert.deepEqual((await app.inject({ method: 'GET', url: '/health/live' })).json(), { status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(ready.statusCode, 200);
    readiness.startDraining();
    const draining = await app.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(draining.statusCode, 503);
    assert.equal(draining.json().error.code, 'SVC_ERR_UNAVAILABLE');
    assert.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200);
  });

  test('a failing database gives 500 without internals, and readiness 503', async (t) => {
    const { app, handle } = await startHarness(t, factory);
    const a = (await app.inject({ method: 'POST', url: '/customers', payload: validCustomer() })).json();
    await sql`drop table customers`.execute(handle.db);
    const requests = [
      { method: 'GET' as const, url: `/customers/${a.id}` },
      { method: 'GET' as const, url: '/customers?q=x' },
      { method: 'POST' as const, url: '/customers', payload: validCustomer({ email: 'n@example.com' }) },
      { method: 'PATCH' as const, url: `/customers/${a.id}`, headers: { 'content-type': 'application/merge-patch+json' }, payload: '{}' },
      { method: 'DELETE' as const, url: `/customers/${a.id}` },
    ];
    for (const request of requests) {
      const res = await app.inject(request);
      assert.equal(res.statusCode, 500, request.url);
      assert.equal(res.json().error.code, 'SVC_ERR_INTERNAL');
      assertNoLeak(res.body);
    }
    await handle.db.destroy();
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.json().error.code, 'SVC_ERR_UNAVAILABLE');
    const read = await app.inject({ method: 'GET', url: `/customers/${a.id}` });
    assert.equal(read.statusCode, 500);
    assertNoLeak(read.body);
  });

  test('X-Request-Id is echoed, used as reqId in the JSON logs, and generated when absent or unsafe', async (t) => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const { app } = await startHarness(t, factory, { logger: { level: 'info', stream } });
    const given = await app.inject({ method: 'GET', url: '/customers/3f8d0a4e-9b1c-4f6e-8a2d-7c5b4e3a2f10', headers: { 'x-request-id': 'gw-abc-123' } });
    assert.equal(given.headers['x-request-id'], 'gw-abc-123');
    assert.ok(lines.some((l) => l.reqId === 'gw-abc-123' && l.msg === 'request completed'));
    assert.ok(lines.some((l) => l.reqId === 'gw-abc-123' && l.code === 'SVC_ERR_CUSTOMER_NOT_FOUND'));
    const generated = await app.inject({ method: 'GET', url: '/health/live' });
    assert.match(String(generated.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    const unsafe = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'a"b\nc' } });
    assert.match(String(unsafe.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    const long = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'x'.repeat(129) } });
    assert.match(String(long.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    const errorResponse = await app.inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': 'r-404' } });
    assert.equal(errorResponse.headers['x-request-id'], 'r-404');
  });
}
