// `npm run chaos`: the availability test. Runs the local system (authorization server, gateway,
// three Customer Management instances registered with the embedded registry) on its own ports and
// database, drives it with CHAOS_CONNECTIONS (500) concurrent connections of authenticated GETs
// and a share of PUTs for CHAOS_DURATION_S (60) seconds, and meanwhile:
//   - every CHAOS_KILL_EVERY_S (10) seconds kills one instance with SIGKILL and starts it again;
//   - in the last third of the run, restarts every instance in turn with SIGTERM (rolling).
// It prints requests sent, successes, failures by cause, latencies against the route deadline,
// and the success ratios; it exits 1 when a target is missed (99.9% overall, 100% of GETs, no
// request slower than the deadline). A benchmark, not part of `npm test`.
//
// GETs carry `Cache-Control: no-cache` unless CHAOS_USE_CACHE=1, so every request reaches an
// instance (revalidated) and the test measures failover, not the cache.
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { localSystem } from './lib/local-system.mjs';
import { killNow, startProcess, stopProcess, waitReady } from './lib/processes.mjs';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));

const DURATION_S = Number(process.env.CHAOS_DURATION_S ?? 60);
const CONNECTIONS = Number(process.env.CHAOS_CONNECTIONS ?? 500);
const KILL_EVERY_S = Number(process.env.CHAOS_KILL_EVERY_S ?? 10);
const PUT_SHARE = Number(process.env.CHAOS_PUT_SHARE ?? 0.1);
const CUSTOMERS = Number(process.env.CHAOS_CUSTOMERS ?? 200);
const USE_CACHE = process.env.CHAOS_USE_CACHE === '1';
const ROLLING = process.env.CHAOS_ROLLING !== '0';
// The route's deadline in config/local.yaml (services.customers.retry.deadlineMs).
const DEADLINE_MS = Number(process.env.CHAOS_DEADLINE_MS ?? 5000);
const CLIENT_TIMEOUT_MS = DEADLINE_MS * 3;
// Before the measured run, every connection is opened and used for CHAOS_WARMUP_S seconds. The
// burst of 500 new connections on a saturated two-core machine queues some first requests for
// seconds before the gateway reads them; that start-up is reported apart, not hidden.
const WARMUP_S = Number(process.env.CHAOS_WARMUP_S ?? 5);

const sqlitePath = `var/chaos-${process.pid}.sqlite`;
mkdirSync('var', { recursive: true });
const system = localSystem({ gatewayPort: 18080, authPort: 19000, sqlitePath, logLevel: 'warn' });
// The instances log `registered` at info; they stay quiet otherwise (health probes log at warn).
const instanceSpec = (n) => ({ ...system.customerInstance(n), env: { ...system.customerInstance(n).env, LOG_LEVEL: 'info' } });

const running = new Set();
let stopAt = 0;
const log = (message) => console.log(`[${new Date().toISOString().slice(11, 23)}] ${message}`);
function cleanup() {
  killNow([...running]);
  for (const suffix of ['', '-wal', '-shm']) rmSync(sqlitePath + suffix, { force: true });
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

async function start(spec) {
  const proc = startProcess(spec, { quiet: true });
  running.add(proc);
  proc.exited.then(() => running.delete(proc));
  try {
    await waitReady(proc, 30_000);
  } catch (error) {
    console.error(`${error.message}; its last output:\n${proc.tail.slice(-15).join('\n')}`);
    throw error;
  }
  return proc;
}

log('starting the local system on :18080 (admin :18081, auth :19000)');
await start(system.auth);
const gatewayProc = await start(system.gateway);
gatewayProc.exited.then(({ code, signal }) => {
  if (stopAt !== 0 && Date.now() < stopAt) console.error(`gateway exited (${signal ?? code}) during the run; its last output:\n${gatewayProc.tail.slice(-30).join('\n')}`);
});
const instances = await Promise.all([1, 2, 3].map((n) => start(instanceSpec(n))));

const agent = new Agent({ connections: CONNECTIONS, pipelining: 1, keepAliveTimeout: 30_000 });
const token = async (client, scope) => {
  const res = await request(`${system.issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(client).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&scope=${encodeURIComponent(scope)}`,
  });
  const body = await res.body.json();
  if (res.statusCode !== 200) throw new Error(`token: ${res.statusCode} ${JSON.stringify(body)}`);
  return body.access_token;
};
const readToken = await token('demo-reader:demo-reader-secret', 'customers:read');
const writeToken = await token('demo-writer:demo-writer-secret', 'customers:read customers:write');

// Wait until the gateway routes to all three instances (registration plus a first health probe).
for (let i = 0; ; i++) {
  const res = await request(`${system.gatewayUrl}/api/customers?limit=1`, { headers: { authorization: `Bearer ${readToken}` }, dispatcher: agent });
  await res.body.dump();
  if (res.statusCode === 200) break;
  if (i > 100) throw new Error(`gateway not serving: ${res.statusCode}`);
  await delay(100);
}

log(`creating ${CUSTOMERS} customers`);
const customers = [];
for (let i = 0; i < CUSTOMERS; i++) {
  const body = { name: `Chaos Customer ${i}`, email: `chaos-${process.pid}-${i}@example.com`, phone: null, address: null, status: 'active' };
  const res = await request(`${system.gatewayUrl}/api/customers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${writeToken}`, 'content-type': 'application/json', 'idempotency-key': `seed-${i}` },
    body: JSON.stringify(body),
    dispatcher: agent,
  });
  const created = await res.body.json();
  if (res.statusCode !== 201) throw new Error(`seeding: ${res.statusCode} ${JSON.stringify(created)}`);
  customers.push({ id: created.id, body });
}

// Results, by method.
let stats = { GET: newStats(), PUT: newStats() };
function newStats() {
  return { sent: 0, ok: 0, failures: new Map(), latencies: [], overDeadline: 0 };
}
/** Failures by the second (of the run) their request started in: shows whether they cluster around a kill. */
const failureSeconds = new Map();
function record(method, outcome, ms) {
  const s = stats[method];
  s.sent++;
  s.latencies.push(ms);
  if (ms > DEADLINE_MS) s.overDeadline++;
  if (outcome === 'ok') s.ok++;
  else {
    s.failures.set(outcome, (s.failures.get(outcome) ?? 0) + 1);
    const second = Math.floor((Date.now() - ms - stopAt + DURATION_S * 1000) / 1000);
    failureSeconds.set(second, (failureSeconds.get(second) ?? 0) + 1);
  }
}

async function worker(seed) {
  let n = seed;
  while (Date.now() < stopAt) {
    n = (n * 1103515245 + 12345) % 2147483648;
    const customer = customers[n % customers.length];
    const method = (n % 1000) / 1000 < PUT_SHARE ? 'PUT' : 'GET';
    const headers = { authorization: `Bearer ${method === 'GET' ? readToken : writeToken}` };
    if (method === 'GET' && !USE_CACHE) headers['cache-control'] = 'no-cache';
    if (method === 'PUT') headers['content-type'] = 'application/json';
    const started = performance.now();
    let outcome;
    try {
      const res = await request(`${system.gatewayUrl}/api/customers/${customer.id}`, {
        method,
        headers,
        body: method === 'PUT' ? JSON.stringify(customer.body) : undefined,
        dispatcher: agent,
        headersTimeout: CLIENT_TIMEOUT_MS,
        bodyTimeout: CLIENT_TIMEOUT_MS,
      });
      const text = await res.body.text();
      if (res.statusCode === 200) outcome = 'ok';
      else {
        let code = '';
        try {
          code = JSON.parse(text).error?.code ?? '';
        } catch {
          // not JSON
        }
        outcome = `http ${res.statusCode}${code ? ` ${code}` : ''}`;
      }
    } catch (error) {
      outcome = `client ${error.code ?? error.name}`;
    }
    record(method, outcome, performance.now() - started);
  }
}

// The chaos: SIGKILL one instance every KILL_EVERY_S, restart it at once; then a rolling restart.
let chaosDone = false;
let warmupSummary = 'no warm-up';
const events = [];
async function chaos(startedAt) {
  const rollingAt = startedAt + (DURATION_S * 1000 * 2) / 3;
  let victim = 0;
  while (Date.now() + KILL_EVERY_S * 1000 < rollingAt) {
    await delay(KILL_EVERY_S * 1000);
    const proc = instances[victim];
    proc.child.kill('SIGKILL');
    await proc.exited;
    events.push(`SIGKILL customers-${victim + 1} at ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    log(events.at(-1));
    instances[victim] = await start(instanceSpec(victim + 1));
    log(`customers-${victim + 1} back (registered)`);
    victim = (victim + 1) % instances.length;
  }
  await delay(Math.max(0, rollingAt - Date.now()));
  for (let i = 0; ROLLING && i < instances.length && Date.now() < stopAt - 2000; i++) {
    events.push(`SIGTERM customers-${i + 1} (rolling) at ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    log(events.at(-1));
    await stopProcess(instances[i], 15_000);
    instances[i] = await start(instanceSpec(i + 1));
    log(`customers-${i + 1} back (registered)`);
  }
  chaosDone = true;
}

if (WARMUP_S > 0) {
  log(`warm-up: ${CONNECTIONS} connections for ${WARMUP_S} s (not counted)`);
  stopAt = Date.now() + WARMUP_S * 1000;
  await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => worker(i * 104729 + 3)));
  const w = Object.values(stats).reduce((a, s) => ({ sent: a.sent + s.sent, ok: a.ok + s.ok, max: s.latencies.reduce((m, ms) => Math.max(m, ms), a.max) }), { sent: 0, ok: 0, max: 0 });
  warmupSummary = `warm-up (not counted): ${w.sent} requests, ${w.ok} ok, slowest ${w.max.toFixed(0)} ms`;
  log(warmupSummary);
  stats = { GET: newStats(), PUT: newStats() };
  failureSeconds.clear();
}
log(`load: ${CONNECTIONS} connections for ${DURATION_S} s, ${Math.round(PUT_SHARE * 100)}% PUT, GETs ${USE_CACHE ? 'may hit the cache' : 'with no-cache (every one reaches an instance)'}`);
const startedAt = Date.now();
stopAt = startedAt + DURATION_S * 1000;
const chaosRun = chaos(startedAt);
await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => worker(i * 7919 + 1)));
const elapsedS = (Date.now() - startedAt) / 1000;
await chaosRun;
await agent.close();

// Report.
const pct = (q, sorted) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
const total = { sent: 0, ok: 0, overDeadline: 0, failures: new Map(), latencies: [] };
for (const s of Object.values(stats)) {
  total.sent += s.sent;
  total.ok += s.ok;
  total.overDeadline += s.overDeadline;
  for (const [k, v] of s.failures) total.failures.set(k, (total.failures.get(k) ?? 0) + v);
  // One by one: spreading a run's worth of latencies (100,000s) as arguments overflows the stack.
  for (const ms of s.latencies) total.latencies.push(ms);
}
const line = (name, s) => {
  const sorted = [...s.latencies].sort((a, b) => a - b);
  const ratio = s.sent === 0 ? 1 : s.ok / s.sent;
  return `| ${name} | ${s.sent} | ${s.ok} | ${s.sent - s.ok} | ${(ratio * 100).toFixed(3)}% | ${pct(0.5, sorted).toFixed(1)} | ${pct(0.99, sorted).toFixed(1)} | ${(sorted.at(-1) ?? 0).toFixed(1)} | ${s.overDeadline} |`;
};
console.log(`
## npm run chaos: ${elapsedS.toFixed(1)} s, ${CONNECTIONS} connections, ${(total.sent / elapsedS).toFixed(0)} req/s

${warmupSummary}. Chaos: ${events.join('; ')}${chaosDone ? '' : ' (rolling restart cut short by the end of the run)'}

| requests | sent | ok | failed | success | p50 ms | p99 ms | max ms | over ${DEADLINE_MS} ms deadline |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${line('GET', stats.GET)}
${line('PUT', stats.PUT)}
${line('all', total)}
`);
if (total.failures.size > 0) {
  console.log('Failures by cause:');
  for (const [cause, count] of [...total.failures].sort((a, b) => b[1] - a[1])) console.log(`  ${cause}: ${count}`);
  console.log(`Failed requests by the second they started in: ${[...failureSeconds].sort((a, b) => a[0] - b[0]).map(([sec, n]) => `${sec}s:${n}`).join(' ')}`);
  console.log('');
}
const overall = total.sent === 0 ? 0 : total.ok / total.sent;
const gets = stats.GET.sent === 0 ? 0 : stats.GET.ok / stats.GET.sent;
const checks = [
  [`overall success >= 99.9% (${(overall * 100).toFixed(3)}%)`, overall >= 0.999],
  [`GET success = 100% (${(gets * 100).toFixed(3)}%)`, gets === 1],
  [`no request slower than the ${DEADLINE_MS} ms deadline (${total.overDeadline} slower)`, total.overDeadline === 0],
];
for (const [text, ok] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}  ${text}`);

if (process.env.CHAOS_DEBUG === '1') {
  const metrics = await (await fetch(`${system.adminUrl}/metrics`)).text();
  console.log(metrics.split('\n').filter((l) => /^portero_(request_duration_seconds_bucket|requests_in_flight|retries_total|upstream_requests_total|cache_lookups_total)/.test(l)).join('\n'));
}
for (const proc of [...running].reverse()) await stopProcess(proc, 10_000);
process.exit(checks.every(([, ok]) => ok) ? 0 : 1);
