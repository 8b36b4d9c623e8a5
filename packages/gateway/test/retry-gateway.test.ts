import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeConfig, send, startGateway, startUpstream } from './support/data-plane.js';
import { createRegistryClient } from '../src/discovery/registry-client.js';

const route = { id: 'api', match: { path: '/api' }, service: 'api' };

test('gateway: an endpoint dying mid-traffic costs no failed request (retries on other endpoints, then ejection)', async (t) => {
  const ups = await Promise.all([startUpstream(t), startUpstream(t), startUpstream(t)]);
  const config = makeConfig({ services: { api: { endpoints: ups.map((u) => ({ url: u.url })) } }, routes: [route] });
  const gw = await startGateway(t, config);
  const statuses = new Map<number, number>();
  const total = 600;
  for (let i = 0; i < total; i++) {
    if (i === 100) {
      // Instance 0 dies: its connections are cut and its port refuses from now on.
      ups[0]!.server.closeAllConnections();
      ups[0]!.server.close();
    }
    const method = i % 3 === 0 ? 'PUT' : 'GET';
    const res = await send(`${gw.url}/api/items/${i}`, { method, body: method === 'PUT' ? 'x' : undefined });
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  }
  const ok = statuses.get(200) ?? 0;
  assert.ok(ok / total >= 0.999, `success ratio ${ok / total}: ${JSON.stringify([...statuses])}`);
  // After the death the survivors took the traffic.
  assert.ok(ups[1]!.seen.length + ups[2]!.seen.length >= total - 100 - 1);
  const metrics = await send(`${gw.adminUrl}/metrics`);
  assert.match(metrics.text, /portero_endpoint_healthy\{service="api",endpoint="http:\/\/127\.0\.0\.1:\d+"\} 0/);
});

test('gateway: POST is retried only with an Idempotency-Key; the upstream sees the whole body', async (t) => {
  let fail = true;
  const flaky = await startUpstream(t, (_req, res) => {
    // Fails every other request, so each POST's first try (whichever endpoint) may land here.
    res.statusCode = fail ? 503 : 200;
    fail = !fail;
    res.end('flaky');
  });
  const config = makeConfig({ services: { api: { endpoints: [{ url: flaky.url }], outlierDetection: { enabled: false }, retry: { backoffBaseMs: 0 } } }, routes: [route] });
  const gw = await startGateway(t, config);
  const without = await send(`${gw.url}/api/orders`, { method: 'POST', body: 'order-1', headers: { 'content-type': 'text/plain' } });
  assert.equal(without.status, 503);
  assert.equal(flaky.seen.length, 1);
  fail = true;
  const withKey = await send(`${gw.url}/api/orders`, { method: 'POST', body: 'order-2', headers: { 'content-type': 'text/plain', 'idempotency-key': 'k-2' } });
  assert.equal(withKey.status, 200);
  assert.deepEqual(flaky.seen.slice(1).map((s) => s.body), ['order-2', 'order-2']);
});

/** An upstream that cuts every connection as soon as the request arrives (a crashing instance). */
async function startResettingUpstream(t: Parameters<typeof startUpstream>[0]) {
  return startUpstream(t, (req) => req.socket.destroy());
}

test('gateway: every endpoint out → 503 GW_ERR_NO_ENDPOINT at once, with Retry-After', async (t) => {
  const { url } = await startResettingUpstream(t);
  const config = makeConfig({ services: { api: { endpoints: [{ url }], retry: { maxRetries: 0 }, outlierDetection: { consecutiveGatewayFailure: 2, baseEjectionTimeMs: 30000 } } }, routes: [route] });
  const gw = await startGateway(t, config);
  assert.equal((await send(`${gw.url}/api/x`)).status, 502);
  assert.equal((await send(`${gw.url}/api/x`)).status, 502);
  const res = await send(`${gw.url}/api/x`);
  assert.equal(res.status, 503);
  assert.equal(res.json().error.code, 'GW_ERR_NO_ENDPOINT');
  assert.equal(res.headers['retry-after'], '30');
});

test('gateway: the circuit breaker opens on a failing service and answers 503 GW_ERR_CIRCUIT_OPEN', async (t) => {
  const up = await startUpstream(t, (_req, res) => {
    res.statusCode = 500;
    res.end();
  });
  const config = makeConfig({
    services: { api: { endpoints: [{ url: up.url }], outlierDetection: { enabled: false }, circuitBreaker: { minRequestVolume: 5, failureRatio: 0.5, openDurationMs: 60000 } } },
    routes: [route],
  });
  const gw = await startGateway(t, config);
  for (let i = 0; i < 5; i++) assert.equal((await send(`${gw.url}/api/x`)).status, 500);
  const res = await send(`${gw.url}/api/x`);
  assert.equal(res.status, 503);
  assert.equal(res.json().error.code, 'GW_ERR_CIRCUIT_OPEN');
  assert.equal(res.headers['retry-after'], '60');
  assert.equal(up.seen.length, 5);
  const metrics = await send(`${gw.adminUrl}/metrics`);
  assert.match(metrics.text, /portero_circuit_breaker_state\{service="api"\} 1/);
});

test('gateway: services registered through the embedded registry get traffic; deregistration takes them out', async (t) => {
  const up = await startUpstream(t);
  const token = 'registry-token-0123456789abcdef';
  const config = makeConfig({ providers: { registry: { token } }, services: { api: { discovery: { provider: 'registry' } } }, routes: [route] });
  const gw = await startGateway(t, config);
  assert.equal((await send(`${gw.url}/api/x`)).status, 503);
  const client = createRegistryClient({ registryUrl: gw.adminUrl, token, service: 'api', url: up.url, id: 'api-1', ttlSeconds: 10 });
  await client.start();
  t.after(() => client.stop().catch(() => undefined));
  const res = await send(`${gw.url}/api/hello`);
  assert.equal(res.status, 200);
  assert.equal(up.seen.at(-1)!.url, '/api/hello');
  // The registry endpoints do not accept the admin token, and the admin API does not accept the registry token.
  const wrong = await send(`${gw.adminUrl}/registry/services/api/instances`, { headers: { authorization: 'Bearer test-admin-token-0123456789' } });
  assert.equal(wrong.status, 401);
  await client.stop();
  const after = await send(`${gw.url}/api/x`);
  assert.equal(after.status, 503);
  assert.equal(after.json().error.code, 'GW_ERR_NO_ENDPOINT');
});

test('gateway: /admin/services shows discovery staleness, breaker state, budget and endpoint health', async (t) => {
  const a = await startUpstream(t);
  const deadUrl = (await startResettingUpstream(t)).url;
  const config = makeConfig({ services: { api: { endpoints: [{ url: a.url }, { url: deadUrl }], outlierDetection: { consecutiveGatewayFailure: 1 } } }, routes: [route] });
  const gw = await startGateway(t, config);
  for (let i = 0; i < 4; i++) assert.equal((await send(`${gw.url}/api/x`)).status, 200);
  const body = (await send(`${gw.adminUrl}/admin/services`, { headers: { authorization: 'Bearer test-admin-token-0123456789' } })).json();
  const svc = body.services[0];
  assert.deepEqual(svc.discovery, { provider: 'static', stalenessSeconds: 0 });
  assert.equal(svc.circuitBreaker, 'closed');
  assert.equal(typeof svc.retryBudgetRemaining, 'number');
  const deadEntry = svc.endpoints.find((e: { origin: string }) => e.origin === deadUrl);
  assert.equal(deadEntry.available, false);
  assert.equal(typeof deadEntry.ejectedUntil, 'string');
  assert.equal(svc.endpoints.find((e: { origin: string }) => e.origin === a.url).ejectedUntil, null);
});
