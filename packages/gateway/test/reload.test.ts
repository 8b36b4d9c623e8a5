/**
 * Hot reload of the dynamic config (admin API, file watch) and graceful drain, with real servers:
 * good and bad updates, requests in flight across a swap, ignored static changes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { stringify } from 'yaml';
import { makeConfig, send, startGateway, startUpstream, type Upstream } from './support/data-plane.js';

const TOKEN = 'test-admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

function tempFile(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'portero-reload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'gateway.yaml');
}

function configFor(target: Upstream, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    listener: { port: 0 },
    admin: { port: 0, token: TOKEN },
    services: { target: { endpoints: [{ url: target.url }] } },
    routes: [{ id: 'slow', match: { path: '/' }, service: 'target' }],
    ...extra,
  };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setImmediate(r));
}

function named(t: TestContext, name: string, hold = false): Promise<Upstream & { held: ServerResponse[] }> {
  const held: ServerResponse[] = [];
  return startUpstream(t, (_req, res) => {
    if (hold) held.push(res);
    else res.end(name);
  }).then((u) => {
    t.after(() => held.forEach((r) => r.destroy()));
    return Object.assign(u, { held });
  });
}

test('POST /admin/reload applies a good file; requests in flight finish against the old target', async (t) => {
  const a = await named(t, 'A', true);
  const b = await named(t, 'B');
  const file = tempFile(t);
  const initial = configFor(a);
  writeFileSync(file, stringify(initial));
  const gw = await startGateway(t, makeConfig(initial), { configFile: file });
  const inFlight = send(gw.url + '/x');
  await until(() => a.held.length === 1);
  writeFileSync(file, stringify(configFor(b)));
  const reload = await send(gw.adminUrl + '/admin/reload', { method: 'POST', headers: auth });
  assert.equal(reload.status, 200);
  assert.deepEqual(reload.json(), { ok: true, changed: ['services'], ignored: [] });
  assert.equal((await send(gw.url + '/x')).text, 'B');
  a.held[0]?.end('A-old');
  const old = await inFlight;
  assert.equal(old.status, 200);
  assert.equal(old.text, 'A-old');
});

test('an invalid update is refused with its errors and the last good config keeps serving', async (t) => {
  const a = await named(t, 'A');
  const file = tempFile(t);
  const initial = configFor(a);
  writeFileSync(file, stringify(initial));
  const gw = await startGateway(t, makeConfig(initial), { configFile: file });
  writeFileSync(file, stringify({ ...initial, routes: [{ id: 'slow', match: { path: '/' }, service: 'missing' }] }));
  const res = await send(gw.adminUrl + '/admin/reload', { method: 'POST', headers: auth });
  assert.equal(res.status, 400);
  const body = res.json();
  assert.equal(body.error.code, 'GW_ERR_CONFIG_INVALID');
  assert.ok(Array.isArray(body.error.details) && body.error.details.length > 0);
  assert.ok(body.error.details.every((d: { path: unknown }) => typeof d.path === 'string'));
  writeFileSync(file, 'routes: [unclosed');
  assert.equal((await gw.gateway.reload()).ok, false);
  assert.equal((await send(gw.url + '/x')).text, 'A');
});

test('changes to static sections are ignored with a warning naming them', async (t) => {
  const a = await named(t, 'A');
  const file = tempFile(t);
  const initial = configFor(a);
  writeFileSync(file, stringify(initial));
  const gw = await startGateway(t, makeConfig(initial), { configFile: file });
  writeFileSync(file, stringify({ ...initial, limits: { maxBodyBytes: 5 } }));
  const result = await gw.gateway.reload();
  assert.deepEqual(result, { ok: true, changed: [], ignored: ['limits'] });
  assert.equal(gw.gateway.config().limits.maxBodyBytes, 1048576);
  const warning = gw.logs.find((l) => Array.isArray(l.sections));
  assert.deepEqual(warning?.sections, ['limits']);
  assert.equal((await send(gw.url + '/x', { method: 'POST', body: '123456789' })).status, 200);
});

test('a file change (editor-style rename over the file) triggers a reload', async (t) => {
  const a = await named(t, 'A');
  const b = await named(t, 'B');
  const file = tempFile(t);
  const initial = configFor(a);
  writeFileSync(file, stringify(initial));
  const gw = await startGateway(t, makeConfig(initial), { configFile: file, watch: true });
  const reloaded = new Promise<void>((resolve) => gw.gateway.onServicesChanged(() => resolve()));
  writeFileSync(file + '.tmp', stringify(configFor(b)));
  renameSync(file + '.tmp', file);
  await reloaded;
  assert.equal((await send(gw.url + '/x')).text, 'B');
});

test('services keep their pools across a reload that does not change them', async (t) => {
  const a = await named(t, 'A');
  const file = tempFile(t);
  const initial = configFor(a);
  writeFileSync(file, stringify(initial));
  const gw = await startGateway(t, makeConfig(initial), { configFile: file });
  const before = gw.gateway.services().get('target')?.endpoints()[0]?.pool;
  writeFileSync(file, stringify({ ...initial, routes: [{ id: 'other', match: { path: '/' }, service: 'target' }] }));
  assert.deepEqual(await gw.gateway.reload(), { ok: true, changed: ['routes'], ignored: [] });
  assert.equal(gw.gateway.services().get('target')?.endpoints()[0]?.pool, before);
  writeFileSync(file, stringify({ ...initial, services: { target: { endpoints: [{ url: a.url }], connectionsPerEndpoint: 3 } } }));
  assert.equal((await gw.gateway.reload()).ok, true);
  assert.notEqual(gw.gateway.services().get('target')?.endpoints()[0]?.pool, before);
  assert.equal((await send(gw.url + '/x')).text, 'A');
});

test('close() drains: readiness goes 503, new connections are refused, in-flight requests finish', async (t) => {
  const a = await named(t, 'A', true);
  const gw = await startGateway(t, makeConfig(configFor(a)));
  const inFlight = send(gw.url + '/x');
  await until(() => a.held.length === 1);
  const closed = gw.gateway.close();
  assert.equal(gw.gateway.isReady(), false);
  const ready = await send(gw.adminUrl + '/health/ready');
  assert.equal(ready.status, 503);
  assert.equal(ready.json().error.code, 'GW_ERR_DRAINING');
  await assert.rejects(send(gw.url + '/y'), (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED');
  a.held[0]?.end('finished');
  const res = await inFlight;
  assert.equal(res.text, 'finished');
  assert.equal(res.headers.connection, 'close');
  await closed;
});

test('close() cuts requests still running after drainTimeoutMs', async (t) => {
  const a = await named(t, 'A', true);
  const gw = await startGateway(t, makeConfig(configFor(a, { limits: { drainTimeoutMs: 50 } })));
  const inFlight = send(gw.url + '/x').then(
    () => 'answered',
    () => 'cut',
  );
  await until(() => a.held.length === 1);
  await gw.gateway.close();
  assert.equal(await inFlight, 'cut');
});
