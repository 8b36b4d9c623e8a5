/**
 * The resilient proxy runs most of a request inside undici's callbacks, which swallow a throw. A
 * fault there (here: a passive-health listener that throws) must still end the request with a
 * rejection (the listener answers 500), release the breaker permit once, and balance the
 * endpoint's tryStarted/tryFinished, on a first try and on a retry.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { Pool } from 'undici';
import { RequestContext } from '../src/listener/request-context.js';
import { createGatewayMetrics } from '../src/metrics/gateway-metrics.js';
import { createResilientProxyTerminal } from '../src/retry/resilient-proxy-terminal.js';
import { defaultRetryConfig } from '../src/retry/retry-policy.js';

async function upstream(t: TestContext, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function world(t: TestContext, origin: string, reportResult: (id: string, outcome: unknown) => void) {
  const counters = { started: 0, finished: 0, releases: [] as unknown[], logged: [] as unknown[] };
  const pool = new Pool(origin, { connections: 4 });
  t.after(() => pool.destroy());
  const state = { endpoint: { id: 'e0', origin, weight: 1 }, pool, active: 0, available: true };
  const runtime = {
    name: 'svc',
    maxActivePerEndpoint: 100,
    config: { retry: { ...defaultRetryConfig, backoffBaseMs: 0 } },
    pickEndpoint: () => state,
    tryStarted: () => void counters.started++,
    tryFinished: () => void counters.finished++,
    reportResult,
  };
  const breaker = {
    tryAcquire: () => ({ ok: true, permit: { release: (outcome: unknown) => void counters.releases.push(outcome) } }),
  };
  const resilience = { health: { retryAfterSeconds: () => 1 }, breaker, budget: undefined, hashKey: undefined, metrics: undefined };
  const terminal = createResilientProxyTerminal({ metrics: createGatewayMetrics(), maxBodyBytes: 1e6, resilience: () => resilience as never });
  const route = { id: 'r', service: runtime, config: {}, rewriteLocation: undefined, logger: { error: (o: unknown) => void counters.logged.push(o) } };
  const ctx = (): RequestContext => {
    const c = new RequestContext({ headers: {}, method: 'GET' } as never, {} as never, performance.now());
    c.route = route as never;
    c.upstreamPath = '/x';
    c.upstreamHeaders = { host: 'upstream' };
    return c;
  };
  return { counters, run: () => terminal(ctx(), () => Promise.resolve()) };
}

/** How the request ended within 2 s: `resolved`, `rejected: <message>`, or `pending`. */
function outcome(run: Promise<void>): Promise<string> {
  const settled = run.then(
    () => 'resolved',
    (err: Error) => `rejected: ${err.message}`,
  );
  return Promise.race([settled, new Promise<string>((resolve) => setTimeout(() => resolve('pending'), 2000).unref())]);
}

test('a throw while the response head is handled rejects the request and releases the permit once', async (t) => {
  const origin = await upstream(t, (_req, res) => res.end('ok'));
  const w = world(t, origin, () => {
    throw new Error('listener bug');
  });
  assert.equal(await outcome(w.run()), 'rejected: listener bug');
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(w.counters.releases, ['cancelled']);
  assert.equal(w.counters.started, 1);
  assert.equal(w.counters.finished, 1);
});

test('a throw while a failed try is handled (connection refused) rejects the request and releases the permit once', async (t) => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const w = world(t, origin, () => {
    throw new Error('listener bug on failure');
  });
  assert.equal(await outcome(w.run()), 'rejected: listener bug on failure');
  assert.deepEqual(w.counters.releases, ['cancelled']);
  assert.equal(w.counters.started, w.counters.finished);
});

test('a throw on the retry (second try) rejects the request instead of an unhandled rejection', async (t) => {
  let n = 0;
  const origin = await upstream(t, (_req, res) => {
    res.statusCode = n++ === 0 ? 503 : 200;
    res.end('x');
  });
  let reports = 0;
  const w = world(t, origin, () => {
    if (++reports === 2) throw new Error('second report fails');
  });
  assert.equal(await outcome(w.run()), 'rejected: second report fails');
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(w.counters.releases, ['cancelled']);
  assert.equal(w.counters.started, 2);
  assert.equal(w.counters.finished, 2);
});
