import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness, validCustomer, type DatabaseFactory } from '../harness.js';

export function defineReadTests(factory: DatabaseFactory): void {
  test('GET /customers/{id}: ETag, Last-Modified, Cache-Control; If-None-Match gives 304', async (t) => {
    const { app } = await startHarness(t, factory);
    const created = (await app.inject({ method: 'POST', url: '/customers', payload: validCustomer() })).json();
    const res = await app.inject({ method: 'GET', url: `/customers/${created.id}` });
    assert.equal(res.statusCode, 200);
    const etag = `"${created.id}-v1"`;
    assert.equal(res.headers.etag, etag);
    assert.equal(res.headers['last-modified'], new Date(created.updatedAt).toUTCString());
    assert.equal(res.headers['cache-control'], 'private, no-cache');

    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*', `"a","b" , ${etag}`]) {
      const cached = await app.inject({ method: 'GET', url: `/customers/${created.id}`, headers: { 'if-none-match': header } });
      assert.equal(cached.statusCode, 304, header);
      assert.equal(cached.body, '');
      assert.equal(cached.headers.etag, etag);
      assert.equal(cached.headers['cache-control'], 'private, no-cache');
    }
    for (const header of [`"${created.id}-v2"`, '"other"', 'garbage', `"${created.id}-v1`]) {
      const fresh = await app.inject({ method: 'GET', url: `/customers/${created.id}`, headers: { 'if-none-match': header } });
      assert.equal(fresh.statusCode, 200, header);
    }
  });

  test('the ETag changes when the customer changes, and the old one no longer gives 304', async (t) => {
    const { app } = await startHarness(t, factory);
    const created = (await app.inject({ method: 'POST', url: '/customers', payload: validCustomer() })).json();
    const patched = await app.inject({
      method: 'PATCH',
      url: `/customers/${created.id}`,
      headers: { 'content-type': 'application/merge-patch+json' },
      payload: JSON.stringify({ name: 'Augusta Ada King' }),
    });
    assert.equal(patched.headers.etag, `"${created.id}-v2"`);
    const res = await app.inject({ method: 'GET', url: `/customers/${created.id}`, headers: { 'if-none-match': `"${created.id}-v1"` } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().name, 'Augusta Ada King');
  });

  test('Cache-Control is configurable', async (t) => {
    const { app } = await startHarness(t, factory, { cacheControl: 'private, max-age=30' });
    const created = (await app.inject({ method: 'POST', url: '/customers', payload: validCustomer() })).json();
    const res = await app.inject({ method: 'GET', url: `/customers/${created.id}` });
    assert.equal(res.headers['cache-control'], 'private, max-age=30');
  });

  test('GET with a malformed id is 400, an unknown id 404; ids are case-insensitive', async (t) => {
    const { app } = await startHarness(t, factory);
    for (const id of ['abc', '123', '00000000-0000-0000-0000-00000000000', "1' or '1'='1"]) {
      const res = await app.inject({ method: 'GET', url: `/customers/${encodeURIComponent(id)}` });
      assert.equal(res.statusCode, 400, id);
      assert.equal(res.json().error.code, 'SVC_ERR_INVALID_ID');
      assert.equal(res.json().error.details[0].path, '/id');
    }
    const missing = await app.inject({ method: 'GET', url: '/customers/3f8d0a4e-9b1c-4f6e-8a2d-7c5b4e3a2f10' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'SVC_ERR_CUSTOMER_NOT_FOUND');
    const created = (await app.inject({ method: 'POST', url: '/customers', payload: validCustomer() })).json();
    const upper = await app.inject({ method: 'GET', url: `/customers/${created.id.toUpperCase()}` });
    assert.equal(upper.statusCode, 200);
    assert.equal(upper.json().id, created.id);
  });
}
