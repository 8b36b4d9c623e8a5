// `node scripts/smoke.mjs` (after `npm run build`): runs `scripts/start.mjs`, checks the local
// system end to end (a token from the authorization server, then the API through the gateway),
// stops it with SIGTERM and checks it exits cleanly.
// Exits 0 when every check passes; prints what failed otherwise. Uses the fixed local ports.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const GATEWAY = 'http://127.0.0.1:8080';
const ADMIN = 'http://127.0.0.1:8081';
const AUTH = 'http://127.0.0.1:9000';
const START_TIMEOUT_MS = Number(process.env.SMOKE_START_TIMEOUT_MS ?? 60000);

const child = spawn(process.execPath, ['scripts/start.mjs'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
let output = '';
child.stdout.on('data', (chunk) => (output += chunk));
child.stderr.on('data', (chunk) => (output += chunk));
const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

const failures = [];
function check(name, ok, detail) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : `: ${detail}`}`);
  if (!ok) failures.push(name);
}

try {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!output.includes('Portero is up')) {
    if (child.exitCode !== null) throw new Error(`start.mjs exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`not up within ${START_TIMEOUT_MS} ms:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const anonymous = await fetch(`${GATEWAY}/api/customers`);
  await anonymous.arrayBuffer();
  check('GET /api/customers without a token answers 401', anonymous.status === 401, String(anonymous.status));
  // A token from the local authorization server's demo client (client credentials).
  const tokenResponse = await fetch(`${AUTH}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('demo-writer:demo-writer-secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'customers:read customers:write' }),
  });
  const { access_token: token } = await tokenResponse.json();
  check('the authorization server issues a token', tokenResponse.status === 200 && typeof token === 'string', String(tokenResponse.status));
  const bearer = { authorization: `Bearer ${token}` };
  const email = `smoke-${Date.now()}@example.com`;
  const created = await fetch(`${GATEWAY}/api/customers`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Smoke Test', email }) });
  const customer = await created.json();
  check('POST /api/customers answers 201', created.status === 201, `${created.status} ${JSON.stringify(customer)}`);
  const read = await fetch(`${GATEWAY}/api/customers/${customer.id}`, { headers: bearer });
  const body = await read.json();
  check('GET /api/customers/{id} returns it', read.status === 200 && body.email === email, `${read.status} ${JSON.stringify(body)}`);
  check('responses carry x-request-id', read.headers.get('x-request-id') !== null, 'missing');
  for (const path of ['/health/ready', '/customers', '/api/customersX']) {
    const response = await fetch(`${GATEWAY}${path}`);
    await response.arrayBuffer();
    check(`GET ${path} is not routed (404)`, response.status === 404, String(response.status));
  }
  const ready = await fetch(`${ADMIN}/health/ready`);
  await ready.arrayBuffer();
  check('admin /health/ready answers 200', ready.status === 200, String(ready.status));
} catch (error) {
  check('local system starts', false, error.message);
}

child.kill('SIGTERM');
const { code, signal } = await exited;
check('npm start stops cleanly on SIGTERM', code === 0, `code ${code}, signal ${signal}`);
process.exit(failures.length === 0 ? 0 : 1);
