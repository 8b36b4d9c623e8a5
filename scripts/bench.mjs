// `npm run bench`: the same request, in one run, direct to a tiny upstream, through Portero
// (built dist, routing + metrics + access log on) and through other proxies, at several
// connection counts. Prints requests/s, p50/p99 latency, errors, the proxy's CPU time per request
// and the ratios between them as markdown.
//
// Fairness on a two-core machine: the proxy under test runs alone on core 0 (BENCH_PROXY_CPU);
// the upstream and the load generator share core 1 (BENCH_LOAD_CPU). The proxy therefore never
// competes with the load for CPU, and every proxy gets the same core. "direct" has no proxy: its
// numbers are the ceiling of the load side.
//
// Load generator (bench/load.mjs): wrk, single thread, when installed; otherwise autocannon in
// this process. wrk costs far less CPU per request, so the proxy's core is the bottleneck (a
// CPU-bound comparison); with autocannon the load core can limit the fastest proxies.
//
// Options: --only portero,direct   --json (also write bench/results/<time>.json)
// Environment: BENCH_DURATION_S (10; whole seconds with wrk), BENCH_WARMUP_S (2),
// BENCH_CONNECTIONS ("50,500"), BENCH_ROUNDS (1; more rounds interleave the targets and report
// the median round), BENCH_LOAD_GENERATOR (wrk|autocannon; wrk when installed).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuSeconds } from '../bench/cpu.mjs';
import { chooseLoadGenerator, runLoad } from '../bench/load.mjs';
import { renderRatios, renderRuns, renderScenarioRatios } from '../bench/report.mjs';
import { COMPETITOR_PACKAGES, competitorInstalled, hasBinary, scenarios, targets } from '../bench/targets.mjs';
import { gatewayNodeOptions } from './lib/gateway-command.mjs';
import { killNow, startProcess, stopProcess, waitReady } from './lib/processes.mjs';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));

const { values: args } = parseArgs({ options: { only: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } });
if (args.help) {
  console.log('usage: npm run bench -- [--only portero,direct,...] [--json]\ntargets: ' + targets.map((t) => t.name).join(', '));
  process.exit(0);
}
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 2);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '50,500').split(',').map(Number);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const PROXY_CPU = process.env.BENCH_PROXY_CPU ?? '0';
const LOAD_CPU = process.env.BENCH_LOAD_CPU ?? '1';
const canPin = hasBinary('taskset') && cpus().length >= 2;

const only = args.only?.split(',').map((s) => s.trim());
const unknown = only?.filter((name) => !targets.some((t) => t.name === name)) ?? [];
if (unknown.length > 0) {
  console.error(`unknown target(s): ${unknown.join(', ')}; known: ${targets.map((t) => t.name).join(', ')}`);
  process.exit(2);
}
const selected = targets.filter((t) => only === undefined || only.includes(t.name));

let loadGenerator;
try {
  loadGenerator = chooseLoadGenerator();
} catch (error) {
  console.error(error.message);
  process.exit(2);
}

// The upstream and the load generator (this process for autocannon, a wrk child process pinned
// explicitly) share the load core.
if (canPin) execFileSync('taskset', ['-a', '-cp', LOAD_CPU, String(process.pid)], { stdio: 'ignore' });
const pinned = (role, command) => (canPin ? ['taskset', '-c', role === 'proxy' ? PROXY_CPU : LOAD_CPU, ...command] : command);

const notes = [];
if (loadGenerator.note !== undefined) {
  notes.push(loadGenerator.note);
  console.error(loadGenerator.note);
}
const running = [];
process.on('exit', () => killNow(running));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

ensureCompetitors(selected);
const upstreamPort = await freePort();
const upstream = startProcess({ name: 'upstream', command: pinned('load', [process.execPath, 'bench/targets/upstream.mjs']), env: { PORT: String(upstreamPort) }, readyUrl: `http://127.0.0.1:${upstreamPort}/health` }, { quiet: true });
running.push(upstream);
await waitReady(upstream, 10_000);
const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;

// Scenario fixtures (the auth scenarios' token issuer) start once, before any measurement.
const fixtures = new Map();
for (const scenario of scenarios) {
  if (scenario.setup === undefined || !selected.some((t) => scenario.targets === undefined || scenario.targets.includes(t.name))) continue;
  fixtures.set(scenario.name, await scenario.setup());
}

// Rounds interleave the targets (A B C, A B C, ...) so drift in the machine's load spreads over
// all of them; each row reports the median round, and ratios are medians of per-round ratios.
// The machine's speed also changes within a round, in episodes of about a minute, so every
// comparison with Portero is bracketed: on the plain route Portero is measured again after each
// other target (direct, the Node proxies, nginx), and after each scenario compared with the plain
// route (`compareTo`: auth, cache). Each other target then has Portero runs on both sides in time
// and each ratio is taken against their geometric mean (report.mjs), which cancels a steady drift.
// Direct, measured first, has a Portero run after it only. Portero's first plain run of a round
// is its row in the table; the others (`bracket: true`) serve only the req/s ratios (the p99 and
// CPU ratios compare the table's rows).
const rawRuns = [];
let seq = 0;
const subject = selected.find((t) => t.kind === 'subject');
const plainScenario = scenarios.find((s) => s.compareTo === undefined);

/** Measures one target in one scenario and round, unless it cannot run; returns whether it ran. */
async function measureInRound(scenario, target, round, bracket) {
  const skip = target.available?.() ?? (target.requires !== undefined && !existsSync(target.requires) ? `${target.requires} is missing: run \`npm run build\` first` : undefined);
  if (skip !== undefined) {
    if (round === 1 && !bracket) {
      notes.push(`skipped ${target.name}: ${skip}`);
      console.error(`skipped ${target.name}: ${skip}`);
    }
    return false;
  }
  const measured = await measureTarget(scenario, target);
  rawRuns.push(...measured.map((run) => ({ ...run, round, seq, ...(bracket ? { bracket: true } : {}) })));
  seq++;
  return measured.length > 0;
}

for (let round = 1; round <= ROUNDS; round++) {
  let subjectMainDone = false;
  for (const scenario of scenarios) {
    const applicable = (t) => scenario.targets === undefined || scenario.targets.includes(t.name);
    for (const target of selected.filter((t) => t.kind !== 'subject' && applicable(t))) {
      const ran = await measureInRound(scenario, target, round, false);
      // A Portero run that failed to start leaves the next one to be the round's main run.
      if (ran && subject !== undefined && scenario === plainScenario) subjectMainDone = (await measureInRound(plainScenario, subject, round, subjectMainDone)) || subjectMainDone;
    }
    if (subject === undefined || !applicable(subject)) continue;
    if (scenario === plainScenario) {
      // No other target ran (--only portero): the plain route still gets its run.
      if (!subjectMainDone) subjectMainDone = await measureInRound(scenario, subject, round, false);
      continue;
    }
    const ran = await measureInRound(scenario, subject, round, false);
    const base = scenarios.find((s) => s.name === scenario.compareTo);
    if (ran && base !== undefined) await measureInRound(base, subject, round, true);
  }
}
const mainRuns = rawRuns.filter((run) => run.bracket !== true);
const runs = medianRuns(mainRuns);
await stopProcess(upstream, 5000);
for (const fixture of fixtures.values()) await fixture.close();

const environment = {
  node: process.version,
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  loadGenerator: `${loadGenerator.name}${loadGenerator.version === undefined ? '' : ` ${loadGenerator.version}`}${loadGenerator.name === 'wrk' ? ' (1 thread, --timeout 10s)' : ' (in the bench process)'}`,
  pinning: canPin ? `proxy on core ${PROXY_CPU}; upstream + load generator on core ${LOAD_CPU}` : 'none (taskset missing or one core)',
  durationSeconds: DURATION_S,
  warmupSeconds: WARMUP_S,
  rounds: ROUNDS,
  // Portero runs as its launcher runs it (the `portero` command's first line); the Node proxies
  // with Node's defaults. NODE_OPTIONS reaches every Node process the bench starts (Portero, the
  // Node proxies, the upstream); Portero's own options, on its command line, win where both set one.
  porteroNodeOptions: gatewayNodeOptions().join(' ') || 'none',
  ...(process.env.NODE_OPTIONS ? { nodeOptions: process.env.NODE_OPTIONS } : {}),
};
console.log(`\n## Portero benchmark\n\n${Object.entries(environment).map(([k, v]) => `- ${k}: ${v}`).join('\n')}\n`);
console.log(renderRuns(runs));
const ratios = renderRatios(runs, 'portero', rawRuns);
if (ratios !== '') console.log(`\nRatios (Portero / other; req/s > 1 is better, p99 and CPU < 1 are better; the req/s ratio is the median of the per-round ratios, each between the other target and the Portero runs measured just before and just after it, range in brackets; the p99 and CPU ratios compare the rows above):\n\n${ratios}`);
const scenarioRatios = renderScenarioRatios(runs, scenarios, 'portero', rawRuns);
if (scenarioRatios !== '') console.log(`\nPortero scenarios against the plain route (same run; each round's req/s ratio is against the geometric mean of the plain runs measured just before and just after the scenario):\n\n${scenarioRatios}`);
if (notes.length > 0) console.log(`\n${notes.map((n) => `- ${n}`).join('\n')}`);
if (args.json) {
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, `${JSON.stringify({ environment, runs, rounds: rawRuns, notes }, null, 2)}\n`);
  console.log(`\nwrote ${file}`);
}

/** Starts the target (unless direct), then warms up and measures each connection count. */
async function measureTarget(scenario, target) {
  let url = `${upstreamUrl}${scenario.path.replace(/^\/api/, '')}`;
  const fixture = fixtures.get(scenario.name);
  const headers = fixture?.headers ?? {};
  let proc;
  if (target.command !== undefined) {
    const ctx = { scenario, scenarioEnv: fixture?.env ?? {}, upstreamUrl, port: await freePort(), adminPort: await freePort(), pinned };
    proc = startProcess(
      // stdout (the access log, for Portero) goes nowhere; stderr is kept for failure reports.
      { name: target.name, command: target.command(ctx), env: target.env?.(ctx), readyUrl: target.readyUrl?.(ctx) ?? `http://127.0.0.1:${ctx.port}${scenario.path}` },
      { quiet: true, stdout: 'ignore' },
    );
    running.push(proc);
    try {
      await waitReady(proc, 15_000);
    } catch (error) {
      console.error(`${target.name} did not start: ${error.message}\n${proc.tail.join('\n')}`);
      notes.push(`failed ${target.name}: ${error.message}`);
      await stopProcess(proc, 3000);
      return [];
    }
    url = `http://127.0.0.1:${ctx.port}${scenario.path}`;
  }
  const results = [];
  for (const connections of CONNECTIONS) {
    console.error(`${scenario.name} | ${target.name} | ${connections} connections: warm-up ${WARMUP_S}s, measure ${DURATION_S}s`);
    const load = { url, connections, headers, pinned };
    if (WARMUP_S > 0) await runLoad(loadGenerator, { ...load, durationSeconds: WARMUP_S });
    const cpuBefore = cpuSeconds(proc?.child.pid);
    const result = await runLoad(loadGenerator, { ...load, durationSeconds: DURATION_S });
    const cpuAfter = cpuSeconds(proc?.child.pid);
    const total = result.requests;
    results.push({
      scenario: scenario.name,
      target: target.name,
      connections,
      loadGenerator: loadGenerator.name,
      ...result,
      cpuMicrosPerRequest: cpuBefore !== undefined && cpuAfter !== undefined && total > 0 ? ((cpuAfter - cpuBefore) * 1e6) / total : undefined,
    });
  }
  if (proc !== undefined) {
    await stopProcess(proc, 5000);
    running.splice(running.indexOf(proc), 1);
  }
  return results;
}

/** One row per scenario, target and connection count: the round with the median req/s. */
function medianRuns(list) {
  const groups = new Map();
  for (const run of list) {
    const key = `${run.scenario}\u0000${run.target}\u0000${run.connections}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.values()].map((group) => {
    const sorted = [...group].sort((a, b) => a.rps - b.rps);
    const { round: _round, ...median } = sorted[Math.floor((sorted.length - 1) / 2)];
    const sum = (key) => group.reduce((total, run) => total + run[key], 0);
    // Errors are summed over the rounds: one failing round must show.
    return { ...median, rounds: group.length, errors: sum('errors'), non2xx: sum('non2xx'), socketErrors: sum('socketErrors'), timeouts: sum('timeouts') };
  });
}

/** Installs the competitor proxies once, into bench/.competitors (gitignored), never into the project. */
function ensureCompetitors(list) {
  const needed = list.filter((t) => t.packages !== undefined);
  if (needed.every((t) => t.packages.every(competitorInstalled))) return;
  mkdirSync('bench/.competitors', { recursive: true });
  if (!existsSync('bench/.competitors/package.json')) writeFileSync('bench/.competitors/package.json', '{ "name": "portero-bench-competitors", "private": true }\n');
  console.error(`installing ${COMPETITOR_PACKAGES.join(' ')} into bench/.competitors (benchmark only)`);
  // All at once: --no-save installs replace the previous tree, so a partial install would drop the rest.
  execFileSync('npm', ['install', '--prefix', 'bench/.competitors', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', ...COMPETITOR_PACKAGES], { stdio: 'inherit' });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
