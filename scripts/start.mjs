// `npm start`: runs the local system from the built packages. Starts the processes in `stages`
// (each stage in parallel, the next one once every process of the current one is ready), prefixes
// their output with their names, prints where everything listens, and on Ctrl-C / SIGTERM stops
// them in reverse order. If a process dies while starting, or later, everything is stopped and
// the exit code is non-zero.
//
// Environment: START_TIMEOUT_MS (default 30000) per stage, STOP_TIMEOUT_MS (default 15000) before
// SIGKILL, PORTERO_ADMIN_TOKEN (passed on to the gateway; config/local.yaml has a dev default).
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { killNow, startProcess, stopProcess, waitReady } from './lib/processes.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);

const START_TIMEOUT_MS = Number(process.env.START_TIMEOUT_MS ?? 30000);
const STOP_TIMEOUT_MS = Number(process.env.STOP_TIMEOUT_MS ?? 15000);
const GATEWAY = 'http://127.0.0.1:8080';
const ADMIN = 'http://127.0.0.1:8081';
const SQLITE_PATH = 'var/customers.sqlite';

const customerInstance = (n) => ({
  name: `customers-${n}`,
  command: [process.execPath, 'packages/customer-service/dist/main.js'],
  env: { HOST: '127.0.0.1', PORT: String(3000 + n), SQLITE_PATH },
  readyUrl: `http://127.0.0.1:${3000 + n}/health/ready`,
  url: `http://127.0.0.1:${3000 + n}`,
});

/**
 * What runs, in order. Every process of a stage must be ready before the next stage starts. The
 * three instances share one SQLite file and run its migrations safely when started together. A
 * new component (the authorization server) is one more entry in the first stage.
 */
const stages = [
  [customerInstance(1), customerInstance(2), customerInstance(3)],
  [
    {
      name: 'gateway',
      command: [process.execPath, 'packages/gateway/dist/main.js', '--config', 'config/local.yaml'],
      readyUrl: `${ADMIN}/health/ready`,
      url: `${GATEWAY} (admin ${ADMIN})`,
    },
  ],
];

const all = stages.flat();
for (const spec of all) {
  const entry = spec.command[1];
  if (!existsSync(entry)) {
    console.error(`${entry} is missing: run \`npm run build\` first (\`npm start\` does).`);
    process.exit(1);
  }
}
mkdirSync('var', { recursive: true });

const width = Math.max(...all.map((s) => s.name.length));
const started = []; // per stage, the running processes
let stopping = false;

async function stopAll(exitCode, reason) {
  if (stopping) return;
  stopping = true;
  if (reason) console.error(`\n${reason}`);
  console.log('\nstopping...');
  for (const stage of [...started].reverse()) {
    await Promise.all(stage.map((proc) => stopProcess(proc, STOP_TIMEOUT_MS)));
  }
  process.exit(exitCode);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
process.on('exit', () => killNow(started.flat()));

function watchForDeath(proc) {
  proc.exited.then(({ code, signal }) => {
    if (stopping) return;
    const tail = proc.tail.slice(-20).map((line) => `  ${line}`).join('\n');
    void stopAll(1, `${proc.spec.name} exited (${signal ?? `code ${code}`}). Its last output:\n${tail}`);
  });
}

let index = 0;
for (const stage of stages) {
  if (stopping) break;
  const procs = stage.map((spec) => startProcess(spec, { width, colorIndex: index++ }));
  started.push(procs);
  procs.forEach(watchForDeath);
  try {
    await Promise.all(procs.map((proc) => waitReady(proc, START_TIMEOUT_MS)));
  } catch (error) {
    // When a process died, watchForDeath is already stopping everything; this only adds a timeout.
    void stopAll(1, error.message);
    break;
  }
}

if (!stopping) {
  const lines = all.map((spec) => `  ${spec.name.padEnd(width)}  ${spec.url}`);
  console.log(`
Portero is up. Clients use the gateway only; the instances and their health endpoints stay private.
${lines.join('\n')}

Try:
  curl -s -X POST ${GATEWAY}/api/customers -H 'content-type: application/json' \\
       -d '{"name":"Ada Lovelace","email":"ada@example.com"}'
  curl -s ${GATEWAY}/api/customers
  curl -s ${ADMIN}/metrics | grep portero_

Ctrl-C stops everything.
`);
}
