// Throughput of GET /customers/{id} on SQLite and on PostgreSQL, side by side in one run.
// Needs the built service (npm run build -w @portero/customer-service) and, for PostgreSQL, the
// admin URL PORTERO_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres). Creates a
// temporary SQLite file and a throwaway database portero_bench_<random>, removes both at the end.
//
//   node packages/customer-service/bench/get-by-id.mjs [--connections 100] [--duration 10] [--count 10000]
//
// autocannon cannot vary the URL per request cheaply, so every request reads the same customer
// (the one at a fixed offset of the seeded set); the row is hot in both databases' caches.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { connections: { type: 'string', default: '100' }, duration: { type: 'string', default: '10' }, count: { type: 'string', default: '10000' } } });
const adminUrl = process.env.PORTERO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function seed(env) {
  execFileSync(process.execPath, ['dist/cli/seed.js', '--count', values.count, '--seed', '42'], { cwd: pkg, env: { ...process.env, ...env }, stdio: 'inherit' });
}

async function startService(env) {
  const child = spawn(process.execPath, ['dist/main.js'], { cwd: pkg, env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      for (const line of buffer.split('\n')) {
        try {
          const entry = JSON.parse(line);
          if (entry.msg === 'listening') resolve(entry.url);
        } catch {
          // Partial line; wait for more output.
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`service exited with ${code}`)));
  });
  return { url, stop: () => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM'))) };
}

async function pickId(url) {
  const page = await (await fetch(`${url}/customers?limit=100&cursor=${await cursorAt(url, Math.floor(Number(values.count) / 2))}`)).json();
  return page.items[37].id;
}

async function cursorAt(url, skip) {
  let cursor = '';
  for (let seen = 0; seen < skip; seen += 100) {
    const page = await (await fetch(`${url}/customers?limit=100${cursor ? `&cursor=${cursor}` : ''}`)).json();
    cursor = page.nextCursor;
  }
  return cursor;
}

function load(url) {
  // A short unmeasured run first, so JIT warm-up and connection set-up do not count.
  execFileSync('npx', ['autocannon', '-c', values.connections, '-d', '2', url], { cwd: pkg, stdio: 'ignore' });
  const out = execFileSync('npx', ['autocannon', '-c', values.connections, '-d', values.duration, '--json', url], { cwd: pkg, maxBuffer: 64 * 1024 * 1024 });
  const result = JSON.parse(out.toString());
  return { reqPerSec: Math.round(result.requests.average), p50Ms: result.latency.p50, p99Ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts };
}

async function measure(name, env) {
  seed(env);
  const service = await startService(env);
  try {
    const id = await pickId(service.url);
    return { backend: name, ...load(`${service.url}/customers/${id}`) };
  } finally {
    await service.stop();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'customers-bench-'));
const dbName = `portero_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
const results = [];
try {
  results.push(await measure('sqlite', { SQLITE_PATH: join(dir, 'customers.sqlite'), DATABASE_URL: '' }));
  await admin.query(`create database ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  results.push(await measure('postgres', { DATABASE_URL: url.toString() }));
} finally {
  await admin.query(`drop database if exists ${dbName} with (force)`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
}
console.table(results);
if (results.length === 2) console.log(`sqlite/postgres req/s ratio: ${(results[0].reqPerSec / results[1].reqPerSec).toFixed(2)}`);
