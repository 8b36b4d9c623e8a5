import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createCircuitBreaker, type AcquireResult, type BreakerPermit, type CircuitBreakerConfig } from '../src/breaker/circuit-breaker.js';
import { createManualClock } from '../src/health/manual-clock.js';
import { createResilienceMetrics } from '../src/health/resilience-metrics.js';
import type { UpstreamOutcome } from '../src/health/outcome.js';

const config: CircuitBreakerConfig = { maxConcurrent: 100, maxPending: 0, pendingTimeoutMs: 1000, failureRatio: 0.5, minRequestVolume: 10, windowMs: 10_000, openDurationMs: 5_000, halfOpenMaxRequests: 2 };
const ok: UpstreamOutcome = { kind: 'response', status: 200 };
const fail: UpstreamOutcome = { kind: 'response', status: 503 };

function setup(overrides: Partial<CircuitBreakerConfig> = {}) {
  const clock = createManualClock();
  const registry = new Registry();
  const metrics = createResilienceMetrics(registry);
  const breaker = createCircuitBreaker({ service: 'orders', config: { ...config, ...overrides }, clock: clock.now, scheduler: clock.scheduler, metrics });
  const gauge = async () => (await registry.getSingleMetric('portero_circuit_breaker_state')!.get()).values[0]!.value;
  return { clock, breaker, gauge };
}

async function permit(result: Promise<AcquireResult>): Promise<BreakerPermit> {
  const r = await result;
  assert.equal(r.ok, true, JSON.stringify(r));
  return (r as { permit: BreakerPermit }).permit;
}

async function run(breaker: ReturnType<typeof setup>['breaker'], outcomes: UpstreamOutcome[]) {
  for (const o of outcomes) (await permit(breaker.acquire())).release(o);
}

const openingCases = [
  { name: '5 of 10 fail (ratio 0.5 reached)', results: [...Array(5).fill(ok), ...Array(5).fill(fail)], opens: true },
  { name: '4 of 10 fail', results: [...Array(6).fill(ok), ...Array(4).fill(fail)], opens: false },
  { name: '9 of 9 fail, below minRequestVolume', results: Array(9).fill(fail), opens: false },
  { name: 'network errors count as failures', results: [...Array(5).fill(ok), ...Array(5).fill({ kind: 'error', error: 'connect' })], opens: true },
  { name: '4xx are not failures', results: Array(10).fill({ kind: 'response', status: 404 }), opens: false },
];
for (const c of openingCases) {
  test(`breaker: ${c.name} → ${c.opens ? 'open' : 'closed'}`, async () => {
    const { breaker } = setup();
    await run(breaker, c.results);
    assert.equal(breaker.state(), c.opens ? 'open' : 'closed');
  });
}

test('old results fall out of the rolling window', async () => {
  const { breaker, clock } = setup();
  await run(breaker, Array(9).fill(fail));
  clock.advance(11_000);
  await run(breaker, [fail, ok, ok]);
  assert.equal(breaker.state(), 'closed');
});

test('open answers fast with Retry-After; after openDurationMs it goes half-open; trials close it', async () => {
  const { breaker, clock, gauge } = setup();
  await run(breaker, Array(10).fill(fail));
  assert.equal(await gauge(), 1);
  const rejected = await breaker.acquire();
  assert.deepEqual(rejected, { ok: false, reason: 'open', retryAfterSeconds: 5 });
  clock.advance(2_000);
  assert.equal(((await breaker.acquire()) as { retryAfterSeconds: number }).retryAfterSeconds, 3);
  clock.advance(3_000);
  assert.equal(breaker.state(), 'half-open');
  assert.equal(await gauge(), 2);
  const t1 = await permit(breaker.acquire());
  const t2 = await permit(breaker.acquire());
  // Only halfOpenMaxRequests trials are let through.
  assert.equal(((await breaker.acquire()) as { reason: string }).reason, 'open');
  t1.release(ok);
  assert.equal(breaker.state(), 'half-open');
  t2.release(ok);
  assert.equal(breaker.state(), 'closed');
  assert.equal(await gauge(), 0);
  // The window was reset: one failure does not reopen it.
  await run(breaker, [fail]);
  assert.equal(breaker.state(), 'closed');
});

test('a failed trial opens the breaker again for a full openDurationMs', async () => {
  const { breaker, clock } = setup();
  await run(breaker, Array(10).fill(fail));
  clock.advance(5_000);
  const trial = await permit(breaker.acquire());
  trial.release({ kind: 'error', error: 'timeout' });
  assert.equal(breaker.state(), 'open');
  clock.advance(4_999);
  assert.equal(breaker.state(), 'open');
  clock.advance(1);
  assert.equal(breaker.state(), 'half-open');
});

test('a cancelled trial frees its slot without deciding', async () => {
  const { breaker, clock } = setup({ halfOpenMaxRequests: 1 });
  await run(breaker, Array(10).fill(fail));
  clock.advance(5_000);
  (await permit(breaker.acquire())).release('cancelled');
  assert.equal(breaker.state(), 'half-open');
});

test('maxConcurrent with no pending queue rejects the overflow at once; a release frees a slot', async () => {
  const { breaker } = setup({ maxConcurrent: 2, maxPending: 0 });
  const a = await permit(breaker.acquire());
  await permit(breaker.acquire());
  assert.deepEqual(await breaker.acquire(), { ok: false, reason: 'overflow', retryAfterSeconds: 1 });
  a.release(ok);
  await permit(breaker.acquire());
  assert.deepEqual(breaker.stats(), { active: 2, pending: 0 });
});

test('maxPending queues in order, times out after pendingTimeoutMs, and overflows beyond', async () => {
  const { breaker, clock } = setup({ maxConcurrent: 1, maxPending: 2, pendingTimeoutMs: 1000 });
  const first = await permit(breaker.acquire());
  const w1 = breaker.acquire();
  const w2 = breaker.acquire();
  assert.deepEqual(await breaker.acquire(), { ok: false, reason: 'overflow', retryAfterSeconds: 1 });
  assert.deepEqual(breaker.stats(), { active: 1, pending: 2 });
  first.release(ok);
  const second = await permit(w1);
  clock.advance(1000);
  assert.deepEqual(await w2, { ok: false, reason: 'pending-timeout', retryAfterSeconds: 1 });
  second.release(ok);
  assert.deepEqual(breaker.stats(), { active: 0, pending: 0 });
});

test('a waiter whose client goes away leaves the queue', async () => {
  const { breaker } = setup({ maxConcurrent: 1, maxPending: 1 });
  await permit(breaker.acquire());
  const controller = new AbortController();
  const waiting = breaker.acquire(controller.signal);
  controller.abort();
  assert.equal(((await waiting) as { reason: string }).reason, 'pending-timeout');
  assert.equal(breaker.stats().pending, 0);
});

test('opening answers queued waiters at once', async () => {
  const { breaker } = setup({ maxConcurrent: 2, maxPending: 5, minRequestVolume: 1 });
  const first = await permit(breaker.acquire());
  await permit(breaker.acquire());
  const waiting = breaker.acquire();
  first.release(fail);
  assert.equal(((await waiting) as { reason: string }).reason, 'open');
  assert.equal(breaker.stats().pending, 0);
});
