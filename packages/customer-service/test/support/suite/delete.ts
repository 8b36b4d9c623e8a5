import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness, validCustomer, type DatabaseFactory } from '../harness.js';

export function defineDeleteTests(factory: DatabaseFactory): void {
  test('DELETE answers 204, then the customer is gone (404) and its email is free again', async (t) => {
    const { app } = await startHarness(t, factory);
    const a = (await app.inject({ method: 'POST', url: '/customers', payload: validCustomer() })).json();
    const res = await app.inject({ method: 'DELETE', url: `/customers/${a.id}` });
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, '');
    assert.equal((await app.inject({ method: 'GET', url: `/customers/${a.id}` })).statusCode, 404);
    const again = await app.inject({ method: 'DELETE', url: `/customers/${a.id}` });
    assert.equal(again.statusCode, 404);
    assert.equal(again.json().error.code, 'SVC_ERR_CUSTOMER_NOT_FOUND');
    assert.equal((await app.inject({ method: 'POST', url: '/customers', payload: validCustomer() })).statusCode, 201);
    assert.equal((await app.inject({ method: 'DELETE', url: '/customers/not-a-uuid' })).json().error.code, 'SVC_ERR_INVALID_ID');
  });

  test('DELETE honours If-Match', async (t) => {
    const { app } = await startHarness(t, factory);
    const a = (await app.inject({ method: 'POST', url: '/customers', payload: validCustomer() })).json();
    await app.inject({ method: 'PATCH', url: `/customers/${a.id}`, headers: { 'content-type': 'application/merge-patch+json' }, payload: '{"name":"X"}' });
    const stale = await app.inject({ method: 'DELETE', url: `/customers/${a.id}`, headers: { 'if-match': `"${a.id}-v1"` } });
    assert.equal(stale.statusCode, 412);
    assert.equal(stale.json().error.code, 'SVC_ERR_PRECONDITION_FAILED');
    assert.equal((await app.inject({ method: 'GET', url: `/customers/${a.id}` })).statusCode, 200);
    const unknown = await app.inject({ method: 'DELETE', url: '/customers/3f8d0a4e-9b1c-4f6e-8a2d-7c5b4e3a2f10', headers: { 'if-match': '*' } });
    assert.equal(unknown.statusCode, 404);
    const current = await app.inject({ method: 'DELETE', url: `/customers/${a.id}`, headers: { 'if-match': `"${a.id}-v2"` } });
    assert.equal(current.statusCode, 204);
  });

  test('a concurrent update between the If-Match check and the delete makes the delete fail with 412', async (t) => {
    const { app } = await startHarness(t, factory);
    const a = (await app.inject({ method: 'POST', url: '/customers', payload: validCustomer() })).json();
    const v1 = `"${a.id}-v1"`;
    const [put, del] = await Promise.all([
      app.inject({ method: 'PUT', url: `/customers/${a.id}`, headers: { 'if-match': v1 }, payload: validCustomer({ name: 'Y' }) }),
      app.inject({ method: 'DELETE', url: `/customers/${a.id}`, headers: { 'if-match': v1 } }),
    ]);
    // Exactly one of the two conditional writes may win.
    const outcome = `${put.statusCode}/${del.statusCode}`;
    // When the delete lands first the PUT finds no customer at all, which this service answers 404.
    assert.ok(['200/412', '412/204', '404/204'].includes(outcome), outcome);
    const read = await app.inject({ method: 'GET', url: `/customers/${a.id}` });
    assert.equal(read.statusCode, put.statusCode === 200 ? 200 : 404);
  });
}
