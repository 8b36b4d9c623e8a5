/**
 * jwtAuth and authorize through a real gateway: a local identity provider (discovery + JWKS on
 * port 0), a real upstream that records requests, and requests over HTTP. Every refusal asserts
 * the status, the error code and that the upstream saw nothing.
 */
import assert from 'node:assert/strict';
import { createSign, KeyObject } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { exportSPKI, importJWK, SignJWT } from 'jose';
import type { IssuerRuntime } from '../src/auth/issuer-registry.js';
import { b64url, makeKey, signToken, startIdp, startTrap, type TestIdp } from './auth-fixtures.js';
import { makeConfig, parseRaw, rawRequest, send, startGateway, startUpstream, type RunningGateway, type Upstream } from './support/data-plane.js';

const rsKey = await makeKey('RS256', 'gw-rs-1');
const esKey = await makeKey('ES256', 'gw-es-1');

interface Env {
  idp: TestIdp;
  upstream: Upstream;
  gw: RunningGateway;
  get(path: string, headers?: Record<string, string>, method?: string): Promise<{ status: number; code: string | undefined; headers: Record<string, unknown>; body: any }>;
  issuerRuntime(): IssuerRuntime;
}

async function startEnv(t: TestContext, issuer: Record<string, unknown> = {}): Promise<Env> {
  const idp = await startIdp(t);
  idp.keys = [rsKey.publicJwk, esKey.publicJwk];
  const upstream = await startUpstream(t);
  const config = makeConfig({
    auth: { issuers: { local: { issuer: idp.issuer, ...issuer } } },
    services: { customers: { endpoints: [{ url: upstream.url }] } },
    routes: [
      {
        id: 'customers',
        match: { path: '/api/customers' },
        service: 'customers',
        filters: [
          { jwtAuth: { issuers: ['local'], audiences: ['portero-api'] } },
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
      { id: 'rs-only', match: { path: '/api/rs-only' }, service: 'customers', filters: [{ jwtAuth: { issuers: ['local'], audiences: ['portero-api'], algorithms: ['RS256'] } }] },
      { id: 'public', match: { path: '/api/public' }, service: 'customers', filters: [{ jwtAuth: { issuers: ['local'], audiences: ['portero-api'], required: false } }] },
    ],
  });
  const gw = await startGateway(t, config);
  return {
    idp,
    upstream,
    gw,
    async get(path, headers = {}, method = 'GET') {
      const res = await send(`${gw.url}${path}`, { method: method as 'GET', headers });
      const body = res.text === '' ? undefined : JSON.parse(res.text);
      return { status: res.status, code: body?.error?.code, headers: res.headers, body };
    },
    issuerRuntime() {
      return gw.gateway.resources.acquire<IssuerRuntime>('auth:issuer:local', () => {
        throw new Error('issuer runtime missing');
      });
    },
  };
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

test('valid RS256 and ES256 tokens reach the upstream with identity headers and without Authorization', async (t) => {
  const env = await startEnv(t);
  for (const key of [rsKey, esKey]) {
    const token = await signToken(env.idp, { key, claims: { sub: `alice-${key.alg}`, scope: 'customers:read' } });
    const res = await env.get('/api/customers', { ...auth(token), 'x-auth-subject': 'mallory', 'x-auth-scopes': 'customers:write' });
    assert.equal(res.status, 200);
    const seen = env.upstream.seen.at(-1);
    assert.equal(seen?.headers['x-auth-subject'], `alice-${key.alg}`);
    assert.equal(seen?.headers['x-auth-client-id'], 'client-1');
    assert.equal(seen?.headers['x-auth-scopes'], 'customers:read');
    assert.equal(seen?.headers.authorization, undefined);
  }
  assert.equal(env.upstream.seen.length, 2);
});

test('refused tokens answer 401 with an RFC 6750 challenge and never reach the upstream', async (t) => {
  const env = await startEnv(t);
  const trap = await startTrap(t);
  const now = Math.floor(Date.now() / 1000);
  const pem = await exportSPKI((await importJWK(rsKey.publicJwk, 'RS256', { extractable: true })) as Parameters<typeof exportSPKI>[0]);
  const attacker = await makeKey('RS256', 'attacker');
  const [h, , sig] = (await signToken(env.idp, { key: rsKey })).split('.');
  const critInput = `${b64url({ alg: 'RS256', kid: rsKey.kid, crit: ['x-unknown'], 'x-unknown': 1 })}.${b64url({ iss: env.idp.issuer, aud: 'portero-api', sub: 'x', scope: 'customers:read', exp: now + 60 })}`;
  const critSig = createSign('RSA-SHA256').update(critInput).sign(KeyObject.from(rsKey.privateKey as Parameters<typeof KeyObject.from>[0])).toString('base64url');
  const cases: { name: string; token: string; status: number; code: string; reason: string; path?: string }[] = [
    ...['none', 'NONE', 'None'].map((alg) => ({
      name: `alg ${alg}`,
      token: `${b64url({ alg, kid: rsKey.kid })}.${b64url({ iss: env.idp.issuer, aud: 'portero-api', sub: 'x', scope: 'customers:read', exp: now + 60 })}.`,
      status: 401,
      code: 'GW_ERR_AUTH_INVALID_TOKEN',
      reason: 'algorithm',
    })),
    {
      name: 'HS256 signed with the RSA public key',
      token: await new SignJWT({ iss: env.idp.issuer, aud: 'portero-api', sub: 'x', scope: 'customers:read', exp: now + 60 }).setProtectedHeader({ alg: 'HS256', kid: rsKey.kid }).sign(new TextEncoder().encode(pem)),
      status: 401,
      code: 'GW_ERR_AUTH_INVALID_TOKEN',
      reason: 'algorithm',
    },
    { name: 'algorithm outside the route allow-list', path: '/api/rs-only', token: await signToken(env.idp, { key: esKey }), status: 401, code: 'GW_ERR_AUTH_INVALID_TOKEN', reason: 'algorithm' },
    { name: 'tampered payload', token: `${h}.${b64url({ iss: env.idp.issuer, aud: 'portero-api', sub: 'root', scope: 'customers:read', exp: now + 600 })}.${sig}`, status: 401, code: 'GW_ERR_AUTH_INVALID_TOKEN', reason: 'signature' },
    { name: 'expired', token: await signToken(env.idp, { key: rsKey, claims: { exp: now - 120 } }), status: 401, code: 'GW_ERR_AUTH_INVALID_TOKEN', reason: 'expired' },
    { name: 'nbf in the future', token: await signToken(env.idp, { key: rsKey, claims: { nbf: now + 600 } }), status: 401, code: 'GW_ERR_AUTH_INVALID_TOKEN', reason: 'not_yet_valid' },
    { name: 'wrong iss', token: await signToken(env.idp, { key: rsKey, claims: { iss: 'http://127.0.0.1:1' } }), status: 401, code: 'GW_ERR_AUTH_INVALID_TOKEN', reason: 'issuer' },
    { name: 'our issuer as a prefix of iss', token: await signToken(env.idp, { key: rsKey, claims: { iss: `${env.idp.issuer}.evil` } }), status: 401, code: 'GW_ERR_AUTH_INVALID_TOKEN', reason: 'issuer' },
    { name: 'wrong aud', token: await signToken(env.idp, { key: rsKey, claims: { aud: 'other-api' } }), status: 401, code: 'GW_ERR_AUTH_INVALID_TOKEN', reason: 'audience' },
    { name: 'missing exp', token: await signToken(env.idp, { key: rsKey, omit: ['exp'] }), status: 401, code: 'GW_ERR_AUTH_INVALID_TOKEN', reason: 'missing_claim' },
    { name: 'unknown crit', token: `${critInput}.${critSig}`, status: 401, code: 'GW_ERR_AUTH_INVALID_TOKEN', reason: 'unsupported' },
    { name: 'unknown kid', token: await signToken(env.idp, { key: attacker }), status: 401, code: 'GW_ERR_AUTH_INVALID_TOKEN', reason: 'unknown_key' },
    { name: 'jku to a test server', token: await signToken(env.idp, { key: attacker, header: { jku: `${trap.url}/jwks` } }), status: 401, code: 'GW_ERR_AUTH_INVALID_TOKEN', reason: 'unknown_key' },
    { name: 'x5u to a test server', token: await signToken(env.idp, { key: attacker, header: { x5u: `${trap.url}/cert`, kid: rsKey.kid } }), status: 401, code: 'GW_ERR_AUTH_INVALID_TOKEN', reason: 'signature' },
    { name: 'embedded jwk', token: await signToken(env.idp, { key: attacker, header: { jwk: attacker.publicJwk, kid: rsKey.kid } }), status: 401, code: 'GW_ERR_AUTH_INVALID_TOKEN', reason: 'signature' },
    { name: 'malformed', token: 'a.b.c', status: 401, code: 'GW_ERR_AUTH_INVALID_TOKEN', reason: 'malformed' },
    { name: 'oversized', token: 'a'.repeat(9000), status: 401, code: 'GW_ERR_AUTH_TOKEN_TOO_LARGE', reason: 'too_large' },
  ];
  for (const c of cases) {
    const res = await env.get(c.path ?? '/api/customers', auth(c.token));
    assert.equal(res.status, c.status, c.name);
    assert.equal(res.code, c.code, c.name);
    assert.equal(res.body.error.details.reason, c.reason, c.name);
    assert.match(String(res.headers['www-authenticate']), /^Bearer realm="portero", error="invalid_token", error_description="[^"]+"$/, c.name);
  }
  assert.equal(env.upstream.seen.length, 0, 'the upstream saw no request');
  assert.equal(trap.hits(), 0, 'jku/x5u targets were never contacted');
});

test('missing token, query token and duplicate Authorization headers', async (t) => {
  const env = await startEnv(t);
  const missing = await env.get('/api/customers');
  assert.equal(missing.status, 401);
  assert.equal(missing.code, 'GW_ERR_AUTH_MISSING_TOKEN');
  assert.equal(missing.headers['www-authenticate'], 'Bearer realm="portero"');
  const token = await signToken(env.idp, { key: rsKey });
  const query = await env.get(`/api/customers?access_token=${token}`);
  assert.equal(query.status, 400);
  assert.equal(query.code, 'GW_ERR_AUTH_INVALID_REQUEST');
  const raw = await rawRequest(env.gw.port, `GET /api/customers HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`);
  assert.deepEqual(
    (({ status, code }) => ({ status, code }))(parseRaw(raw)),
    { status: 400, code: 'GW_ERR_AUTH_DUPLICATE_AUTHORIZATION' },
  );
  const anon = await env.get('/api/public');
  assert.equal(anon.status, 200, 'optional route without a token');
  assert.equal(env.upstream.seen.length, 1);
  assert.equal(env.upstream.seen[0]?.headers['x-auth-subject'], undefined);
});

test('authorize: missing scope and a scope that only starts with the required one answer 403', async (t) => {
  const env = await startEnv(t);
  const cases: { scope: string; method: string; status: number; code?: string }[] = [
    { scope: 'customers:read', method: 'GET', status: 200 },
    { scope: 'customers:readonly customers:rea', method: 'GET', status: 403, code: 'GW_ERR_AUTH_INSUFFICIENT_SCOPE' },
    { scope: '', method: 'GET', status: 403, code: 'GW_ERR_AUTH_INSUFFICIENT_SCOPE' },
    { scope: 'customers:read', method: 'POST', status: 403, code: 'GW_ERR_AUTH_INSUFFICIENT_SCOPE' },
    { scope: 'customers:write', method: 'DELETE', status: 200 },
    { scope: 'customers:read customers:write', method: 'OPTIONS', status: 403, code: 'GW_ERR_AUTH_FORBIDDEN' },
  ];
  let passed = 0;
  for (const c of cases) {
    const res = await env.get('/api/customers', auth(await signToken(env.idp, { key: rsKey, claims: { scope: c.scope } })), c.method);
    assert.equal(res.status, c.status, `${c.method} ${c.scope}`);
    if (c.status === 200) passed++;
    else {
      assert.equal(res.code, c.code);
      assert.match(String(res.headers['www-authenticate']), /error="insufficient_scope"/);
    }
  }
  assert.equal(env.upstream.seen.length, passed, 'refused requests never reached the upstream');
});

test('JWKS endpoint down: cached keys keep working', async (t) => {
  const env = await startEnv(t);
  assert.equal((await env.get('/api/customers', auth(await signToken(env.idp, { key: rsKey })))).status, 200);
  env.idp.down = true;
  assert.equal(await env.issuerRuntime().jwks?.refresh(), false, 'the refresh failed');
  assert.equal((await env.get('/api/customers', auth(await signToken(env.idp, { key: esKey, claims: { sub: 'fresh' } })))).status, 200);
  const metrics = await (await send(`${env.gw.adminUrl}/metrics`)).text;
  assert.match(metrics, /portero_jwks_fetches_total\{issuer="local",result="failure"\} 1/);
});

test('key rotation end to end: a new kid causes one refetch; the old kid works while published', async (t) => {
  const env = await startEnv(t);
  const old = await signToken(env.idp, { key: rsKey, claims: { sub: 'old' } });
  assert.equal((await env.get('/api/customers', auth(old))).status, 200);
  const rotated = await makeKey('ES256', 'gw-es-2');
  env.idp.keys = [...env.idp.keys, rotated.publicJwk];
  const before = env.idp.count('/jwks');
  assert.equal((await env.get('/api/customers', auth(await signToken(env.idp, { key: rotated, claims: { sub: 'new' } })))).status, 200);
  assert.equal(env.idp.count('/jwks'), before + 1, 'one refetch for the new kid');
  assert.equal((await env.get('/api/customers', auth(await signToken(env.idp, { key: rsKey, claims: { sub: 'old-again' } })))).status, 200, 'old kid still published');
  assert.deepEqual(env.upstream.seen.map((s) => s.headers['x-auth-subject']), ['old', 'new', 'old-again']);
});

test('a flood of 100 concurrent unknown-kid tokens costs one JWKS fetch', async (t) => {
  const env = await startEnv(t);
  assert.equal((await env.get('/api/customers', auth(await signToken(env.idp, { key: rsKey })))).status, 200);
  const before = env.idp.count('/jwks');
  const stranger = await makeKey('RS256', 'stranger');
  const tokens = await Promise.all(Array.from({ length: 100 }, (_, i) => signToken(env.idp, { key: stranger, claims: { sub: `s${i}` } })));
  const flood = await Promise.all(tokens.map((tk) => env.get('/api/customers', auth(tk))));
  assert.ok(flood.every((r) => r.status === 401 && r.body.error.details.reason === 'unknown_key'));
  assert.equal(env.idp.count('/jwks'), before + 1, 'one shared fetch for the whole flood');
  assert.equal(env.upstream.seen.length, 1);
});
