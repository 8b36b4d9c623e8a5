import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { statSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { computeKeyView, nextChangeAt, promoteKey, pruneKeys, stageKey, type KeyState } from '../src/keys/key-set.js';
import { generateSigningKey } from '../src/keys/generate-key.js';
import { readKeysFile } from '../src/keys/keys-file.js';
import { maxTokenTtlSeconds, rotateKeys } from '../src/keys/rotate.js';
import { AuthError } from '../src/errors.js';
import { clientCredentials, localConfig, LOCAL_CONFIG_PATH, startTestServer, tempDir } from './helpers.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const DELAY = 900;
const TTL = 3600;
const sec = (n: number) => n * 1000;

function initialState(): KeyState {
  const stamp = new Date(T0).toISOString();
  return { version: 1, keys: [{ ...generateSigningKey('RS256'), createdAt: stamp, activatesAt: stamp }] };
}

test('rotation sequence: publish next, then sign with it, old key published until tokens expire, then gone', () => {
  const start = initialState();
  const oldKid = start.keys[0]!.kid;
  const t1 = T0 + sec(100);
  const staged = stageKey(start, generateSigningKey('RS256'), t1, DELAY, TTL);
  const newKid = staged.keys[1]!.kid;

  const table = [
    { at: t1 - 1, signing: oldKid, published: [oldKid] },
    { at: t1, signing: oldKid, published: [oldKid, newKid] },
    { at: t1 + sec(DELAY) - 1, signing: oldKid, published: [oldKid, newKid] },
    { at: t1 + sec(DELAY), signing: newKid, published: [newKid, oldKid] },
    { at: t1 + sec(DELAY + TTL) - 1, signing: newKid, published: [newKid, oldKid] },
    { at: t1 + sec(DELAY + TTL), signing: newKid, published: [newKid] },
  ];
  for (const row of table) {
    const view = computeKeyView(staged, row.at);
    assert.equal(view.signing.get('RS256'), row.signing, `signing at +${row.at - t1}ms`);
    assert.deepEqual(view.published.map((k) => k.kid), row.published, `published at +${row.at - t1}ms`);
  }
  assert.equal(nextChangeAt(staged, t1), t1 + sec(DELAY));
  assert.equal(nextChangeAt(staged, t1 + sec(DELAY)), t1 + sec(DELAY + TTL));
  assert.deepEqual(pruneKeys(staged, t1 + sec(DELAY + TTL)).keys.map((k) => k.kid), [newKid]);
  assert.equal(pruneKeys(staged, t1 + sec(DELAY + TTL) - 1).keys.length, 2);
});

test('promote: the staged key signs at once and the old one retires one token lifetime later', () => {
  const t1 = T0 + sec(10);
  const staged = stageKey(initialState(), generateSigningKey('RS256'), t1, DELAY, TTL);
  const [oldKey, newKey] = staged.keys;
  const t2 = t1 + sec(60);
  const promoted = promoteKey(staged, 'RS256', t2, TTL);
  assert.equal(computeKeyView(promoted, t2).signing.get('RS256'), newKey!.kid);
  assert.deepEqual(computeKeyView(promoted, t2 + sec(TTL) - 1).published.map((k) => k.kid), [newKey!.kid, oldKey!.kid]);
  assert.deepEqual(computeKeyView(promoted, t2 + sec(TTL)).published.map((k) => k.kid), [newKey!.kid]);
});

test('rotation refusals: staging twice, promoting with nothing staged', () => {
  const staged = stageKey(initialState(), generateSigningKey('RS256'), T0, DELAY, TTL);
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return (err as AuthError).code;
    }
    return 'no error';
  };
  assert.equal(codeOf(() => stageKey(staged, generateSigningKey('RS256'), T0 + 1, DELAY, TTL)), 'AUTH_ERR_KEY_ROTATION');
  assert.equal(codeOf(() => promoteKey(initialState(), 'RS256', T0, TTL)), 'AUTH_ERR_KEY_ROTATION');
  // Another alg rotates independently.
  assert.equal(stageKey(staged, generateSigningKey('ES256'), T0 + 1, DELAY, TTL).keys.length, 3);
});

test('a running server follows the rotation on refresh, with an injected clock', async (t) => {
  let now = Date.now();
  const server = await startTestServer(t, { clock: () => now });
  const config = localConfig();
  const jwksNow = async () => (await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: { kid: string; alg: string }[] };
  const rsKids = async () => (await jwksNow()).keys.filter((k) => k.alg === 'RS256').map((k) => k.kid);
  const tokenNow = async () => {
    const res = await clientCredentials(server.issuer, 'demo-writer', 'demo-writer-secret', { scope: 'customers:read' });
    return ((await res.json()) as { access_token: string }).access_token;
  };

  const oldKid = server.keyView().signing.get('RS256')!;
  const oldToken = await tokenNow();
  assert.equal(decodeProtectedHeader(oldToken).kid, oldKid);

  // Stage 1: the next key is published, not yet signing.
  rotateKeys({ config, file: server.keysFile, alg: 'RS256', action: 'stage', now });
  assert.equal(server.refreshKeys(), true);
  const staged = readKeysFile(server.keysFile)!.keys.find((k) => k.kid !== oldKid && k.alg === 'RS256')!;
  assert.deepEqual((await rsKids()).sort(), [oldKid, staged.kid].sort());
  assert.equal(decodeProtectedHeader(await tokenNow()).kid, oldKid);
  assert.equal(server.refreshKeys(), false, 'nothing changed');

  // Stage 2 after the promote delay: the new key signs; the old one is still published.
  now = Date.parse(staged.activatesAt);
  assert.equal(server.refreshKeys(), true);
  const newToken = await tokenNow();
  assert.equal(decodeProtectedHeader(newToken).kid, staged.kid);
  const published = createLocalJWKSet(await jwksNow());
  await jwtVerify(oldToken, published, { issuer: server.issuer });
  await jwtVerify(newToken, published, { issuer: server.issuer });

  // After the longest token lifetime the old key is gone from the JWKS.
  now = Date.parse(staged.activatesAt) + sec(maxTokenTtlSeconds(config));
  assert.equal(server.refreshKeys(), true);
  assert.deepEqual(await rsKids(), [staged.kid]);

  // A broken keys file does not take the server down: the last good keys keep serving.
  writeFileSync(server.keysFile, '{ not json');
  assert.equal(server.refreshKeys(), false);
  assert.equal(decodeProtectedHeader(await tokenNow()).kid, staged.kid);
});

test('keys are generated once with owner-only permissions and reused on the next start', async (t) => {
  const dir = tempDir(t);
  const keysFile = join(dir, 'auth', 'keys.json');
  const first = await startTestServer(t, { keysFile });
  assert.equal(statSync(keysFile).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'auth')).mode & 0o777, 0o700);
  const kids = [...first.keyView().signing.values()].sort();
  assert.equal(kids.length, 2);
  await first.close();
  const second = await startTestServer(t, { keysFile });
  assert.deepEqual([...second.keyView().signing.values()].sort(), kids);
});

test('ES256 access tokens when the resource server is configured for it', async (t) => {
  const server = await startTestServer(t, { config: localConfig({ AUTH_ACCESS_TOKEN_ALG: 'ES256' }) });
  const res = await clientCredentials(server.issuer, 'demo-reader', 'demo-reader-secret', { scope: 'customers:read' });
  const { access_token } = (await res.json()) as { access_token: string };
  const jwks = createLocalJWKSet((await (await fetch(`${server.issuer}/jwks`)).json()) as never);
  const { protectedHeader } = await jwtVerify(access_token, jwks, { issuer: server.issuer, audience: 'api://portero-customers', algorithms: ['ES256'] });
  assert.equal(protectedHeader.alg, 'ES256');
  assert.equal(protectedHeader.kid, server.keyView().signing.get('ES256'));
});

test('keys from AUTH_JWKS (a plain private JWKS): the first key of each alg signs, none is written', async (t) => {
  const a = generateSigningKey('RS256');
  const b = generateSigningKey('RS256');
  const e = generateSigningKey('ES256');
  const keysFile = join(tempDir(t), 'never-written.json');
  const server = await startTestServer(t, { jwks: JSON.stringify({ keys: [a.jwk, b.jwk, e.jwk] }), keysFile });
  assert.equal(server.keyView().signing.get('RS256'), a.kid);
  const published = ((await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
  assert.deepEqual(published.sort(), [a.kid, b.kid, e.kid].sort());
  assert.equal(readKeysFile(keysFile), undefined);
});

test('rotate-keys CLI stages a key in the keys file and prints the state', async (t) => {
  const keysFile = join(tempDir(t), 'keys.json');
  const server = await startTestServer(t, { keysFile });
  const before = readKeysFile(keysFile)!.keys.length;
  const run = promisify(execFile);
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/rotate-keys.ts', '--alg', 'ES256'], {
    env: { ...process.env, AUTH_CONFIG: LOCAL_CONFIG_PATH, AUTH_KEYS_FILE: keysFile },
  });
  const result = JSON.parse(stdout) as { action: string; keys: { alg: string; role: string }[] };
  assert.equal(result.action, 'stage');
  assert.deepEqual(result.keys.filter((k) => k.alg === 'ES256').map((k) => k.role).sort(), ['signing', 'staged']);
  assert.equal(readKeysFile(keysFile)!.keys.length, before + 1);
  assert.equal(server.refreshKeys(), true);
  await assert.rejects(run(process.execPath, ['--import', 'tsx', 'src/cli/rotate-keys.ts', '--alg', 'ES256'], {
    env: { ...process.env, AUTH_CONFIG: LOCAL_CONFIG_PATH, AUTH_KEYS_FILE: keysFile },
  }), (err: { code: number; stderr: string }) => err.code === 1 && err.stderr.includes('AUTH_ERR_KEY_ROTATION'));
});
