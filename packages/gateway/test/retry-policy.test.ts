import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { classifyUpstreamError, isReplaySafe, retryReason, neverReachedUpstream, type RetryOn } from '../src/retry/retry-policy.js';
import { fullJitterBackoffMs, parseRetryAfterMs } from '../src/retry/backoff.js';
import { createRetryBudget } from '../src/retry/retry-budget.js';
import { prepareReplayableBody } from '../src/retry/replayable-body.js';
import { createManualClock } from '../src/health/manual-clock.js';
import type { UpstreamOutcome } from '../src/health/outcome.js';

const errorCases: { code: string | undefined; want: 'connect' | 'reset' | 'timeout' }[] = [
  { code: 'ECONNREFUSED', want: 'connect' },
  { code: 'UND_ERR_CONNECT_TIMEOUT', want: 'connect' },
  { code: 'ENOTFOUND', want: 'connect' },
  { code: 'EHOSTUNREACH', want: 'connect' },
  { code: 'UND_ERR_SOCKET', want: 'reset' },
  { code: 'ECONNRESET', want: 'reset' },
  { code: 'EPIPE', want: 'reset' },
  { code: 'UND_ERR_HEADERS_TIMEOUT', want: 'timeout' },
  { code: 'UND_ERR_BODY_TIMEOUT', want: 'timeout' },
  { code: undefined, want: 'reset' },
];
for (const c of errorCases) {
  test(`undici error ${c.code ?? '(no code)'} is classified ${c.want}`, () => {
    const err = Object.assign(new Error('x'), c.code ? { code: c.code } : {});
    assert.equal(classifyUpstreamError(err).error, c.want);
  });
}

test('an AggregateError of connect failures (every address refused) is a connect failure', () => {
  const agg = new AggregateError([Object.assign(new Error(), { code: 'ECONNREFUSED' }), Object.assign(new Error(), { code: 'ECONNREFUSED' })]);
  assert.equal(classifyUpstreamError(agg).error, 'connect');
  const mixed = new AggregateError([Object.assign(new Error(), { code: 'ECONNREFUSED' }), Object.assign(new Error(), { code: 'ECONNRESET' })]);
  assert.equal(classifyUpstreamError(mixed).error, 'reset');
});

const methodCases = [
  { method: 'GET', headers: {}, safe: true },
  { method: 'HEAD', headers: {}, safe: true },
  { method: 'OPTIONS', headers: {}, safe: true },
  { method: 'PUT', headers: {}, safe: true },
  { method: 'DELETE', headers: {}, safe: true },
  { method: 'POST', headers: {}, safe: false },
  { method: 'PATCH', headers: {}, safe: false },
  { method: 'POST', headers: { 'idempotency-key': 'k-1' }, safe: true },
  { method: 'POST', headers: { 'idempotency-key': '' }, safe: false },
  { method: 'PATCH', headers: { 'idempotency-key': 'k-2' }, safe: true },
];
for (const c of methodCases) {
  test(`replay-safe: ${c.method} ${JSON.stringify(c.headers)} → ${c.safe}`, () => {
    assert.equal(isReplaySafe(c.method, c.headers), c.safe);
  });
}

const reasonCases: { outcome: UpstreamOutcome; retryOn: RetryOn[]; want: string | undefined }[] = [
  { outcome: { kind: 'response', status: 503 }, retryOn: ['503'], want: '503' },
  { outcome: { kind: 'response', status: 503 }, retryOn: ['502', '504'], want: undefined },
  { outcome: { kind: 'response', status: 500 }, retryOn: ['5xx'], want: '500' },
  { outcome: { kind: 'response', status: 500 }, retryOn: ['502', '503', '504'], want: undefined },
  { outcome: { kind: 'response', status: 429 }, retryOn: ['5xx'], want: undefined },
  { outcome: { kind: 'response', status: 200 }, retryOn: ['5xx', 'reset'], want: undefined },
  { outcome: { kind: 'error', error: 'connect' }, retryOn: ['connect-failure'], want: 'connect-failure' },
  { outcome: { kind: 'error', error: 'connect' }, retryOn: ['5xx'], want: undefined },
  { outcome: { kind: 'error', error: 'reset' }, retryOn: ['reset'], want: 'reset' },
  { outcome: { kind: 'error', error: 'timeout' }, retryOn: ['reset'], want: undefined },
  { outcome: { kind: 'error', error: 'timeout' }, retryOn: ['timeout'], want: 'timeout' },
];
for (const c of reasonCases) {
  test(`retryOn ${c.retryOn.join(',')}: ${JSON.stringify(c.outcome)} → ${c.want}`, () => {
    assert.equal(retryReason(c.outcome, c.retryOn), c.want);
  });
}

test('only a connect failure proves the request never reached the upstream', () => {
  assert.equal(neverReachedUpstream({ kind: 'error', error: 'connect' }), true);
  assert.equal(neverReachedUpstream({ kind: 'error', error: 'reset' }), false);
  assert.equal(neverReachedUpstream({ kind: 'error', error: 'timeout' }), false);
  assert.equal(neverReachedUpstream({ kind: 'response', status: 503 }), false);
});

test('full jitter: delay is uniform below min(max, base × 2^n)', () => {
  const cases = [
    { retry: 0, random: 0.999, want: 24 },
    { retry: 1, random: 0.5, want: 25 },
    { retry: 3, random: 0.5, want: 100 },
    { retry: 10, random: 0.5, want: 125 },
    { retry: 2, random: 0, want: 0 },
  ];
  for (const c of cases) assert.equal(fullJitterBackoffMs(c.retry, 25, 250, () => c.random), c.want, JSON.stringify(c));
});

test('Retry-After: seconds, HTTP-date, absent, garbage', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfterMs('3', now), 3000);
  assert.equal(parseRetryAfterMs(' 0 ', now), 0);
  assert.equal(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:02 GMT', now), 2000);
  assert.equal(parseRetryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', now), 0);
  assert.equal(parseRetryAfterMs(undefined, now), undefined);
  assert.equal(parseRetryAfterMs('soon', now), undefined);
  assert.equal(parseRetryAfterMs(['4', '9'], now), 4000);
});

test('retry budget: minRetriesPerSecond floor, then budgetPercent of requests, over a sliding window', () => {
  const clock = createManualClock();
  const budget = createRetryBudget({ budgetPercent: 20, minRetriesPerSecond: 0.3, windowMs: 10_000 }, clock.now);
  // Floor: 0.3/s × 10 s = 3 retries with no traffic at all.
  assert.equal([1, 2, 3, 4].map(() => budget.tryAcquireRetry()).join(), 'true,true,true,false');
  // 20 requests add 20% × 20 = 4 more.
  for (let i = 0; i < 20; i++) budget.recordRequest();
  assert.equal(budget.remaining(), 4);
  assert.equal([1, 2, 3, 4, 5].map(() => budget.tryAcquireRetry()).join(), 'true,true,true,true,false');
  // Once the window has slid past them, requests and retries are forgotten.
  clock.advance(10_000);
  assert.equal(budget.remaining(), 3);
});

test('retry budget under a retry storm: retries stay within 20% of requests plus the floor', () => {
  const clock = createManualClock();
  const budget = createRetryBudget({ budgetPercent: 20, minRetriesPerSecond: 3, windowMs: 10_000 }, clock.now);
  let granted = 0;
  for (let i = 0; i < 1000; i++) {
    budget.recordRequest();
    // Every request fails and wants two retries.
    for (let r = 0; r < 2; r++) if (budget.tryAcquireRetry()) granted++;
    clock.advance(5); // 1000 requests over 5 s
  }
  assert.equal(granted, 30 + 200);
});

const bodyCases = [
  { name: 'small body with Content-Length', chunks: ['ab', 'cd'], contentLength: 4, max: 10, buffered: true },
  { name: 'small chunked body', chunks: ['ab', 'cd'], contentLength: undefined, max: 10, buffered: true },
  { name: 'body exactly at the limit', chunks: ['abcde', 'fghij'], contentLength: undefined, max: 10, buffered: true },
  { name: 'chunked body over the limit', chunks: ['abcde', 'fghij', 'k'], contentLength: undefined, max: 10, buffered: false },
  { name: 'Content-Length over the limit', chunks: ['abcde', 'fghij', 'k'], contentLength: 11, max: 10, buffered: false },
];
for (const c of bodyCases) {
  test(`replayable body: ${c.name}`, async () => {
    const source = Readable.from(c.chunks.map((s) => Buffer.from(s)));
    const body = await prepareReplayableBody(source, { maxReplayBytes: c.max, contentLength: c.contentLength });
    assert.equal(body.buffered, c.buffered);
    const read = async (b: Buffer | Readable | null) => {
      if (b === null || Buffer.isBuffer(b)) return b?.toString() ?? '';
      let s = '';
      for await (const chunk of b) s += chunk.toString();
      return s;
    };
    if (c.buffered) {
      assert.equal(await read(body.next()), c.chunks.join(''));
      assert.equal(body.canReplay(), true);
      assert.equal(await read(body.next()), c.chunks.join(''));
    } else {
      const first = body.next();
      // Handed out but never pulled (a refused connect): still replayable.
      assert.equal(body.canReplay(), true);
      assert.equal(await read(body.next()), c.chunks.join(''));
      void first;
      assert.equal(body.canReplay(), false);
    }
  });
}

test('replayable body: no body', async () => {
  const body = await prepareReplayableBody(null, { maxReplayBytes: 10 });
  assert.equal(body.next(), null);
  assert.equal(body.canReplay(), true);
});

test('replayable body: the read-ahead stops when the signal aborts (client gone or request timeout)', async () => {
  const source = new Readable({ read() {} });
  source.push(Buffer.from('partial'));
  const controller = new AbortController();
  const pending = prepareReplayableBody(source, { maxReplayBytes: 100, contentLength: 50, signal: controller.signal });
  controller.abort(new Error('request timeout'));
  await assert.rejects(pending, { message: 'request timeout' });
  source.destroy();
});
