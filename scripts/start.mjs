// `npm start`: runs the local system from the built packages. Starts the processes in `stages`
// (each stage in parallel, the next one once every process of the current one is ready), prefixes
// their output with their names, prints where everything listens, and on Ctrl-C / SIGTERM stops
// them in reverse order. If a process dies while starting, or later, everything is stopped and
// the exit code is non-zero.
//
// Environment: START_TIMEOUT_MS (default 30000) per stage, STOP_TIMEOUT_MS (default 15000) before
// SIGKILL, PORTERO_ADMIN_TOKEN and PORTERO_REGISTRY_TOKEN (config/local.yaml has dev defaults),
// LOG_LEVEL.
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { localSystem } from './lib/local-system.mjs';
import { killNow, startProcess, stopProcess, waitReady } from './lib/processes.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);

const START_TIMEOUT_MS = Number(process.env.START_TIMEOUT_MS ?? 30000);
const STOP_TIMEOUT_MS = Number(process.env.STOP_TIMEOUT_MS ?? 15000);
const system = localSystem();
const { gatewayUrl: GATEWAY, adminUrl: ADMIN, issuer: ISSUER } = system;

/**
 * What runs, in order. Every process of a stage must be ready before the next stage starts: the
 * authorization server, then the gateway (its registry must exist before instances register),
 * then the three instances, which share one SQLite file and run its migrations safely together.
 */
const stages = [[system.auth], [system.gateway], [1, 2, 3].map(system.customerInstance)];

const all = stages.flat();
for (const spec of all) {
  if (!existsSync(spec.requires)) {
    console.error(`${spec.requires} is missing: run \`npm run build\` first (\`npm start\` does).`);
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

Try (a token from the authorization server, then the API through the gateway):
  TOKEN=$(curl -s -u demo-writer:demo-writer-secret -d grant_type=client_credentials \\
          -d 'scope=customers:read customers:write' ${ISSUER}/token | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
  curl -s -X POST ${GATEWAY}/api/customers -H "authorization: Bearer $TOKEN" \\
       -H 'content-type: application/json' -d '{"name":"Ada Lovelace","email":"ada@example.com"}'
  curl -s ${GATEWAY}/api/customers -H "authorization: Bearer $TOKEN"
  curl -s ${ADMIN}/metrics | grep portero_

A fourth instance joins within seconds (it registers itself):
  PORT=0 REGISTRY=embedded REGISTRY_URL=${ADMIN} REGISTRY_TOKEN=${system.registryToken} \\
    SQLITE_PATH=var/customers.sqlite node packages/customer-service/dist/main.js

Ctrl-C stops everything.
`);
}
