import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { useWriteAheadLog, type PragmaRunner } from '../src/db/database.js';

/** A connection whose journal mode starts as `mode`; `failures` are thrown by the switch, in order. */
function fakeConnection(mode: string, failures: Error[]) {
  const calls: string[] = [];
  const connection: PragmaRunner = {
    pragma(source) {
      calls.push(source);
      if (source === 'journal_mode') return mode;
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      mode = 'wal';
      return mode;
    },
  };
  return { connection, calls, mode: () => mode };
}

const sqliteError = (code: string): Error => Object.assign(new Error(code.startsWith('SQLITE_BUSY') ? 'database is locked' : 'disk I/O error'), { code });

test('WAL switch: SQLITE_BUSY from another process switching the same file is retried with growing pauses', () => {
  const fake = fakeConnection('delete', [sqliteError('SQLITE_BUSY'), sqliteError('SQLITE_BUSY_RECOVERY')]);
  const pauses: number[] = [];
  useWriteAheadLog(fake.connection, 5000, (ms) => pauses.push(ms));
  assert.equal(fake.mode(), 'wal');
  assert.deepEqual(pauses, [5, 10]);
  assert.deepEqual(fake.calls, ['journal_mode', 'journal_mode = WAL', 'journal_mode', 'journal_mode = WAL', 'journal_mode', 'journal_mode = WAL']);
});

test('WAL switch: a file another process already switched while we paused is not switched again', () => {
  const calls: string[] = [];
  let mode = 'delete';
  const connection: PragmaRunner = {
    pragma(source) {
      calls.push(source);
      if (source === 'journal_mode') return mode;
      throw sqliteError('SQLITE_BUSY');
    },
  };
  useWriteAheadLog(connection, 5000, () => {
    mode = 'wal'; // the other process finished its switch during the pause
  });
  assert.deepEqual(calls, ['journal_mode', 'journal_mode = WAL', 'journal_mode']);
});

test('WAL switch: other errors are not retried, and SQLITE_BUSY past the busy timeout is thrown', () => {
  const io = fakeConnection('delete', [sqliteError('SQLITE_IOERR'), sqliteError('SQLITE_BUSY')]);
  let paused = 0;
  assert.throws(() => useWriteAheadLog(io.connection, 5000, () => paused++), { code: 'SQLITE_IOERR' });
  assert.equal(paused, 0);

  // Always busy: with a 30 ms budget and real pauses it gives up after about that long.
  const busy = fakeConnection('delete', Array.from({ length: 1000 }, () => sqliteError('SQLITE_BUSY')));
  const started = performance.now();
  assert.throws(() => useWriteAheadLog(busy.connection, 30), { code: 'SQLITE_BUSY' });
  assert.ok(performance.now() - started >= 30, 'it waited for the busy timeout');
  // A busy timeout of 0 means no waiting at all.
  const none = fakeConnection('delete', [sqliteError('SQLITE_BUSY')]);
  assert.throws(() => useWriteAheadLog(none.connection, 0, () => assert.fail('no pause with a 0 ms budget')), { code: 'SQLITE_BUSY' });
});

test('WAL switch on a real file: a new file is switched; a file already in WAL is only read', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'customers-wal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'customers.sqlite');
  for (const expected of [['journal_mode', 'journal_mode = WAL'], ['journal_mode']]) {
    const sqlite = new SqliteDatabase(path, { timeout: 1000 });
    const calls: string[] = [];
    const spy: PragmaRunner = {
      pragma(source, options) {
        calls.push(source);
        return sqlite.pragma(source, options);
      },
    };
    useWriteAheadLog(spy, 1000);
    assert.equal(sqlite.pragma('journal_mode', { simple: true }), 'wal');
    assert.deepEqual(calls, expected);
    sqlite.close();
  }
});
