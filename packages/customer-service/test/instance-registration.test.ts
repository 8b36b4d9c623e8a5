import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import { createInstanceRegistration, type RegistrationBackend } from '../src/registration/instance-registration.js';
import { defaultInstanceId } from '../src/registration/registration-backends.js';

/** Timers the test fires by hand, recording each delay asked for. */
function createManualTimers() {
  const pending = new Set<{ fn: () => void; ms: number }>();
  const delays: number[] = [];
  return {
    delays,
    pending,
    setTimeout(fn: () => void, ms: number) {
      const handle = { fn, ms };
      pending.add(handle);
      delays.push(ms);
      return handle;
    },
    clearTimeout(handle: unknown) {
      pending.delete(handle as { fn: () => void; ms: number });
    },
    /** Fires the pending timer with this delay. */
    fire(ms: number) {
      const handle = [...pending].find((h) => h.ms === ms);
      assert.ok(handle, `a pending timer of ${ms} ms`);
      pending.delete(handle);
      handle.fn();
    },
  };
}

function createLogger() {
  const lines: { msg: string; [key: string]: unknown }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString('utf8')));
      callback();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** A backend whose register calls are answered by the test, one at a time. */
function createScriptedBackend() {
  const calls: { url: string; resolve: (v: { id: string; ttlSeconds: number }) => void; reject: (e: Error) => void }[] = [];
  let deregistered = 0;
  let deregisterImpl: () => Promise<void> = async () => {};
  const backend: RegistrationBackend = {
    kind: 'embedded',
    register: (url) => new Promise((resolve, reject) => calls.push({ url, resolve, reject })),
    deregister: async () => {
      deregistered++;
      await deregisterImpl();
    },
  };
  return {
    backend,
    calls,
    deregistered: () => deregistered,
    setDeregister(fn: () => Promise<void>) {
      deregisterImpl = fn;
    },
  };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
const base = { service: 'customers', retryInitialMs: 100, retryMaxMs: 350, deregisterTimeoutMs: 1000 };

test('a failed registration is retried with doubling backoff up to retryMaxMs, and the service is registered once one succeeds', async () => {
  const timers = createManualTimers();
  const { logger, lines } = createLogger();
  const scripted = createScriptedBackend();
  const registration = createInstanceRegistration({ ...base, backend: scripted.backend, logger, timers });

  registration.start('http://127.0.0.1:3001');
  assert.equal(scripted.calls.length, 1);
  for (const [index, delay] of [100, 200, 350, 350].entries()) {
    scripted.calls[index]!.reject(new Error('ECONNREFUSED'));
    await flush();
    assert.deepEqual(timers.delays, [100, 200, 350, 350].slice(0, index + 1));
    timers.fire(delay);
    assert.equal(scripted.calls.length, index + 2);
  }
  scripted.calls[4]!.resolve({ id: '127.0.0.1-3001', ttlSeconds: 15 });
  await flush();
  assert.equal(lines.filter((l) => l.msg === 'registration failed; retrying').length, 4);
  assert.deepEqual(
    lines.filter((l) => l.msg === 'registered').map((l) => [l.instanceId, l.url]),
    [['127.0.0.1-3001', 'http://127.0.0.1:3001']],
  );
  assert.ok(scripted.calls.every((c) => c.url === 'http://127.0.0.1:3001'));

  assert.equal(await registration.stop(), 'deregistered');
  assert.equal(scripted.deregistered(), 1);
  assert.equal(timers.pending.size, 0);
});

test('stop() while waiting to retry cancels the retry and does not deregister what never registered', async () => {
  const timers = createManualTimers();
  const { logger } = createLogger();
  const scripted = createScriptedBackend();
  const registration = createInstanceRegistration({ ...base, backend: scripted.backend, logger, timers });
  registration.start('http://127.0.0.1:3001');
  scripted.calls[0]!.reject(new Error('ECONNREFUSED'));
  await flush();
  assert.equal(timers.pending.size, 1);

  assert.equal(await registration.stop(), 'not-registered');
  assert.equal(timers.pending.size, 0);
  assert.equal(scripted.calls.length, 1);
  assert.equal(scripted.deregistered(), 0);
});

test('stop() during an attempt in flight waits for it, then deregisters the instance it registered', async () => {
  const timers = createManualTimers();
  const { logger } = createLogger();
  const scripted = createScriptedBackend();
  const registration = createInstanceRegistration({ ...base, backend: scripted.backend, logger, timers });
  registration.start('http://127.0.0.1:3001');
  const stopped = registration.stop();
  await flush();
  assert.equal(scripted.deregistered(), 0);
  scripted.calls[0]!.resolve({ id: 'a', ttlSeconds: 15 });
  assert.equal(await stopped, 'deregistered');
  assert.equal(scripted.deregistered(), 1);
  // stop() is idempotent: a second signal does not deregister twice.
  assert.equal(await registration.stop(), 'deregistered');
  assert.equal(scripted.deregistered(), 1);
});

test('stop() is bounded by deregisterTimeoutMs when the registry does not answer, and reports a failed deregistration', async () => {
  const timers = createManualTimers();
  const { logger, lines } = createLogger();
  const scripted = createScriptedBackend();
  scripted.setDeregister(() => new Promise<void>(() => {}));
  const registration = createInstanceRegistration({ ...base, backend: scripted.backend, logger, timers });
  registration.start('http://127.0.0.1:3001');
  scripted.calls[0]!.resolve({ id: 'a', ttlSeconds: 15 });
  await flush();
  const stopped = registration.stop();
  await flush();
  timers.fire(1000);
  assert.equal(await stopped, 'timed-out');
  assert.ok(lines.some((l) => l.msg === 'deregistration timed out; the lease will expire' && l.timeoutMs === 1000));

  const failing = createScriptedBackend();
  failing.setDeregister(async () => {
    throw new Error('registry answered 500');
  });
  const other = createInstanceRegistration({ ...base, backend: failing.backend, logger, timers: createManualTimers() });
  other.start('http://127.0.0.1:3002');
  failing.calls[0]!.resolve({ id: 'b', ttlSeconds: 15 });
  assert.equal(await other.stop(), 'failed');
});

test('start() twice is a programming error', () => {
  const scripted = createScriptedBackend();
  const registration = createInstanceRegistration({ ...base, backend: scripted.backend, logger: createLogger().logger, timers: createManualTimers() });
  registration.start('http://127.0.0.1:3001');
  assert.throws(() => registration.start('http://127.0.0.1:3001'));
});

test('the default instance id is the advertised host and port, valid for both registries', () => {
  const valid = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
  const cases: [string, string][] = [
    ['http://127.0.0.1:3001', '127.0.0.1-3001'],
    ['http://customers.internal', 'customers.internal-80'],
    ['https://customers.internal', 'customers.internal-443'],
    ['http://[::1]:3000', 'i::1-3000'],
  ];
  for (const [url, id] of cases) {
    assert.equal(defaultInstanceId(url), id);
    assert.match(id, valid);
  }
});
