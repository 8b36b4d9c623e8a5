import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { startService } from '../src/lifecycle.js';

test('a restarted service keeps its data in the SQLite file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'customers-restart-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = loadConfig({ PORT: '0', SQLITE_PATH: join(dir, 'customers.sqlite') });
  const logger = pino({ level: 'silent' });

  const first = await startService(config, logger);
  t.after(() => first.shutdown('test end'));
  const created = await fetch(`${first.url}/customers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Persisted', email: 'persisted@example.com' }),
  });
  assert.equal(created.status, 201);
  const customer = (await created.json()) as { id: string };
  await first.shutdown('restart');

  const second = await startService(config, logger);
  t.after(() => second.shutdown('test end'));
  const read = await fetch(`${second.url}/customers/${customer.id}`);
  assert.equal(read.status, 200);
  assert.deepEqual(await read.json(), customer);
  assert.equal(read.headers.get('etag'), `"${customer.id}-v1"`);
});
