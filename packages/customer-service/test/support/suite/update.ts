import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detailPaths, startHarness, validCustomer, type DatabaseFactory } from '../harness.js';

const MERGE = { 'content-type': 'application/merge-patch+json' };

export function defineUpdateTests(factory: DatabaseFactory): void {
  test('PUT replaces the whole customer: omitted optional fields are reset', async (t) => {
    const { app } = await startHarness(t, factory);
    const created = (await app.inject({ method: 'POST', url: '/customers', payload: validCustomer({ status: 'inactive' }) })).json();
    const res = await app.inject({ method: 'PUT', url: `/customers/${created.id}`, payload: { name: 'Ada K.', email: 'ada.k@example.com' } });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(res.headers.etag, `"${created.id}-v2"`);
    assert.deepEqual(
      { name: body.name, email: body.email, phone: body.phone, address: body.address, status: body.status, version: body.version },
      { name: 'Ada K.', email: 'ada.k@example.com', phone: null, address: null, status: 'active', version: 2 },
    );
    assert.equal(body.createdAt, created.createdAt);
    assert.ok(body.updatedAt > created.updatedAt);
    assert.deepEqual((await app.inject({ method: 'GET', url: `/customers/${created.id}` })).json(), body);
  });

  test('PUT: 404 unknown id, 400 invalid body, 409 taken email, 415 non-JSON; nothing changes', async (t) => {
    const { app } = await startHarness(t, factory);
    const a = (await app.inject({ method: 'POST', url: '/customers', payload: validCustomer() })).json();
    await app.inject({ method: 'POST', url: '/customers', payload: validCustomer({ email: 'other@example.com' }) });
    const unknown = await app.inject({ method: 'PUT', url: '/customers/3f8d0a4e-9b1c-4f6e-8a2d-7c5b4e3a2f10', payload: validCustomer() });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'SVC_ERR_CUSTOMER_NOT_FOUND');
    const invalid = await app.inject({ method: 'PUT', url: `/customers/${a.id}`, payload: { name: 'x', id: a.id, version: 7 } });
    assert.equal(invalid.statusCode, 400);
    assert.deepEqual(detailPaths(invalid.json()), ['body:/email', 'body:/id', 'body:/version']);
    const taken = await app.inject({ method: 'PUT', url: `/customers/${a.id}`, payload: validCustomer({ email: 'OTHER@example.com' }) });
    assert.equal(taken.statusCode, 409);
    assert.equal(taken.json().error.code, 'SVC_ERR_EMAIL_TAKEN');
    const text = await app.inject({ method: 'PUT', url: `/customers/${a.id}`, headers: { 'content-type': 'text/plain' }, payload: 'x' });
    assert.equal(text.statusCode, 415);
    const badId = await app.inject({ method: 'PUT', url: '/customers/nope', payload: validCustomer() });
    assert.equal(badId.json().error.code, 'SVC_ERR_INVALID_ID');
    assert.deepEqual((await app.inject({ method: 'GET', url: `/customers/${a.id}` })).json(), a);
  });

  test('PUT keeps its own email when only the case changes', async (t) => {
    const { app } = await startHarness(t, factory);
    const a = (await app.inject({ method: 'POST', url: '/customers', payload: validCustomer() })).json();
    const res = await app.inject({ method: 'PUT', url: `/customers/${a.id}`, payload: validCustomer({ email: 'ADA@example.com' }) });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().email, 'ADA@example.com');
  });

  test('If-Match: stale or weak tag gives 412 and changes nothing; the current one (or *) writes', async (t) => {
    const { app } = await startHarness(t, factory);
    const a = (await app.inject({ method: 'POST', url: '/customers', payload: validCustomer() })).json();
    const v1 = `"${a.id}-v1"`;
    const ok = await app.inject({ method: 'PUT', url: `/customers/${a.id}`, headers: { 'if-match': v1 }, payload: validCustomer({ name: 'B' }) });
    assert.equal(ok.statusCode, 200);
    for (const header of [v1, `W/"${a.id}-v2"`, '"nonsense"']) {
      const put = await app.inject({ method: 'PUT', url: `/customers/${a.id}`, headers: { 'if-match': header }, payload: validCustomer({ name: 'C' }) });
      assert.equal(put.statusCode, 412, header);
      assert.equal(put.json().error.code, 'SVC_ERR_PRECONDITION_FAILED');
      const patch = await app.inject({
        method: 'PATCH',
        url: `/customers/${a.id}`,
        headers: { ...MERGE, 'if-match': header },
        payload: JSON.stringify({ name: 'C' }),
      });
      assert.equal(patch.statusCode, 412, header);
    }
    assert.equal((await app.inject({ method: 'GET', url: `/customers/${a.id}` })).json().name, 'B');
    const star = await app.inject({ method: 'PATCH', url: `/customers/${a.id}`, headers: { ...MERGE, 'if-match': '*' }, payload: '{"name":"D"}' });
    assert.equal(star.statusCode, 200);
    const list = await app.inject({
      method: 'PATCH',
      url: `/customers/${a.id}`,
      headers: { ...MERGE, 'if-match': `"x", "${a.id}-v3"` },
      payload: '{"name":"E"}',
    });
    assert.equal(list.statusCode, 200);
    assert.equal(list.headers.etag, `"${a.id}-v4"`);
  });

  test('two concurrent writes with the same If-Match: exactly one succeeds, the other gets 412', async (t) => {
    const { app } = await startHarness(t, factory);
    const a = (await app.inject({ method: 'POST', url: '/customers', payload: validCustomer() })).json();
    const ifMatch = `"${a.id}-v1"`;
    const puts = await Promise.all(
      ['P1', 'P2', 'P3'].map((name) =>
        app.inject({ method: 'PUT', url: `/customers/${a.id}`, headers: { 'if-match': ifMatch }, payload: validCustomer({ name }) }),
      ),
    );
    assert.deepEqual(puts.map((r) => r.statusCode).sort(), [200, 412, 412]);
    const ifMatch2 = `"${a.id}-v2"`;
    const patches = await Promise.all(
      ['Q1', 'Q2', 'Q3'].map((name) =>
        app.inject({ method: 'PATCH', url: `/customers/${a.id}`, headers: { ...MERGE, 'if-match': ifMatch2 }, payload: JSON.stringify({ name }) }),
      ),
    );
    assert.deepEqual(patches.map((r) => r.statusCode).sort(), [200, 412, 412]);
    const winner = patches.find((r) => r.statusCode === 200)!.json();
    const current = (await app.inject({ method: 'GET', url: `/customers/${a.id}` })).json();
    assert.equal(current.version, 3);
    assert.equal(current.name, winner.name);
  });

  test('concurrent PATCHes without If-Match all apply (re-read and retry), none is lost', async (t) => {
    const { app } = await startHarness(t, factory, { maxPatchAttempts: 10 });
    const a = (await app.inject({ method: 'POST', url: '/customers', payload: validCustomer({ phone: null, address: null }) })).json();
    const results = await Promise.all([
      app.inject({ method: 'PATCH', url: `/customers/${a.id}`, headers: MERGE, payload: '{"name":"New Name"}' }),
      app.inject({ method: 'PATCH', url: `/customers/${a.id}`, headers: MERGE, payload: '{"phone":"+1 555 0100"}' }),
      app.inject({ method: 'PATCH', url: `/customers/${a.id}`, headers: MERGE, payload: '{"status":"inactive"}' }),
    ]);
    assert.deepEqual(results.map((r) => r.statusCode), [200, 200, 200]);
    const current = (await app.inject({ method: 'GET', url: `/customers/${a.id}` })).json();
    assert.deepEqual([current.name, current.phone, current.status, current.version], ['New Name', '+1 555 0100', 'inactive', 4]);
  });

  test('PATCH merge semantics: null removes, nested address merges, absent members stay', async (t) => {
    const { app } = await startHarness(t, factory);
    const a = (await app.inject({ method: 'POST', url: '/customers', payload: validCustomer() })).json();
    const patch = (payload: unknown, headers: Record<string, string> = MERGE) =>
      app.inject({ method: 'PATCH', url: `/customers/${a.id}`, headers, payload: JSON.stringify(payload) });

    const city = await patch({ address: { city: 'Cambridge', postalCode: 'CB2 1TN' } });
    assert.equal(city.statusCode, 200);
    assert.deepEqual(city.json().address, { street: '12 St James Square', city: 'Cambridge', postalCode: 'CB2 1TN', country: 'GB' });
    assert.equal(city.json().phone, '+44 20 7946 0000');
    assert.equal(city.json().name, 'Ada Lovelace');

    const noPhone = await patch({ phone: null }, { 'content-type': 'application/json' });
    assert.equal(noPhone.statusCode, 200);
    assert.equal(noPhone.json().phone, null);
    assert.equal(noPhone.json().version, 3);

    const noAddress = await patch({ address: null, status: 'inactive' });
    assert.deepEqual([noAddress.json().address, noAddress.json().status], [null, 'inactive']);

    const partial = await patch({ address: { city: 'Paris' } });
    assert.equal(partial.statusCode, 400);
    assert.equal(partial.json().error.code, 'SVC_ERR_VALIDATION');
    assert.deepEqual(detailPaths(partial.json()), ['body:/address/country', 'body:/address/postalCode', 'body:/address/street']);

    const whole = await patch({ address: { street: '1 Rue de Rivoli', city: 'Paris', postalCode: '75001', country: 'FR' } });
    assert.equal(whole.statusCode, 200);
    const removeField = await patch({ address: { street: null } });
    assert.equal(removeField.statusCode, 400);
    assert.deepEqual(detailPaths(removeField.json()), ['body:/address/street']);

    for (const bad of [{ name: null }, { email: null }, { unknown: 1 }, { address: { floor: 3 } }, { email: 'nope' }]) {
      const res = await patch(bad);
      assert.equal(res.statusCode, 400, JSON.stringify(bad));
      assert.equal(res.json().error.code, 'SVC_ERR_VALIDATION');
    }
    const notObject = await app.inject({ method: 'PATCH', url: `/customers/${a.id}`, headers: MERGE, payload: '[1,2]' });
    assert.equal(notObject.statusCode, 400);

    const current = (await app.inject({ method: 'GET', url: `/customers/${a.id}` })).json();
    assert.equal(current.version, 5);
    assert.equal(current.address.city, 'Paris');

    const noop = await patch({ name: current.name });
    assert.equal(noop.statusCode, 200);
    assert.equal(noop.json().version, 5, 'a patch that changes nothing does not bump the version');
  });

  test('PATCH: 404 unknown id, 409 taken email, 415 other media types', async (t) => {
    const { app } = await startHarness(t, factory);
    const a = (await app.inject({ method: 'POST', url: '/customers', payload: validCustomer() })).json();
    await app.inject({ method: 'POST', url: '/customers', payload: validCustomer({ email: 'b@example.com' }) });
    const unknown = await app.inject({ method: 'PATCH', url: '/customers/3f8d0a4e-9b1c-4f6e-8a2d-7c5b4e3a2f10', headers: MERGE, payload: '{}' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'SVC_ERR_CUSTOMER_NOT_FOUND');
    const taken = await app.inject({ method: 'PATCH', url: `/customers/${a.id}`, headers: MERGE, payload: '{"email":"B@EXAMPLE.COM"}' });
    assert.equal(taken.statusCode, 409);
    assert.equal(taken.json().error.code, 'SVC_ERR_EMAIL_TAKEN');
    const patchJson = await app.inject({ method: 'PATCH', url: `/customers/${a.id}`, headers: { 'content-type': 'application/json-patch+json' }, payload: '[]' });
    assert.equal(patchJson.statusCode, 415);
    assert.equal(patchJson.json().error.code, 'SVC_ERR_UNSUPPORTED_MEDIA_TYPE');
    const malformed = await app.inject({ method: 'PATCH', url: `/customers/${a.id}`, headers: MERGE, payload: '{' });
    assert.equal(malformed.json().error.code, 'SVC_ERR_MALFORMED_BODY');
    assert.equal((await app.inject({ method: 'GET', url: `/customers/${a.id}` })).json().version, 1);
  });
}
