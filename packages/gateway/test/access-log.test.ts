/**
 * The access log: pino-shaped JSON lines written to the logger's own destination, escaped
 * correctly whatever the client put in the path or request id, handed over as one write per
 * event-loop turn (sooner past 16 KiB, or on flush()), and absent when `info` is off. Also that
 * the gateway's logger can be built with the buffer sizes the config schema allows.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { createAccessLog, type AccessLog, type AccessLogRecord } from '../src/logging/access-log.js';

/** write() takes the fields positionally; the tests keep them in records. */
function put(log: AccessLog, r: AccessLogRecord): void {
  log.write(r.routeId, r.requestId, r.method, r.path, r.status, r.durationMs, r.upstream, r.bytes);
}
import { createLogger, flushLogger } from '../src/logging/logger.js';

const RECORD: AccessLogRecord = {
  routeId: 'orders',
  requestId: 'req-1',
  method: 'GET',
  path: '/orders/42',
  status: 200,
  durationMs: 3.25,
  upstream: 'http://10.0.0.7:8080',
  bytes: 512,
};

/** A pino logger on a `{ write }` destination that records each write it is handed. */
function capture(level = 'info'): { log: AccessLog; logger: pino.Logger; writes: string[]; lines: () => Record<string, unknown>[] } {
  const writes: string[] = [];
  const logger = pino({ level, base: undefined }, { write: (s: string) => void writes.push(s) });
  const log = createAccessLog(logger);
  assert.ok(log !== null);
  const lines = (): Record<string, unknown>[] =>
    writes
      .join('')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, logger, writes, lines };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('a line has exactly the pino-shaped fields, in order; upstream is omitted when undefined', () => {
  const { log, lines, writes } = capture();
  const before = Date.now();
  put(log, RECORD);
  put(log, { ...RECORD, requestId: 'req-2', method: 'POST', status: 502, durationMs: 0, upstream: undefined, bytes: 0 });
  log.flush();
  const after = Date.now();
  assert.equal(writes.length, 1);
  assert.ok(writes[0]!.endsWith('\n'));
  const [first, second] = lines();
  assert.ok(first !== undefined && second !== undefined);
  assert.deepEqual(Object.keys(first), ['level', 'time', 'route', 'msg', 'reqId', 'method', 'path', 'status', 'durationMs', 'upstream', 'bytes']);
  assert.equal(typeof first.time, 'number');
  assert.ok((first.time as number) >= before && (first.time as number) <= after);
  assert.deepEqual({ ...first, time: 0 }, {
    level: 30,
    time: 0,
    route: 'orders',
    msg: 'request',
    reqId: 'req-1',
    method: 'GET',
    path: '/orders/42',
    status: 200,
    durationMs: 3.25,
    upstream: 'http://10.0.0.7:8080',
    bytes: 512,
  });
  assert.deepEqual(Object.keys(second), ['level', 'time', 'route', 'msg', 'reqId', 'method', 'path', 'status', 'durationMs', 'bytes']);
  assert.deepEqual({ ...second, time: 0 }, {
    level: 30,
    time: 0,
    route: 'orders',
    msg: 'request',
    reqId: 'req-2',
    method: 'POST',
    path: '/orders/42',
    status: 502,
    durationMs: 0,
    bytes: 0,
  });
});

test('quotes, backslashes, control characters and non-ASCII in path, request id and route round-trip through JSON.parse', () => {
  const { log, lines, writes } = capture();
  const nasty = 'a"b\\c\n\r\t\u0000\u0001\u001f\u007f caf\u00e9 \u65e5\u672c \ud83d\ude00 \u2028\u2029 </script> {"x":1}';
  const records: AccessLogRecord[] = [
    { ...RECORD, path: `/p/${nasty}`, requestId: nasty },
    { ...RECORD, routeId: `route "${nasty}"`, method: 'M"\\', upstream: `http://h/${nasty}` },
    // A lone surrogate is escaped rather than written as invalid UTF-8.
    { ...RECORD, path: '/\ud800x', requestId: '\udfff' },
    // Same route again after an odd one: the per-route prefix is not mixed up.
    { ...RECORD, routeId: 'orders', path: '/"' },
  ];
  for (const r of records) put(log, r);
  log.flush();
  // Exactly one line per record: no raw newline from a value split a line.
  assert.equal(writes.join('').split('\n').length, records.length + 1);
  const parsed = lines();
  assert.equal(parsed.length, records.length);
  for (const [i, r] of records.entries()) {
    const line = parsed[i]!;
    assert.equal(line.route, r.routeId);
    assert.equal(line.reqId, r.requestId);
    assert.equal(line.method, r.method);
    assert.equal(line.path, r.path);
    assert.equal(line.upstream, r.upstream);
  }
  // No raw control character besides the line separators.
  const raw = [...writes.join('')].filter((ch) => ch !== '\n' && ch.charCodeAt(0) < 0x20);
  assert.deepEqual(raw, []);
});

test('lines written in one event-loop turn reach the destination as one write after the turn; flush() hands them over at once', async () => {
  const { log, writes, lines } = capture();
  put(log, { ...RECORD, requestId: 'a' });
  put(log, { ...RECORD, requestId: 'b' });
  // Microtasks (awaited promises) are still the same turn.
  for (let i = 0; i < 5; i++) await Promise.resolve();
  put(log, { ...RECORD, requestId: 'c' });
  await Promise.resolve();
  assert.equal(writes.length, 0, 'nothing is written during the turn');
  await nextTurn();
  assert.equal(writes.length, 1);
  assert.deepEqual(
    lines().map((l) => l.reqId),
    ['a', 'b', 'c'],
  );

  // The next turn's lines are a write of their own.
  put(log, { ...RECORD, requestId: 'd' });
  await nextTurn();
  assert.equal(writes.length, 2);

  put(log, { ...RECORD, requestId: 'e' });
  put(log, { ...RECORD, requestId: 'f' });
  log.flush();
  assert.equal(writes.length, 3, 'flush() writes at once');
  // Nothing is left for the end of the turn, and a flush with nothing held writes nothing.
  log.flush();
  await nextTurn();
  assert.equal(writes.length, 3);
  assert.deepEqual(
    lines().map((l) => l.reqId),
    ['a', 'b', 'c', 'd', 'e', 'f'],
  );
});

test('more than 16 KiB of lines in one turn are handed over before the turn ends, in order', async () => {
  const { log, writes, lines } = capture();
  const path = '/' + 'x'.repeat(1000);
  for (let i = 0; i < 40; i++) put(log, { ...RECORD, requestId: `r${i}`, path });
  const during = writes.length;
  assert.ok(during >= 1, 'a write happened within the turn');
  // Each write is bounded: the 16 KiB threshold plus at most one line.
  for (const w of writes) assert.ok(w.length < 16 * 1024 + 1200, `a write of ${w.length} characters`);
  await nextTurn();
  const got = lines();
  assert.equal(got.length, 40);
  assert.deepEqual(
    got.map((l) => l.reqId),
    Array.from({ length: 40 }, (_, i) => `r${i}`),
  );
  for (const l of got) assert.equal(l.path, path);
});

test('access lines and the logger\'s own lines share one destination', () => {
  const { log, logger, writes } = capture();
  logger.info({ event: 'startup' }, 'hello');
  put(log, RECORD);
  log.flush();
  const parsed = writes
    .join('')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    parsed.map((l) => l.msg),
    ['hello', 'request'],
  );
  assert.equal(parsed[0]!.level, parsed[1]!.level);
});

test('a logger that drops info lines gives no access log', () => {
  const writes: string[] = [];
  const dest = { write: (s: string) => void writes.push(s) };
  assert.equal(createAccessLog(pino({ level: 'warn' }, dest)), null);
  assert.equal(createAccessLog(pino({ level: 'silent' }, dest)), null);
  assert.notEqual(createAccessLog(pino({ level: 'debug' }, dest)), null);
  assert.deepEqual(writes, []);
});

test('createLogger with a sync buffered destination can be created and flushed, up to the schema\'s largest buffer', () => {
  const small = createLogger({ level: 'info', syncWrites: true, bufferBytes: 4096, flushIntervalMs: 50 });
  assert.equal(small.level, 'info');
  small.flush();
  flushLogger(small);
  assert.notEqual(createAccessLog(small), null);

  const largest = createLogger({ level: 'info', syncWrites: true, bufferBytes: 1048576, flushIntervalMs: 50 });
  largest.flush();
  flushLogger(largest);

  const asyncLargest = createLogger({ level: 'warn', bufferBytes: 1048576 });
  flushLogger(asyncLargest);
  assert.equal(createAccessLog(asyncLargest), null);
});

test('a line longer than the reused buffer (a long path of characters that need escaping) is written whole and the next lines follow', () => {
  const { log, lines } = capture();
  const path = '/' + '\u0001"é'.repeat(20_000);
  put(log, { ...RECORD, requestId: 'long', path });
  put(log, { ...RECORD, requestId: 'after' });
  log.flush();
  const got = lines();
  assert.deepEqual(
    got.map((l) => l.reqId),
    ['long', 'after'],
  );
  assert.equal(got[0]!.path, path);
});
