/**
 * The gateway process: started with `node --import tsx src/main.ts --config FILE` on port 0, it
 * logs where it listens, reloads on SIGHUP, and on SIGTERM lets the in-flight request finish
 * and exits 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { send, startUpstream } from './support/data-plane.js';

test('main.ts: listening line, SIGHUP reload, SIGTERM drains the in-flight request and exits 0', async (t) => {
  const held: ServerResponse[] = [];
  const upstream = await startUpstream(t, (req, res) => {
    if (req.url === '/v2/slow') held.push(res);
    else res.end(`upstream saw ${req.url}`);
  });
  const dir = mkdtempSync(join(tmpdir(), 'portero-main-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gateway.yaml');
  const config = {
    listener: { port: 0 },
    admin: { port: 0 },
    logging: { accessLog: false },
    services: { app: { endpoints: [{ url: upstream.url }] } },
    routes: [{ id: 'all', match: { path: '/' }, service: 'app' }],
  };
  writeFileSync(file, stringify(config));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--config', file], { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const lines = createInterface({ input: child.stdout });
  const waiters: { match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  lines.on('line', (text) => {
    const line = JSON.parse(text) as Record<string, unknown>;
    for (const w of waiters.splice(0)) {
      if (w.match(line)) w.resolve(line);
      else waiters.push(w);
    }
  });
  const waitFor = (match: (l: Record<string, unknown>) => boolean) => new Promise<Record<string, unknown>>((resolve) => waiters.push({ match, resolve }));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const listening = await waitFor((l) => l.msg === 'listening');
  const url = listening.url as string;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(listening.adminUrl as string, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal((await send(url + '/a')).text, 'upstream saw /a');

  const reloaded = waitFor((l) => l.msg === 'config reloaded');
  writeFileSync(file, stringify({ ...config, routes: [{ id: 'all', match: { path: '/' }, service: 'app', addPrefix: '/v2' }] }));
  child.kill('SIGHUP');
  await reloaded;
  assert.equal((await send(url + '/a')).text, 'upstream saw /v2/a');

  const slow = send(url + '/slow');
  while (held.length === 0) await new Promise((r) => setImmediate(r));
  const draining = waitFor((l) => l.msg === 'draining');
  child.kill('SIGTERM');
  await draining;
  held[0]?.end('done');
  const res = await slow;
  assert.equal(res.status, 200);
  assert.equal(res.text, 'done');
  assert.equal(await exited, 0);
});
