/**
 * The admin listener: open health and metrics, token-protected admin API (deny by default),
 * admin plugins registered behind the token.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeConfig, send, startGateway, startUpstream } from './support/data-plane.js';

const TOKEN = 'test-admin-token-0123456789';

async function setup(t: import('node:test').TestContext, admin: Record<string, unknown> = { port: 0, token: TOKEN }, env: Record<string, string> = {}) {
  const upstream = await startUpstream(t);
  const gw = await startGateway(
    t,
    makeConfig({
      admin,
      services: { app: { endpoints: [{ url: upstream.url }] } },
      routes: [{ id: 'customers', match: { path: '/api/customers' }, service: 'app' }],
    }),
    {
      env,
      adminPlugins: [
        async (app) => {
          app.delete('/admin/test-plugin', async () => ({ purged: true }));
        },
      ],
    },
  );
  return { upstream, gw };
}

test('health endpoints are open; ready while serving', async (t) => {
  const { gw } = await setup(t);
  assert.deepEqual((await send(gw.adminUrl + '/health/live')).json(), { status: 'live' });
  const ready = await send(gw.adminUrl + '/health/ready');
  assert.equal(ready.status, 200);
});

test('/metrics: requests by route id (never raw paths), route="none" for unmatched, upstream and in-flight series', async (t) => {
  const { upstream, gw } = await setup(t);
  await send(gw.url + '/api/customers/42');
  await send(gw.url + '/api/customers/43');
  await send(gw.url + '/nowhere/secret-path');
  const res = await send(gw.adminUrl + '/metrics');
  assert.equal(res.status, 200);
  const text = res.text;
  assert.match(text, /^portero_requests_total\{route="customers",method="GET",status="200"\} 2$/m);
  assert.match(text, /^portero_requests_total\{route="none",method="GET",status="404"\} 1$/m);
  assert.match(text, /^portero_request_duration_seconds_count\{route="customers"\} 2$/m);
  assert.match(text, /^portero_request_duration_seconds_bucket\{route="customers",le="\+Inf"\} 2$/m);
  assert.match(text, new RegExp(`^portero_upstream_requests_total\\{service="app",endpoint="${upstream.url}",status="200"\\} 2$`, 'm'));
  assert.match(text, /^portero_upstream_request_duration_seconds_count\{service="app",endpoint="[^"]+"\} 2$/m);
  assert.match(text, /^portero_requests_in_flight 0$/m);
  assert.ok(!text.includes('secret-path'));
  assert.ok(!text.includes('/api/customers/42'));
});

test('admin API: 401 without or with a wrong token, data with the right one', async (t) => {
  const { gw, upstream } = await setup(t);
  const none = await send(gw.adminUrl + '/admin/routes');
  assert.equal(none.status, 401);
  assert.equal(none.json().error.code, 'GW_ERR_ADMIN_UNAUTHORIZED');
  const wrong = await send(gw.adminUrl + '/admin/routes', { headers: { authorization: 'Bearer nope' } });
  assert.equal(wrong.status, 401);
  const auth = { authorization: `Bearer ${TOKEN}` };
  const routes = (await send(gw.adminUrl + '/admin/routes', { headers: auth })).json();
  assert.deepEqual(routes.routes, [{ id: 'customers', service: 'app', match: { type: 'prefix', path: '/api/customers', methods: null, host: null }, filters: [] }]);
  const services = (await send(gw.adminUrl + '/admin/services', { headers: auth })).json();
  assert.equal(services.services[0].name, 'app');
  assert.equal(services.services[0].endpoints[0].origin, upstream.url);
  assert.equal(services.services[0].endpoints[0].available, true);
  const plugin = await send(gw.adminUrl + '/admin/test-plugin', { method: 'DELETE' });
  assert.equal(plugin.status, 401);
  const pluginOk = await send(gw.adminUrl + '/admin/test-plugin', { method: 'DELETE', headers: auth });
  assert.deepEqual(pluginOk.json(), { purged: true });
});

test('admin API without a configured token is denied (503) and health stays open', async (t) => {
  const { gw } = await setup(t, { port: 0 });
  const res = await send(gw.adminUrl + '/admin/services', { headers: { authorization: 'Bearer anything-at-all-here' } });
  assert.equal(res.status, 503);
  assert.equal(res.json().error.code, 'GW_ERR_ADMIN_DISABLED');
  assert.equal((await send(gw.adminUrl + '/health/live')).status, 200);
});

test('PORTERO_ADMIN_TOKEN overrides admin.token', async (t) => {
  const { gw } = await setup(t, { port: 0, token: TOKEN }, { PORTERO_ADMIN_TOKEN: 'env-token-abcdefghijkl' });
  assert.equal((await send(gw.adminUrl + '/admin/routes', { headers: { authorization: `Bearer ${TOKEN}` } })).status, 401);
  assert.equal((await send(gw.adminUrl + '/admin/routes', { headers: { authorization: 'Bearer env-token-abcdefghijkl' } })).status, 200);
});

test('access log: one line per request with the agreed fields, credentials never logged', async (t) => {
  const { gw, upstream } = await setup(t);
  const res = await send(gw.url + '/api/customers/1?x=1', { headers: { authorization: 'Bearer secret-token', cookie: 'sid=secret-cookie', 'x-request-id': 'log-1' } });
  await new Promise((r) => setImmediate(r));
  const lines = gw.logs.filter((l) => l.msg === 'request');
  assert.equal(lines.length, 1);
  const line = lines[0] as Record<string, unknown>;
  assert.deepEqual(
    { reqId: line.reqId, method: line.method, path: line.path, route: line.route, status: line.status, upstream: line.upstream, bytes: line.bytes },
    { reqId: 'log-1', method: 'GET', path: '/api/customers/1', route: 'customers', status: 200, upstream: upstream.url, bytes: Buffer.byteLength(res.text) },
  );
  assert.equal(typeof line.durationMs, 'number');
  assert.ok(!JSON.stringify(gw.logs).includes('secret'));
});

test('logging.accessLog=false writes no access lines', async (t) => {
  const upstream = await startUpstream(t);
  const gw = await startGateway(
    t,
    makeConfig({ logging: { accessLog: false }, services: { app: { endpoints: [{ url: upstream.url }] } }, routes: [{ id: 'r', match: { path: '/' }, service: 'app' }] }),
  );
  await send(gw.url + '/a');
  await new Promise((r) => setImmediate(r));
  assert.equal(gw.logs.filter((l) => l.msg === 'request').length, 0);
});
