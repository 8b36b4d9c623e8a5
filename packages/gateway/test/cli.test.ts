import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { runCli } from '../src/cli/main.js';

const bin = fileURLToPath(new URL('../bin/portero.mjs', import.meta.url));

/** Runs a command in-process; the spawned cases below cover the bin itself. */
async function inProcess(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), env });
  return { code, stdout, stderr };
}

function portero(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH ?? '', PORTERO_FROM_SOURCE: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const VALID = `
admin:
  token: \${ADMIN_TOKEN:-dev-token-0123456789}
services:
  customers:
    endpoints:
      - url: http://127.0.0.1:3001
routes:
  - id: customers
    match: { path: /api/customers }
    service: customers
    stripPrefix: /api
`;

const INVALID = `
listener:
  port: 99999
  bogus: true
services:
  customers:
    endpoints:
      - url: http://127.0.0.1:3001/customers
routes:
  - id: customers
    match: { path: /api/customers }
    service: customer
    stripPrefix: /v1
  - id: customers
    match: { path: /other }
    service: customers
`;

async function files(t: { after(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'portero-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const valid = join(dir, 'valid.yaml');
  const invalid = join(dir, 'invalid.yaml');
  await writeFile(valid, VALID);
  await writeFile(invalid, INVALID);
  return { dir, valid, invalid };
}

test('validate prints "ok" and exits 0 for a valid file', async (t) => {
  const { valid } = await files(t);
  const result = await portero(['validate', valid]);
  assert.deepEqual([result.code, result.stdout], [0, 'ok\n']);
});

test('validate prints every problem with its path, one per line, exits 1 and changes nothing', async (t) => {
  const { invalid } = await files(t);
  const before = await stat(invalid);
  const result = await portero(['validate', invalid]);
  assert.equal(result.code, 1);
  const paths = result.stdout.trimEnd().split('\n').map((line) => line.slice(0, line.indexOf(': ')));
  assert.deepEqual(paths.sort(), [
    'listener.bogus',
    'listener.port',
    'routes[0].service',
    'routes[0].stripPrefix',
    'routes[1].id',
    'services.customers.endpoints[0].url',
  ]);
  assert.ok(result.stdout.includes('routes[0].service: unknown service "customer"\n'));
  assert.equal(await readFile(invalid, 'utf8'), INVALID);
  assert.equal((await stat(invalid)).mtimeMs, before.mtimeMs);
});

test('validate interpolates the environment it runs in', async (t) => {
  const { dir } = await files(t);
  const file = join(dir, 'env.yaml');
  await writeFile(file, 'listener:\n  port: ${GW_PORT}\n');
  assert.equal((await inProcess(['validate', file], { GW_PORT: '9000' })).code, 0);
  const missing = await inProcess(['validate', file]);
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /^listener\.port: environment variable GW_PORT is not set/);
});

test('an unreadable file exits 1', async (t) => {
  const { dir } = await files(t);
  const result = await inProcess(['validate', join(dir, 'absent.yaml')]);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /ENOENT/);
});

test('a usage error exits 2 with the usage on stderr (spawned)', async () => {
  const result = await portero(['validate']);
  assert.equal(result.code, 2);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /Usage:/);
});

const usageErrors: string[][] = [[], ['frobnicate'], ['validate', 'a.yaml', 'b.yaml'], ['validate', '--strict', 'a.yaml'], ['start'], ['start', 'a.yaml']];
for (const args of usageErrors) {
  test(`usage error exits 2: portero ${args.join(' ')}`, async () => {
    const result = await inProcess(args);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /Usage:/);
  });
}

test('start refuses an invalid file with every problem on stderr and exits 1', async (t) => {
  const { invalid } = await files(t);
  const result = await inProcess(['start', '--config', invalid]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^listener\.port: /m);
  assert.match(result.stderr, /^routes\[0\]\.service: unknown service "customer"$/m);
});

test('start runs the gateway until SIGTERM, then exits 0', async (t) => {
  const { dir } = await files(t);
  const file = join(dir, 'gateway.yaml');
  await writeFile(file, 'listener:\n  port: 0\nadmin:\n  port: 0\nlogging:\n  level: info\n');
  const child = spawn(process.execPath, [bin, 'start', '--config', file], { env: { PATH: process.env.PATH ?? '', PORTERO_FROM_SOURCE: '1' } });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"msg":"listening"')) resolve();
    });
    child.on('exit', () => reject(new Error(`exited before listening: ${output}`)));
  });
  const listening = JSON.parse(output.split('\n').find((line) => line.includes('"msg":"listening"')) as string);
  const health = await fetch(`${listening.adminUrl}/health/live`);
  assert.equal(health.status, 200);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});

test('help exits 0', async () => {
  const result = await inProcess(['help']);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /portero validate FILE/);
});
