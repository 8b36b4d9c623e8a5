/**
 * Through a real gateway: a route that strips a prefix hands the client Location and
 * Content-Location headers in the gateway's path space, not the upstream's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeConfig, send, startGateway, startUpstream } from './support/data-plane.js';

test('Location and Content-Location come back under the route prefix', async (t) => {
  const upstream = await startUpstream(t, (req, res) => {
    res.statusCode = 201;
    res.setHeader('location', '/customers/42');
    res.setHeader('content-location', '/customers/42?v=1');
    res.end(JSON.stringify({ url: req.url }));
  });
  const gw = await startGateway(
    t,
    makeConfig({
      services: { customers: { endpoints: [{ url: upstream.url }] } },
      routes: [{ id: 'customers', match: { path: '/api/customers' }, service: 'customers', stripPrefix: '/api' }],
    }),
  );
  const res = await send(`${gw.url}/api/customers`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  assert.equal(res.status, 201);
  assert.equal(upstream.seen[0]?.url, '/customers');
  assert.equal(res.headers['location'], '/api/customers/42');
  assert.equal(res.headers['content-location'], '/api/customers/42?v=1');
});
