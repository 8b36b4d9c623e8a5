import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOutlierDetector, type OutlierDetectionConfig } from '../src/health/outlier-detector.js';
import { createManualClock } from '../src/health/manual-clock.js';
import type { UpstreamOutcome } from '../src/health/outcome.js';

const base: OutlierDetectionConfig = { consecutive5xx: 5, consecutiveGatewayFailure: 3, baseEjectionTimeMs: 30_000, maxEjectionTimeMs: 100_000, maxEjectionPercent: 50 };
const r = (status: number): UpstreamOutcome => ({ kind: 'response', status });
const connect: UpstreamOutcome = { kind: 'error', error: 'connect' };
const reset: UpstreamOutcome = { kind: 'error', error: 'reset' };
const timeout: UpstreamOutcome = { kind: 'error', error: 'timeout' };

function setup(config: OutlierDetectionConfig = base, ids = ['a', 'b', 'c', 'd']) {
  const clock = createManualClock();
  const events: string[] = [];
  const d = createOutlierDetector({ config, clock: clock.now, scheduler: clock.scheduler, onChange: (id, ej) => events.push(`${ej ? 'eject' : 'return'}:${id}`) });
  d.update(ids);
  return { clock, d, events };
}

const ejectionCases: { name: string; outcomes: UpstreamOutcome[]; ejected: boolean }[] = [
  { name: '5 × 500 (consecutive5xx)', outcomes: [r(500), r(500), r(500), r(500), r(500)], ejected: true },
  { name: '4 × 500', outcomes: [r(500), r(500), r(500), r(500)], ejected: false },
  { name: '3 × 503 (consecutiveGatewayFailure)', outcomes: [r(503), r(502), r(504)], ejected: true },
  { name: '3 connect failures', outcomes: [connect, connect, connect], ejected: true },
  { name: 'reset, timeout, 502', outcomes: [reset, timeout, r(502)], ejected: true },
  { name: 'a success resets the count', outcomes: [r(503), r(503), r(200), r(503), r(503)], ejected: false },
  { name: 'a 4xx is a success for health', outcomes: [r(503), r(503), r(404), r(503), r(503)], ejected: false },
  { name: 'a 500 breaks the gateway-failure run but counts as 5xx', outcomes: [r(503), r(503), r(500), r(503), r(503)], ejected: true },
];

for (const c of ejectionCases) {
  test(`outlier: ${c.name} → ${c.ejected ? 'ejected' : 'kept'}`, (t) => {
    const { d } = setup();
    t.after(() => d.close());
    for (const o of c.outcomes) d.report('a', o);
    assert.equal(d.isEjected('a'), c.ejected);
    assert.equal(d.isEjected('b'), false);
  });
}

test('detectors set to 0 are disabled', (t) => {
  const { d } = setup({ ...base, consecutive5xx: 0, consecutiveGatewayFailure: 0 });
  t.after(() => d.close());
  for (let i = 0; i < 50; i++) d.report('a', r(503));
  assert.equal(d.isEjected('a'), false);
});

test('ejection lasts baseEjectionTimeMs × times ejected, capped by maxEjectionTimeMs', (t) => {
  const { d, clock, events } = setup();
  t.after(() => d.close());
  const ejectA = () => { for (let i = 0; i < 3; i++) d.report('a', connect); };
  const durations: number[] = [];
  for (let round = 0; round < 5; round++) {
    const start = clock.now();
    ejectA();
    assert.equal(d.isEjected('a'), true);
    durations.push(d.ejectedUntil('a')! - start);
    clock.advance(durations.at(-1)! - 1);
    assert.equal(d.isEjected('a'), true, 'still ejected 1 ms before the end');
    clock.advance(1);
    assert.equal(d.isEjected('a'), false);
  }
  assert.deepEqual(durations, [30_000, 60_000, 90_000, 100_000, 100_000]);
  assert.equal(events.filter((e) => e === 'eject:a').length, 5);
  assert.equal(events.filter((e) => e === 'return:a').length, 5);
});

test('the multiplier starts over after a whole maxEjectionTimeMs without ejection', (t) => {
  const { d, clock } = setup();
  t.after(() => d.close());
  for (let i = 0; i < 3; i++) d.report('a', connect);
  clock.advance(30_000);
  for (let i = 0; i < 3; i++) d.report('a', connect);
  assert.equal(d.ejectedUntil('a')! - clock.now(), 60_000);
  clock.advance(60_000 + 100_000);
  for (let i = 0; i < 3; i++) d.report('a', connect);
  assert.equal(d.ejectedUntil('a')! - clock.now(), 30_000);
});

const capCases = [
  { endpoints: 4, percent: 50, maxEjected: 2 },
  { endpoints: 4, percent: 10, maxEjected: 1 },
  { endpoints: 10, percent: 30, maxEjected: 3 },
  { endpoints: 3, percent: 100, maxEjected: 3 },
  { endpoints: 5, percent: 0, maxEjected: 0 },
];
for (const c of capCases) {
  test(`maxEjectionPercent ${c.percent}% of ${c.endpoints} endpoints caps ejections at ${c.maxEjected}`, (t) => {
    const ids = Array.from({ length: c.endpoints }, (_, i) => `e${i}`);
    const { d, clock } = setup({ ...base, maxEjectionPercent: c.percent }, ids);
    t.after(() => d.close());
    for (const id of ids) for (let i = 0; i < 3; i++) d.report(id, r(503));
    assert.equal(ids.filter((id) => d.isEjected(id)).length, c.maxEjected);
    if (c.maxEjected > 0 && c.maxEjected < c.endpoints) {
      // When one returns, a still-failing endpoint may take its place.
      clock.advance(base.baseEjectionTimeMs);
      const stillFailing = ids.filter((id) => !d.isEjected(id));
      for (const id of stillFailing) for (let i = 0; i < 3; i++) d.report(id, r(503));
      assert.equal(ids.filter((id) => d.isEjected(id)).length, c.maxEjected);
    }
  });
}

test('uneject ends an ejection early; reports on ejected endpoints are ignored; update drops state', (t) => {
  const { d, clock } = setup();
  t.after(() => d.close());
  for (let i = 0; i < 3; i++) d.report('a', r(503));
  d.report('a', r(200));
  assert.equal(d.isEjected('a'), true);
  d.uneject('a');
  assert.equal(d.isEjected('a'), false);
  assert.equal(d.ejectedUntil('a'), undefined);
  for (let i = 0; i < 3; i++) d.report('b', r(503));
  d.update(['a', 'c', 'd']);
  assert.equal(d.isEjected('b'), false);
  assert.equal(clock.pending(), 0, 'the removed endpoint’s timer was cleared');
  d.report('zzz', r(503));
});
