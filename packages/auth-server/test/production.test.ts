import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startAuthServer } from '../src/server.js';
import { hashPassword } from '../src/passwords/scrypt.js';
import { generateSigningKey } from '../src/keys/generate-key.js';
import { AuthError } from '../src/errors.js';
import type { AuthServerConfig } from '../src/config/types.js';
import { rotateKeys } from '../src/keys/rotate.js';
import { localConfig, LOCAL_CONFIG_PATH, tempDir } from './helpers.js';

async function refusal(options: Parameters<typeof startAuthServer>[0]): Promise<AuthError> {
  try {
    const server = await startAuthServer(options);
    await server.close();
  } catch (err) {
    return err as AuthError;
  }
  assert.fail('production start was not refused');
}

test('production mode names every development default it refuses', async (t) => {
  const err = await refusal({ config: localConfig({ AUTH_ISSUER: 'http://auth.example.com' }), port: 0, production: true, keysFile: join(tempDir(t), 'missing.json') });
  assert.equal(err.code, 'AUTH_ERR_PRODUCTION_DEFAULTS');
  const details = err.details!.join('\n');
  for (const expected of ['demo-writer: uses the demo client secret', 'demo-reader: uses the demo client secret', 'alice: uses a documented demo password', 'bob: uses a documented demo password', 'cookies.keys is empty', 'signing keys would be generated', 'must use https']) {
    assert.ok(details.includes(expected), `missing: ${expected}`);
  }
  assert.equal(err.details!.length, 7);
});

test('production mode starts with real secrets, cookie keys, provided keys and an https issuer', async (t) => {
  const secret = () => randomBytes(32).toString('base64url');
  const base = localConfig({ AUTH_COOKIE_KEYS: `${secret()},${secret()}`, AUTH_DEMO_WRITER_SECRET: secret(), AUTH_DEMO_READER_SECRET: secret() });
  const config: AuthServerConfig = { ...base, users: [{ ...base.users[0]!, passwordHash: await hashPassword(secret()) }] };
  const jwks = JSON.stringify({ keys: [generateSigningKey('RS256').jwk, generateSigningKey('ES256').jwk] });
  const server = await startAuthServer({ config, port: 0, production: true, jwks, issuer: 'https://auth.example.com' });
  t.after(() => server.close());
  const meta = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as { issuer: string };
  assert.equal(meta.issuer, 'https://auth.example.com');

  // A short secret is refused too, not only the demo ones.
  const short = { ...config, clients: config.clients.map((c) => (c.clientSecret ? { ...c, clientSecret: 'short' } : c)) };
  const err = await refusal({ config: short, port: 0, production: true, jwks, issuer: 'https://auth.example.com' });
  assert.equal(err.code, 'AUTH_ERR_PRODUCTION_DEFAULTS');
  assert.equal(err.details!.filter((d) => d.includes('shorter than 32')).length, 2);
});

test('main.ts in production mode with development defaults exits with code 1 and names the problems', async (t) => {
  const run = promisify(execFile);
  await assert.rejects(
    run(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, NODE_ENV: 'production', PORT: '0', AUTH_CONFIG: LOCAL_CONFIG_PATH, AUTH_KEYS_FILE: join(tempDir(t), 'none.json'), AUTH_JWKS: '' },
    }),
    (err: { code: number; stdout: string }) => {
      assert.equal(err.code, 1);
      const line = JSON.parse(err.stdout.trim().split('\n').pop()!) as { code: string; details: string[] };
      assert.equal(line.code, 'AUTH_ERR_PRODUCTION_DEFAULTS');
      assert.ok(line.details.some((d) => d.includes('demo client secret')));
      return true;
    },
  );
});

test('main.ts logs one listening line with the real port, reloads keys on SIGHUP and stops on SIGTERM', async (t) => {
  const { spawn } = await import('node:child_process');
  const keysFile = join(tempDir(t), 'keys.json');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: '0', AUTH_CONFIG: LOCAL_CONFIG_PATH, AUTH_KEYS_FILE: keysFile, NODE_ENV: 'test', AUTH_MODE: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  const waitFor = (msg: string) => new Promise<Record<string, unknown>>((resolvePromise, reject) => {
    const check = () => {
      const line = out.split('\n').find((l) => l.includes(`"msg":"${msg}"`));
      if (line) {
        child.stdout.off('data', onData);
        resolvePromise(JSON.parse(line) as Record<string, unknown>);
      }
    };
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      check();
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    check();
  });
  const listening = (await waitFor('listening')) as { url: string; issuer: string };
  assert.equal(out.split('\n').filter((l) => l.includes('"msg":"listening"')).length, 1);
  assert.match(listening.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(listening.issuer, listening.url);
  const meta = (await (await fetch(`${listening.url}/.well-known/openid-configuration`)).json()) as { issuer: string };
  assert.equal(meta.issuer, listening.url);

  rotateKeys({ config: localConfig(), file: keysFile, alg: 'RS256', action: 'stage', now: Date.now() });
  child.kill('SIGHUP');
  assert.equal((await waitFor('keys_refreshed')).changed, true);
  const jwks = (await (await fetch(`${listening.url}/jwks`)).json()) as { keys: unknown[] };
  assert.equal(jwks.keys.length, 3);

  const exited = new Promise<number | null>((resolvePromise) => child.once('exit', resolvePromise));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});

test('main.ts takes no arguments: an unknown option or a stray argument is exit 2 with the usage, --help prints it and exits 0', async (t) => {
  const run = promisify(execFile);
  // A valid environment: without the argument check, these would start a server.
  const env = { ...process.env, PORT: '0', AUTH_CONFIG: LOCAL_CONFIG_PATH, AUTH_KEYS_FILE: join(tempDir(t), 'keys.json'), NODE_ENV: 'test', AUTH_MODE: '' };
  for (const args of [['--port', '9001'], ['--bogus'], ['rotate'], ['--']]) {
    await assert.rejects(run(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { env, timeout: 30_000 }), (err: { code: number; stdout: string; stderr: string }) => {
      assert.equal(err.code, 2, args.join(' '));
      assert.match(err.stderr, /^auth-server: .*\nusage: /, args.join(' '));
      assert.doesNotMatch(err.stderr, /\n\s+at /, 'no stack trace');
      assert.doesNotMatch(err.stdout, /"msg":"listening"/, 'nothing started');
      return true;
    });
  }
  const help = await run(process.execPath, ['--import', 'tsx', 'src/main.ts', '--help'], { env, timeout: 30_000 });
  assert.match(help.stdout, /^usage: .*\n.*environment variables/);
});
