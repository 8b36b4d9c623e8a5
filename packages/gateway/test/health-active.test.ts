import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createActiveHealthChecker, createHttpProbe, type ActiveHealthCheckConfig } from '../src/health/active-health-checker.js';
import { createManualClock } from '../src/health/manual-clock.js';
import type { Endpoint } from '../src/service/types.js';

const config: ActiveHealthCheckConfig = { path: '/health', intervalMs: 1000, timeoutMs: 200, healthyThreshold: 2, unhealthyThreshold: 3 };
const ep = (id: string): Endpoint => ({ id, origin: `http://${id}`, weight: 1 });
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Probe results per endpoint, in order: true pass, false fail, 'hang' never answers (times out). */
type Step = boolean | 'hang';

function scriptedProbe(script: Record<string, Step[]>) {
  const calls: string[] = [];
  const settled = { count: 0 };
  return {
    calls,
    settled,
    probe: async (endpoint: Endpoint, signal: AbortSignal) => {
      calls.push(endpoint.id);
      const step = script[endpoint.id]!.shift() ?? true;
      try {
        if (step === 'hang') return await new Promise<boolean>((resolve) => signal.addEventListener('abort', () => resolve(true)));
        return step;
      } finally {
        settled.count++;
      }
    },
  };
}

const scenarios: { name: string; script: Step[]; expected: boolean[] }[] = [
  { name: 'passing stays healthy', script: [true, true, true, true], expected: [true, true, true, true] },
  { name: 'two failures are below the unhealthy threshold', script: [false, false, true, false], expected: [true, true, true, true] },
  { name: 'three failures take it out; two passes bring it back', script: [false, false, false, true, true, true], expected: [true, true, false, false, true, true] },
  { name: 'a pass between failures resets the count', script: [false, false, true, false, false, false], expected: [true, true, true, true, true, false] },
  { name: 'timeouts count as failures (even if the probe then answers ok)', script: ['hang', 'hang', 'hang', true, true], expected: [true, true, false, false, true] },
];

for (const s of scenarios) {
  test(`active check: ${s.name}`, async (t) => {
    const clock = createManualClock();
    const { probe, settled, calls } = scriptedProbe({ a: [...s.script] });
    const changes: [string, boolean][] = [];
    const checker = createActiveHealthChecker({ config, probe, scheduler: clock.scheduler, onChange: (id, h) => changes.push([id, h]) });
    t.after(() => checker.close());
    checker.update([ep('a')]);
    const observed: boolean[] = [];
    for (let i = 0; i < s.expected.length; i++) {
      // Move time in small steps until probe i has settled (by answer or by its timeout).
      while (settled.count < i + 1) {
        clock.advance(50);
        await flush();
      }
      await flush();
      observed.push(checker.isHealthy('a'));
    }
    assert.deepEqual(observed, s.expected);
    assert.equal(calls.length, s.expected.length);
    const transitions = s.expected.filter((h, i) => h !== (i === 0 ? true : s.expected[i - 1])).length;
    assert.equal(changes.length, transitions);
  });
}

test('removed endpoints stop being probed; unknown endpoints count as healthy', async (t) => {
  const clock = createManualClock();
  const { probe, calls } = scriptedProbe({ a: [], b: [] });
  const checker = createActiveHealthChecker({ config, probe, scheduler: clock.scheduler, onChange: () => {} });
  t.after(() => checker.close());
  checker.update([ep('a'), ep('b')]);
  clock.advance(0);
  await flush();
  assert.deepEqual(calls.sort(), ['a', 'b']);
  checker.update([ep('b')]);
  calls.length = 0;
  clock.advance(config.intervalMs);
  await flush();
  assert.deepEqual(calls, ['b']);
  assert.equal(checker.isHealthy('zzz'), true);
  await checker.close();
  assert.equal(clock.pending(), 0);
});

test('HTTP probe: 2xx passes, 5xx and cut connections fail', async (t) => {
  let status = 200;
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url!);
    res.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  const http = createHttpProbe('/health/ready');
  t.after(() => http.close());
  const live: Endpoint = { id: 'live', origin: `http://127.0.0.1:${port}`, weight: 1 };
  assert.equal(await http.probe(live, new AbortController().signal), true);
  status = 503;
  assert.equal(await http.probe(live, new AbortController().signal), false);
  assert.deepEqual(paths, ['/health/ready', '/health/ready']);

  // A crashing instance: the connection is cut as soon as the request arrives.
  const crashing = createServer((req) => req.socket.destroy());
  await new Promise<void>((resolve) => crashing.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => crashing.close(() => resolve())));
  const deadPort = (crashing.address() as AddressInfo).port;
  assert.equal(await http.probe({ id: 'dead', origin: `http://127.0.0.1:${deadPort}`, weight: 1 }, new AbortController().signal), false);
});
