import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detailPaths, startHarness, validCustomer, type DatabaseFactory } from '../harness.js';

export function defineCreateTests(factory: DatabaseFactory): void {
  test('POST /customers creates with defaults, Location and ETag', async (t) => {
    const { app } = await startHarness(t, factory);
    const res = await app.inject({ method: 'POST', url: '/customers', payload: { name: 'Grace Hopper', email: 'grace@example.com' } });
    assert.equal(res.statusCode, 201);
    const body = res.json();
    assert.match(body.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(
      { ...body, id: undefined },
      {
        id: undefined,
        name: 'Grace Hopper',
        email: 'grace@example.com',
        phone: null,
        address: null,
        status: 'active',
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
        version: 1,
      },
    );
    assert.equal(res.headers.location, `/customers/${body.id}`);
    assert.equal(res.headers.etag, `"${body.id}-v1"`);
    const read = await app.inject({ method: 'GET', url: `/customers/${body.id}` });
    assert.deepEqual(read.json(), body);
  });

  test('POST keeps every field of a full customer', async (t) => {
    const { app } = await startHarness(t, factory);
    const input = validCustomer({ status: 'inactive' });
    const res = await app.inject({ method: 'POST', url: '/customers', payload: input });
    assert.equal(res.statusCode, 201);
    const { id, createdAt, updatedAt, version, ...fields } = res.json();
    assert.deepEqual(fields, input);
    assert.equal(typeof id, 'string');
    assert.equal(createdAt, updatedAt);
    assert.equal(version, 1);
  });

  test('POST with invalid fields answers 400 with every path and creates nothing', async (t) => {
    const { app } = await startHarness(t, factory);
    const res = await app.inject({
      method: 'POST',
      url: '/customers',
      payload: { email: 'not-an-email', phone: 12, extra: true, address: { street: 'x', city: 'y', postalCode: 'z', country: 'XX', floor: 2 } },
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'SVC_ERR_VALIDATION');
    assert.deepEqual(detailPaths(res.json()), [
      'body:/address/country',
      'body:/address/floor',
      'body:/email',
      'body:/extra',
      'body:/name',
      'body:/phone',
    ]);
    const list = await app.inject({ method: 'GET', url: '/customers' });
    assert.deepEqual(list.json().items, []);
  });

  test('POST does not coerce types nor accept blank names or overlong fields', async (t) => {
    const { app } = await startHarness(t, factory);
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 123 }, 'body:/name'],
      [{ name: '   ' }, 'body:/name'],
      [{ name: 'x'.repeat(201) }, 'body:/name'],
      [{ name: '' }, 'body:/name'],
      [{ status: 'deleted' }, 'body:/status'],
      [{ address: { street: 'a', city: 'b', postalCode: 'c', country: 'es' } }, 'body:/address/country'],
      [{ address: { street: 'a', city: 'b', country: 'ES' } }, 'body:/address/postalCode'],
      [{ email: 'a@b' }, 'body:/email'],
      [{ name: 'nul\u0000byte' }, 'body:/name'],
      [{ address: { street: 'a\u0000', city: 'b', postalCode: 'c', country: 'ES' } }, 'body:/address/street'],
    ];
    for (const [override, path] of cases) {
      const res = await app.inject({ method: 'POST', url: '/customers', payload: validCustomer(override) });
      assert.equal(res.statusCode, 400, JSON.stringify(override));
      assert.equal(res.json().error.code, 'SVC_ERR_VALIDATION');
      assert.deepEqual(detailPaths(res.json()), [path], JSON.stringify(override));
    }
    const name200 = await app.inject({ method: 'POST', url: '/customers', payload: validCustomer({ name: 'x'.repeat(200) }) });
    assert.equal(name200.statusCode, 201);
  });

  test('POST with an email already used (any case) answers 409', async (t) => {
    const { app } = await startHarness(t, factory);
    assert.equal((await app.inject({ method: 'POST', url: '/customers', payload: validCustomer() })).statusCode, 201);
    const res = await app.inject({ method: 'POST', url: '/customers', payload: validCustomer({ email: 'ADA@Example.COM' }) });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().error.code, 'SVC_ERR_EMAIL_TAKEN');
    assert.equal((await app.inject({ method: 'GET', url: '/customers' })).json().items.length, 1);
  });

  test('two concurrent creates with the same email: exactly one wins, the other gets 409', async (t) => {
    const { app } = await startHarness(t, factory);
    const results = await Promise.all(
      ['race@example.com', 'RACE@example.com', 'Race@Example.com', 'race@EXAMPLE.com'].map((email) =>
        app.inject({ method: 'POST', url: '/customers', payload: validCustomer({ email }) }),
      ),
    );
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [201, 409, 409, 409]);
    for (const r of results.filter((r) => r.statusCode === 409)) assert.equal(r.json().error.code, 'SVC_ERR_EMAIL_TAKEN');
    assert.equal((await app.inject({ method: 'GET', url: '/customers' })).json().items.length, 1);
  });

  test('POST body limits, media types and malformed JSON', async (t) => {
    const { app } = await startHarness(t, factory);
    const big = JSON.stringify(validCustomer({ name: 'x'.repeat(65 * 1024) }));
    const tooLarge = await app.inject({ method: 'POST', url: '/customers', headers: { 'content-type': 'application/json' }, payload: big });
    assert.equal(tooLarge.statusCode, 413);
    assert.equal(tooLarge.json().error.code, 'SVC_ERR_PAYLOAD_TOO_LARGE');

    const text = await app.inject({ method: 'POST', url: '/customers', headers: { 'content-type': 'text/plain' }, payload: 'hello' });
    assert.equal(text.statusCode, 415);
    assert.equal(text.json().error.code, 'SVC_ERR_UNSUPPORTED_MEDIA_TYPE');
    const form = await app.inject({ method: 'POST', url: '/customers', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=b' });
    assert.equal(form.statusCode, 415);
    const patchType = await app.inject({
      method: 'POST',
      url: '/customers',
      headers: { 'content-type': 'application/merge-patch+json' },
      payload: JSON.stringify(validCustomer()),
    });
    assert.equal(patchType.statusCode, 415);
    assert.equal(patchType.json().error.code, 'SVC_ERR_UNSUPPORTED_MEDIA_TYPE');

    const malformed = await app.inject({ method: 'POST', url: '/customers', headers: { 'content-type': 'application/json' }, payload: '{"name":' });
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json().error.code, 'SVC_ERR_MALFORMED_BODY');
    const empty = await app.inject({ method: 'POST', url: '/customers', headers: { 'content-type': 'application/json' }, payload: '' });
    assert.equal(empty.statusCode, 400);
    assert.equal(empty.json().error.code, 'SVC_ERR_MALFORMED_BODY');
    const proto = await app.inject({
      method: 'POST',
      url: '/customers',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"a","email":"a@example.com","__proto__":{"admin":true}}',
    });
    assert.equal(proto.statusCode, 400);
    assert.equal((await app.inject({ method: 'GET', url: '/customers' })).json().items.length, 0);
  });

  test('the body limit is configurable', async (t) => {
    const { app } = await startHarness(t, factory, { bodyLimitBytes: 256 });
    const small = await app.inject({ method: 'POST', url: '/customers', payload: { name: 'A', email: 'a@example.com' } });
    assert.equal(small.statusCode, 201);
    const res = await app.inject({ method: 'POST', url: '/customers', payload: validCustomer({ name: 'x'.repeat(300) }) });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error.code, 'SVC_ERR_PAYLOAD_TOO_LARGE');
  });
}
