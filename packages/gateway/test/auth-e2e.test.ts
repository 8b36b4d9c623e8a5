/**
 * End to end against the REAL authorization server (packages/auth-server, oidc-provider), run as
 * its own process like in the local system: client-credentials tokens through a real gateway to a
 * recording upstream, and a signing-key rotation done with the server's rotate-keys CLI.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeProtectedHeader } from 'jose';
import { makeConfig, send, startGateway, startUpstream } from './support/data-plane.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const AUDIENCE = 'api://portero-customers';

interface AuthServer {
  readonly issuer: string;
  readonly env: NodeJS.ProcessEnv;
  /** Resolves with the next log line whose msg is `msg`. */
  nextLog(msg: string): Promise<Record<string, unknown>>;
  readonly child: ChildProcess;
}

async function startAuthServer(t: TestContext): Promise<AuthServer> {
  const dir = mkdtempSync(join(tmpdir(), 'portero-auth-e2e-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: '0',
    HOST: '127.0.0.1',
    AUTH_CONFIG: join(repoRoot, 'config/auth-server.yaml'),
    AUTH_KEYS_FILE: join(dir, 'keys.json'),
    LOG_LEVEL: 'info',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/auth-server/src/main.ts'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.after(async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });
  const waiters: { msg: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    const i = waiters.findIndex((w) => w.msg === line.msg);
    if (i >= 0) waiters.splice(i, 1)[0]?.resolve(line);
  });
  const nextLog = (msg: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      waiters.push({ msg, resolve });
      void exited.then(() => reject(new Error(`auth server exited before "${msg}": ${stderr}`)));
    });
  const listening = await nextLog('listening');
  return { issuer: String(listening.issuer), env, nextLog, child };
}

async function clientCredentials(issuer: string, clientId: string, secret: string, scope: string): Promise<string> {
  const res = await send(`${issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  });
  assert.equal(res.status, 200, res.text);
  return String(res.json().access_token);
}

function rotateKeys(server: AuthServer, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/auth-server/src/cli/rotate-keys.ts', ...args], { cwd: repoRoot, env: server.env, stdio: 'ignore' });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`rotate-keys ${args.join(' ')} exited ${code}`))));
  });
}

async function startStack(t: TestContext) {
  const server = await startAuthServer(t);
  const upstream = await startUpstream(t);
  const config = makeConfig({
    // Cache off so that every request really verifies against the current keys.
    auth: { tokenCache: { maxEntries: 0 }, issuers: { local: { issuer: server.issuer, tokenType: 'at+jwt' } } },
    services: { customers: { endpoints: [{ url: upstream.url }] } },
    routes: [
      {
        id: 'customers',
        match: { path: '/api/customers' },
        service: 'customers',
        filters: [
          { jwtAuth: { issuers: ['local'], audiences: [AUDIENCE] } },
          {
            authorize: {
              rules: [
                { methods: ['GET', 'HEAD'], scopes: { allOf: ['customers:read'] } },
                { methods: ['POST', 'PUT', 'PATCH', 'DELETE'], scopes: { allOf: ['customers:write'] } },
              ],
            },
          },
        ],
      },
    ],
  });
  const gw = await startGateway(t, config);
  return { server, upstream, gw };
}

test('client credentials tokens from the real auth server go through the gateway to the upstream', async (t) => {
  const { server, upstream, gw } = await startStack(t);
  const writer = await clientCredentials(server.issuer, 'demo-writer', 'demo-writer-secret', 'customers:read customers:write');
  const reader = await clientCredentials(server.issuer, 'demo-reader', 'demo-reader-secret', 'customers:read');

  const read = await send(`${gw.url}/api/customers`, { headers: { authorization: `Bearer ${reader}` } });
  assert.equal(read.status, 200);
  assert.equal(upstream.seen[0]?.headers['x-auth-client-id'], 'demo-reader');
  assert.equal(upstream.seen[0]?.headers['x-auth-scopes'], 'customers:read');
  assert.equal(upstream.seen[0]?.headers.authorization, undefined);

  const denied = await send(`${gw.url}/api/customers`, { method: 'POST', headers: { authorization: `Bearer ${reader}`, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(denied.status, 403);
  assert.equal(denied.json().error.code, 'GW_ERR_AUTH_INSUFFICIENT_SCOPE');

  const write = await send(`${gw.url}/api/customers`, { method: 'POST', headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(write.status, 200);
  assert.equal(upstream.seen[1]?.headers['x-auth-client-id'], 'demo-writer');

  const missing = await send(`${gw.url}/api/customers`);
  assert.equal(missing.status, 401);
  assert.equal(missing.json().error.code, 'GW_ERR_AUTH_MISSING_TOKEN');
  assert.equal(upstream.seen.length, 2);
});

test('signing key rotation on the real auth server: the new kid is fetched once and accepted, the old one keeps working', async (t) => {
  const { server, upstream, gw } = await startStack(t);
  const before = await clientCredentials(server.issuer, 'demo-writer', 'demo-writer-secret', 'customers:read');
  const oldKid = decodeProtectedHeader(before).kid;
  assert.equal((await send(`${gw.url}/api/customers`, { headers: { authorization: `Bearer ${before}` } })).status, 200);

  await rotateKeys(server, ['--alg', 'RS256']);
  await rotateKeys(server, ['--promote', '--alg', 'RS256']);
  const refreshed = server.nextLog('keys_refreshed');
  server.child.kill('SIGHUP');
  await refreshed;

  const after = await clientCredentials(server.issuer, 'demo-writer', 'demo-writer-secret', 'customers:read');
  const newKid = decodeProtectedHeader(after).kid;
  assert.notEqual(newKid, oldKid, 'the server signs with the rotated key');
  const metricsBefore = (await send(`${gw.adminUrl}/metrics`)).text;
  const fetches = (text: string) => Number(/portero_jwks_fetches_total\{issuer="local",result="success"\} (\d+)/.exec(text)?.[1] ?? 0);

  assert.equal((await send(`${gw.url}/api/customers`, { headers: { authorization: `Bearer ${after}` } })).status, 200);
  assert.equal((await send(`${gw.url}/api/customers`, { headers: { authorization: `Bearer ${before}` } })).status, 200, 'the old kid is still published');
  const metricsAfter = (await send(`${gw.adminUrl}/metrics`)).text;
  assert.equal(fetches(metricsAfter), fetches(metricsBefore) + 1, 'one JWKS refetch for the new kid');
  assert.equal(upstream.seen.length, 3);
});
