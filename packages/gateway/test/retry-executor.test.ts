import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Pool } from 'undici';
import { Registry } from 'prom-client';
import { executeWithRetries, type RetryResult } from '../src/retry/retry-executor.js';
import { defaultRetryConfig, type RetryConfig } from '../src/retry/retry-policy.js';
import { prepareReplayableBody } from '../src/retry/replayable-body.js';
import { createRetryBudget } from '../src/retry/retry-budget.js';
import { createManualClock } from '../src/health/manual-clock.js';
import { createResilienceMetrics } from '../src/health/resilience-metrics.js';
import { createWeightedRoundRobinBalancer } from '../src/service/balancers/weighted-round-robin.js';
import type { Scheduler } from '../src/health/clock.js';
import type { Endpoint } from '../src/service/types.js';

/** What an upstream does with each request it receives, in order; past the list it answers 200. */
type Behavior = number | { status: number; retryAfter: string } | 'reset' | 'hang';
type Upstream = { endpoint: Endpoint; received: { method: string; body: string }[]; arrived: (n: number) => Promise<void> };

async function startUpstream(t: TestContext, id: string, behaviors: Behavior[]): Promise<Upstream> {
  const received: { method: string; body: string }[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    received.push({ method: req.method!, body });
    for (const w of waiters.filter((w) => received.length >= w.n)) w.resolve();
    const b = behaviors.shift() ?? 200;
    if (b === 'reset') return req.socket.destroy();
    if (b === 'hang') return void hanging.push(res);
    if (typeof b === 'number') return void res.writeHead(b, { 'x-upstream': id }).end(`${id}:${b}`);
    res.writeHead(b.status, { 'x-upstream': id, 'retry-after': b.retryAfter }).end(`${id}:${b.status}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: { id, origin: `http://127.0.0.1:${port}`, weight: 1 },
    received,
    arrived: (n) => (received.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
  };
}

/**
 * An endpoint on a port nothing listens on: connections are refused. Taken after the other
 * upstreams listen, and never one of their ports (a just-freed port can be handed out again).
 */
async function refusedEndpoint(id: string, taken: Endpoint[]): Promise<Endpoint> {
  for (;;) {
    const s = createServer();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const { port } = s.address() as AddressInfo;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    const origin = `http://127.0.0.1:${port}`;
    if (!taken.some((e) => e.origin === origin)) return { id, origin, weight: 1 };
  }
}

/** Records every delay set, so a test can wait for a backoff sleep and check its length. */
function recordingScheduler(inner: Scheduler) {
  const delays: number[] = [];
  return { delays, scheduler: { setTimeout: (fn: () => void, ms: number) => (delays.push(ms), inner.setTimeout(fn, ms)), clearTimeout: inner.clearTimeout } };
}

interface RunOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | string[];
  config?: Partial<RetryConfig>;
  budget?: ReturnType<typeof createRetryBudget>;
}

async function setupService(t: TestContext, endpoints: Endpoint[]) {
  const pools = new Map(endpoints.map((e) => [e.id, new Pool(e.origin, { connections: 4 })]));
  t.after(() => Promise.all([...pools.values()].map((p) => p.close())));
  const balancer = createWeightedRoundRobinBalancer();
  balancer.update(endpoints);
  const clock = createManualClock();
  const rec = recordingScheduler(clock.scheduler);
  const metrics = createResilienceMetrics(new Registry());
  const reports: string[] = [];
  const run = async (o: RunOptions = {}) => {
    const method = o.method ?? 'GET';
    const chunks = o.body === undefined ? null : Array.isArray(o.body) ? o.body : [o.body];
    const config = { ...defaultRetryConfig, backoffBaseMs: 0, ...o.config };
    const body = await prepareReplayableBody(chunks && Readable.from(chunks.map((c) => Buffer.from(c))), { maxReplayBytes: config.maxReplayBodyBytes });
    const result: RetryResult<Awaited<ReturnType<Pool['request']>>> = await executeWithRetries({
      service: 'orders',
      method,
      headers: o.headers ?? {},
      body,
      config,
      pick: (ctx) => balancer.pick(ctx),
      send: (endpoint, b, signal) => pools.get(endpoint.id)!.request({ path: '/x', method, headers: o.headers, body: b, signal }),
      report: (endpoint, outcome) => reports.push(`${endpoint.id}:${outcome.kind === 'response' ? outcome.status : outcome.error}`),
      budget: o.budget,
      clock: clock.now,
      scheduler: rec.scheduler,
      random: () => 0.5,
      metrics,
    });
    if (result.kind === 'response') {
      const text = await result.response.body.text();
      return { kind: result.kind, status: result.response.statusCode, text, tries: result.tries };
    }
    return { ...result, cause: undefined };
  };
  return { run, clock, rec, reports, metrics };
}

const scenarios: {
  name: string;
  a: Behavior[] | 'refused';
  b?: Behavior[];
  req?: RunOptions;
  want: { kind: string; status?: number; text?: string; tries: number; error?: string };
  reports: string[];
}[] = [
  { name: 'GET: 503 on A → retried on B', a: [503], req: {}, want: { kind: 'response', status: 200, text: 'b:200', tries: 2 }, reports: ['a:503', 'b:200'] },
  { name: 'GET: A refuses connections → B', a: 'refused', want: { kind: 'response', status: 200, text: 'b:200', tries: 2 }, reports: ['a:connect', 'b:200'] },
  { name: 'GET: A resets after reading → B', a: ['reset'], want: { kind: 'response', status: 200, text: 'b:200', tries: 2 }, reports: ['a:reset', 'b:200'] },
  { name: 'GET: 404 is an answer, not retried', a: [404], want: { kind: 'response', status: 404, text: 'a:404', tries: 1 }, reports: ['a:404'] },
  { name: 'GET: 500 not in retryOn', a: [500], want: { kind: 'response', status: 500, text: 'a:500', tries: 1 }, reports: ['a:500'] },
  { name: 'GET: 500 retried with 5xx', a: [500], req: { config: { retryOn: ['5xx'] } }, want: { kind: 'response', status: 200, text: 'b:200', tries: 2 }, reports: ['a:500', 'b:200'] },
  { name: 'GET: 503 with retryOn lacking 503', a: [503], req: { config: { retryOn: ['502', 'connect-failure'] } }, want: { kind: 'response', status: 503, text: 'a:503', tries: 1 }, reports: ['a:503'] },
  { name: 'GET: every endpoint 503 → last 503 after maxRetries, each endpoint once', a: [503], b: [503, 503], req: { config: { maxRetries: 1 } }, want: { kind: 'response', status: 503, text: 'b:503', tries: 2 }, reports: ['a:503', 'b:503'] },
  { name: 'GET: maxRetries 0 disables retries', a: [503], req: { config: { maxRetries: 0 } }, want: { kind: 'response', status: 503, text: 'a:503', tries: 1 }, reports: ['a:503'] },
  { name: 'PUT is idempotent → retried', a: [502], req: { method: 'PUT', body: 'p' }, want: { kind: 'response', status: 200, text: 'b:200', tries: 2 }, reports: ['a:502', 'b:200'] },
  { name: 'POST without Idempotency-Key: 503 is not retried', a: [503], req: { method: 'POST', body: 'order' }, want: { kind: 'response', status: 503, text: 'a:503', tries: 1 }, reports: ['a:503'] },
  { name: 'POST without Idempotency-Key: reset is not retried', a: ['reset'], req: { method: 'POST', body: 'order' }, want: { kind: 'error', error: 'reset', tries: 1 }, reports: ['a:reset'] },
  { name: 'POST with Idempotency-Key: 503 → retried', a: [503], req: { method: 'POST', body: 'order', headers: { 'idempotency-key': 'k1' } }, want: { kind: 'response', status: 200, text: 'b:200', tries: 2 }, reports: ['a:503', 'b:200'] },
  { name: 'POST without Idempotency-Key: refused connect → retried (never sent)', a: 'refused', req: { method: 'POST', body: 'order' }, want: { kind: 'response', status: 200, text: 'b:200', tries: 2 }, reports: ['a:connect', 'b:200'] },
  { name: 'POST, streamed body over maxReplayBodyBytes, refused connect → retried with the whole body', a: 'refused', req: { method: 'POST', body: ['12345', '67890', 'x'], headers: { 'idempotency-key': 'k' }, config: { maxReplayBodyBytes: 8 } }, want: { kind: 'response', status: 200, text: 'b:200', tries: 2 }, reports: ['a:connect', 'b:200'] },
  { name: 'POST, streamed body already sent: 503 not retried even with Idempotency-Key', a: [503], req: { method: 'POST', body: ['12345', '67890', 'x'], headers: { 'idempotency-key': 'k' }, config: { maxReplayBodyBytes: 8 } }, want: { kind: 'response', status: 503, text: 'a:503', tries: 1 }, reports: ['a:503'] },
  { name: 'Retry-After above maxRetryAfterMs is passed on, not waited for', a: [{ status: 503, retryAfter: '30' }], want: { kind: 'response', status: 503, text: 'a:503', tries: 1 }, reports: ['a:503'] },
  { name: 'Retry-After of 0 is honoured at once', a: [{ status: 503, retryAfter: '0' }], want: { kind: 'response', status: 200, text: 'b:200', tries: 2 }, reports: ['a:503', 'b:200'] },
];

for (const s of scenarios) {
  test(`retry: ${s.name}`, async (t) => {
    const b = await startUpstream(t, 'b', [...(s.b ?? [])]);
    const a = s.a === 'refused' ? { endpoint: await refusedEndpoint('a', [b.endpoint]), received: [] } : await startUpstream(t, 'a', [...s.a]);
    const { run, reports } = await setupService(t, [a.endpoint, b.endpoint]);
    const got = await run(s.req);
    const picked = Object.fromEntries(Object.keys(s.want).map((k) => [k, (got as Record<string, unknown>)[k]]));
    assert.deepEqual(picked, s.want);
    assert.deepEqual(reports, s.reports);
    // Whatever reached an upstream carried the whole body.
    const sent = s.req?.body === undefined ? '' : [s.req.body].flat().join('');
    for (const r of [...a.received, ...b.received]) assert.equal(r.body, sent);
  });
}

test('retry: Retry-After within the cap is waited for (backoff sleep of exactly that long)', async (t) => {
  const a = await startUpstream(t, 'a', [{ status: 503, retryAfter: '1' }]);
  const b = await startUpstream(t, 'b', []);
  const { run, clock, rec } = await setupService(t, [a.endpoint, b.endpoint]);
  const pending = run({ config: { maxRetryAfterMs: 2000 } });
  while (!rec.delays.includes(1000)) await new Promise((resolve) => setImmediate(resolve));
  clock.advance(1000);
  const got = await pending;
  assert.equal(got.kind === 'response' && got.text, 'b:200');
});

test('retry: full-jitter backoff sleeps between tries', async (t) => {
  const a = await startUpstream(t, 'a', [503]);
  const b = await startUpstream(t, 'b', []);
  const { run, clock, rec } = await setupService(t, [a.endpoint, b.endpoint]);
  const pending = run({ config: { backoffBaseMs: 100, backoffMaxMs: 1000 } });
  // random() is 0.5: half of the first ceiling (100 ms).
  while (!rec.delays.includes(50)) await new Promise((resolve) => setImmediate(resolve));
  clock.advance(50);
  const got = await pending;
  assert.equal(got.kind === 'response' && got.text, 'b:200');
});

test('retry: a hanging endpoint hits the per-try timeout and the request moves on', async (t) => {
  const a = await startUpstream(t, 'a', ['hang']);
  const b = await startUpstream(t, 'b', []);
  const { run, clock, reports } = await setupService(t, [a.endpoint, b.endpoint]);
  const pending = run({ config: { perTryTimeoutMs: 1000, deadlineMs: 5000 } });
  await a.arrived(1);
  clock.advance(1000);
  const got = await pending;
  assert.equal(got.kind === 'response' && got.text, 'b:200');
  assert.deepEqual(reports, ['a:timeout', 'b:200']);
});

test('retry: the overall deadline ends the request with a timeout even when tries remain', async (t) => {
  const a = await startUpstream(t, 'a', ['hang']);
  const b = await startUpstream(t, 'b', ['hang']);
  const { run, clock } = await setupService(t, [a.endpoint, b.endpoint]);
  const pending = run({ config: { perTryTimeoutMs: 1000, deadlineMs: 1500, maxRetries: 5 } });
  await a.arrived(1);
  clock.advance(1000);
  await b.arrived(1);
  clock.advance(500);
  const got = await pending;
  assert.deepEqual({ kind: got.kind, error: (got as { error?: string }).error, deadlineExceeded: (got as { deadlineExceeded?: boolean }).deadlineExceeded, tries: got.tries }, { kind: 'error', error: 'timeout', deadlineExceeded: true, tries: 2 });
});

test('retry: a single endpoint is retried itself when no other is left', async (t) => {
  const a = await startUpstream(t, 'a', [503]);
  const { run, reports } = await setupService(t, [a.endpoint]);
  const got = await run();
  assert.equal(got.kind === 'response' && got.text, 'a:200');
  assert.deepEqual(reports, ['a:503', 'a:200']);
});

test('retry: no endpoint at all → no-endpoint', async (t) => {
  const { run } = await setupService(t, []);
  assert.deepEqual(await run(), { kind: 'no-endpoint', tries: 0, cause: undefined });
});

test('retry budget exhausted: a failing service is not hit with a retry storm', async (t) => {
  const a = await startUpstream(t, 'a', Array(100).fill(503));
  const b = await startUpstream(t, 'b', Array(100).fill(503));
  const { run, metrics } = await setupService(t, [a.endpoint, b.endpoint]);
  const clock = createManualClock();
  // Floor of 2 retries per window plus 20% of requests.
  const budget = createRetryBudget({ budgetPercent: 20, minRetriesPerSecond: 0.2, windowMs: 10_000 }, clock.now);
  let tries = 0;
  let cutShort = 0;
  for (let i = 0; i < 20; i++) {
    const n = (await run({ budget, config: { maxRetries: 2 } })).tries;
    tries += n;
    if (n < 3) cutShort++;
  }
  // 20 first tries + at most 2 + 20% × 20 = 6 retries, instead of 40.
  assert.equal(tries, 26);
  assert.equal(a.received.length + b.received.length, 26);
  const exhausted = (await metrics.retryBudgetExhausted.get()).values.find((v) => v.labels.service === 'orders')?.value;
  // Every request that stopped before maxRetries was stopped by the budget, once.
  assert.equal(exhausted, cutShort);
  assert.ok(cutShort >= 17);
  const retried = (await metrics.retries.get()).values.find((v) => v.labels.reason === '503')?.value;
  assert.equal(retried, 6);
});
