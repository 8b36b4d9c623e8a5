import assert from 'node:assert/strict';
import { createSign, KeyObject } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { exportSPKI, importJWK, SignJWT } from 'jose';
import { createJwtAuthFilter } from '../src/filters/jwt-auth/jwt-auth-filter.js';
import type { JwtAuthConfig } from '../src/filters/jwt-auth/schema.js';
import type { IssuerRuntime } from '../src/auth/issuer-registry.js';
import type { GatewayContext } from '../src/pipeline/types.js';
import {
  b64url,
  bearer,
  createClock,
  createContext,
  createDeps,
  createManualTimers,
  errorOf,
  makeKey,
  principalOf,
  signToken,
  startIdp,
  startTrap,
  type FakeRequest,
  type TestIdp,
} from './auth-fixtures.js';

const rsKey = await makeKey('RS256', 'rs-1');
const esKey = await makeKey('ES256', 'es-1');
const HMAC_SECRET = 'an-hmac-secret-of-at-least-32-characters!';

interface Setup {
  idp: TestIdp;
  clock: ReturnType<typeof createClock>;
  timers: ReturnType<typeof createManualTimers>;
  deps: ReturnType<typeof createDeps>;
  run(req: FakeRequest): Promise<{ ctx: GatewayContext; upstreamCalled: boolean }>;
  metric(name: string, labels: Record<string, string>): Promise<number>;
  /** Joins the JWKS fetch in flight (a fired background timer), or starts one. */
  settleJwks(): Promise<boolean>;
}

async function setup(t: TestContext, o: { issuer?: Record<string, unknown>; route?: Partial<JwtAuthConfig>; idp?: (idp: TestIdp) => void; auth?: Record<string, unknown> } = {}): Promise<Setup> {
  const idp = await startIdp(t);
  idp.keys = [rsKey.publicJwk, esKey.publicJwk];
  o.idp?.(idp);
  const clock = createClock();
  const timers = createManualTimers();
  const gatewayConfig = {
    auth: { ...o.auth, issuers: { local: { issuer: idp.issuer, ...o.issuer } } },
    identityHeaders: { subject: 'X-Auth-Subject', clientId: 'X-Auth-Client-Id', scopes: 'X-Auth-Scopes' },
  };
  const deps = createDeps(t, gatewayConfig);
  const filter = createJwtAuthFilter({ issuers: ['local'], audiences: ['portero-api'], required: true, forwardAuthorization: false, forwardIdentity: true, ...o.route }, deps, {
    now: clock.now,
    timers,
  });
  return {
    idp,
    clock,
    timers,
    deps,
    async run(req) {
      const ctx = createContext(req);
      let upstreamCalled = false;
      await filter(ctx, async () => {
        upstreamCalled = true;
      });
      return { ctx, upstreamCalled };
    },
    settleJwks() {
      const runtime = deps.resources.acquire<IssuerRuntime>('auth:issuer:local', () => {
        throw new Error('issuer runtime missing');
      });
      return runtime.jwks?.refresh() ?? Promise.resolve(false);
    },
    async metric(name, labels) {
      const m = await deps.metrics.getSingleMetric(name)?.get();
      const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
      return v?.value ?? 0;
    },
  };
}

async function expectRefused(s: Setup, req: FakeRequest, status: number, code: string, reason?: string): Promise<GatewayContext> {
  const { ctx, upstreamCalled } = await s.run(req);
  assert.equal(upstreamCalled, false, 'upstream must not be called');
  assert.equal(ctx.response?.status, status);
  const error = errorOf(ctx);
  assert.equal(error.code, code);
  if (reason !== undefined) assert.equal(error.details?.reason, reason);
  assert.equal(ctx.principal, undefined);
  return ctx;
}

function unsigned(header: Record<string, unknown>, payload: Record<string, unknown>, signature = ''): string {
  return `${b64url(header)}.${b64url(payload)}.${signature}`;
}

test('valid RS256 and ES256 tokens set the principal and identity headers and reach the upstream', async (t) => {
  const s = await setup(t);
  for (const key of [rsKey, esKey]) {
    const token = await signToken(s.idp, { key, claims: { scope: 'customers:read customers:write', sub: `sub-${key.alg}` } });
    const { ctx, upstreamCalled } = await s.run({ headers: { authorization: `Bearer ${token}`, 'x-auth-subject': 'spoofed' } });
    assert.equal(upstreamCalled, true);
    const p = principalOf(ctx);
    assert.equal(p.subject, `sub-${key.alg}`);
    assert.equal(p.clientId, 'client-1');
    assert.equal(p.issuer, s.idp.issuer);
    assert.deepEqual([...p.scopes], ['customers:read', 'customers:write']);
    assert.equal(ctx.upstreamHeaders['x-auth-subject'], `sub-${key.alg}`);
    assert.equal(ctx.upstreamHeaders['x-auth-client-id'], 'client-1');
    assert.equal(ctx.upstreamHeaders['x-auth-scopes'], 'customers:read customers:write');
    assert.equal(ctx.upstreamHeaders.authorization, undefined, 'Authorization is not forwarded by default');
  }
  assert.equal(await s.metric('portero_auth_outcomes_total', { route: 'customers', outcome: 'authenticated' }), 2);
});

test('the Bearer scheme is case-insensitive and forwardAuthorization keeps the header', async (t) => {
  const s = await setup(t, { route: { forwardAuthorization: true } });
  const token = await signToken(s.idp, { key: rsKey });
  const { ctx, upstreamCalled } = await s.run({ headers: { authorization: `bEaReR ${token}` } });
  assert.equal(upstreamCalled, true);
  assert.equal(ctx.upstreamHeaders.authorization, `bEaReR ${token}`);
});

test('alg none is refused in any casing', async (t) => {
  const s = await setup(t);
  for (const alg of ['none', 'NONE', 'None', 'nOnE']) {
    const token = unsigned({ alg, kid: rsKey.kid }, { iss: s.idp.issuer, aud: 'portero-api', sub: 'x', exp: Math.floor(s.clock.now() / 1000) + 60 });
    await expectRefused(s, bearer(token), 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'algorithm');
  }
});

test('HS256 signed with the RSA public key fails, with and without HMAC enabled', async (t) => {
  const pem = await exportSPKI((await importJWK(rsKey.publicJwk, 'RS256', { extractable: true })) as Parameters<typeof exportSPKI>[0]);
  const forge = (iss: string) =>
    new SignJWT({ iss, aud: 'portero-api', sub: 'attacker', exp: Math.floor(Date.now() / 1000) + 60 })
      .setProtectedHeader({ alg: 'HS256', kid: rsKey.kid })
      .sign(new TextEncoder().encode(pem));
  const plain = await setup(t);
  await expectRefused(plain, bearer(await forge(plain.idp.issuer)), 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'algorithm');

  const hmac = await setup(t, { issuer: { algorithms: ['RS256', 'HS256'], hmacSecret: HMAC_SECRET } });
  await expectRefused(hmac, bearer(await forge(hmac.idp.issuer)), 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'signature');
  // The configured secret itself works, so the refusal above is about the key, not HS256.
  const good = await new SignJWT({ iss: hmac.idp.issuer, aud: 'portero-api', sub: 'svc', exp: Math.floor(Date.now() / 1000) + 60 })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(HMAC_SECRET));
  assert.equal((await hmac.run(bearer(good))).upstreamCalled, true);
});

test('an algorithm outside the route allow-list is refused', async (t) => {
  const s = await setup(t, { route: { algorithms: ['RS256'] } });
  await expectRefused(s, bearer(await signToken(s.idp, { key: esKey })), 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'algorithm');
  assert.equal((await s.run(bearer(await signToken(s.idp, { key: rsKey })))).upstreamCalled, true);
});

test('a tampered payload fails the signature check', async (t) => {
  const s = await setup(t);
  const [h, , sig] = (await signToken(s.idp, { key: rsKey, claims: { scope: 'customers:read' } })).split('.');
  const payload = b64url({ iss: s.idp.issuer, aud: 'portero-api', sub: 'user-1', scope: 'customers:write', exp: Math.floor(Date.now() / 1000) + 300 });
  await expectRefused(s, bearer(`${h}.${payload}.${sig}`), 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'signature');
});

test('exp and nbf are enforced with the clock tolerance', async (t) => {
  const s = await setup(t, { issuer: { clockToleranceSeconds: 30 } });
  const now = Math.floor(s.clock.now() / 1000);
  await expectRefused(s, bearer(await signToken(s.idp, { key: rsKey, claims: { exp: now - 31 } })), 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'expired');
  await expectRefused(s, bearer(await signToken(s.idp, { key: rsKey, claims: { nbf: now + 120 } })), 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'not_yet_valid');
  assert.equal((await s.run(bearer(await signToken(s.idp, { key: rsKey, claims: { exp: now - 10 } })))).upstreamCalled, true, 'within tolerance');
});

test('iss must match exactly: another issuer and our issuer as a prefix are refused', async (t) => {
  const s = await setup(t);
  for (const iss of ['http://other.example', `${s.idp.issuer}.evil`, `${s.idp.issuer}/`]) {
    await expectRefused(s, bearer(await signToken(s.idp, { key: rsKey, claims: { iss } })), 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'issuer');
  }
});

test('wrong aud, missing exp and unknown crit are refused', async (t) => {
  const s = await setup(t);
  await expectRefused(s, bearer(await signToken(s.idp, { key: rsKey, claims: { aud: 'another-api' } })), 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'audience');
  await expectRefused(s, bearer(await signToken(s.idp, { key: rsKey, omit: ['exp'] })), 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'missing_claim');
  await expectRefused(s, bearer(await signToken(s.idp, { key: rsKey, omit: ['aud'] })), 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'missing_claim');
  // jose refuses to sign an unknown crit, so sign the compact JWS by hand.
  const signingInput = `${b64url({ alg: 'RS256', kid: rsKey.kid, crit: ['x-portero-test'], 'x-portero-test': true })}.${b64url({ iss: s.idp.issuer, aud: 'portero-api', sub: 'x', exp: Math.floor(Date.now() / 1000) + 60 })}`;
  const sig = createSign('RSA-SHA256').update(signingInput).sign(KeyObject.from(rsKey.privateKey as Parameters<typeof KeyObject.from>[0])).toString('base64url');
  const crit = `${signingInput}.${sig}`;
  await expectRefused(s, bearer(crit), 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'unsupported');
});

test('an unknown kid triggers one refetch per cooldown, shared by a flood of 100 requests', async (t) => {
  const s = await setup(t, { issuer: { jwks: { unknownKidCooldownSeconds: 30 } } });
  await s.run(bearer(await signToken(s.idp, { key: rsKey })));
  const before = s.idp.count('/jwks');
  assert.equal(before, 1);
  const stranger = await makeKey('RS256', 'not-published');
  const tokens = await Promise.all(Array.from({ length: 100 }, (_, i) => signToken(s.idp, { key: stranger, claims: { sub: `u${i}` } })));
  const results = await Promise.all(tokens.map((tk) => s.run(bearer(tk))));
  for (const { ctx, upstreamCalled } of results) {
    assert.equal(upstreamCalled, false);
    assert.equal(errorOf(ctx).details?.reason, 'unknown_key');
  }
  assert.equal(s.idp.count('/jwks'), before + 1, 'one fetch for the whole flood');
  await expectRefused(s, bearer(tokens[0] as string), 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'unknown_key');
  assert.equal(s.idp.count('/jwks'), before + 1, 'no fetch inside the cooldown');
  s.clock.advance(30_000);
  await expectRefused(s, bearer(tokens[1] as string), 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'unknown_key');
  assert.equal(s.idp.count('/jwks'), before + 2, 'one more fetch after the cooldown');
});

test('jku, x5u, embedded jwk and x5c headers are never followed', async (t) => {
  const s = await setup(t);
  const trap = await startTrap(t);
  const attacker = await makeKey('RS256', 'attacker');
  const headers = [
    { jku: `${trap.url}/jwks.json`, kid: 'attacker' },
    { x5u: `${trap.url}/cert.pem`, kid: 'attacker' },
    { jwk: attacker.publicJwk, kid: 'attacker' },
    { x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'], kid: 'attacker' },
    { jku: `${trap.url}/jwks.json`, jwk: attacker.publicJwk, kid: rsKey.kid },
  ];
  for (const header of headers) {
    const token = await signToken(s.idp, { key: attacker, header });
    const { ctx, upstreamCalled } = await s.run(bearer(token));
    assert.equal(upstreamCalled, false);
    assert.equal(ctx.response?.status, 401);
    assert.match(errorOf(ctx).details?.reason ?? '', /^(unknown_key|signature)$/);
  }
  assert.equal(trap.hits(), 0, 'the jku/x5u server received no request');
});

test('malformed, oversized and query-string tokens are refused before any crypto', async (t) => {
  const s = await setup(t, { auth: { maxTokenBytes: 1024 } });
  for (const value of ['Bearer', 'Bearer ', 'Bearer abc.def', 'Bearer a.b.c', 'Bearer not a token', 'Bearer ***', `Bearer ${b64url('{}')}.${b64url('{')}.x`]) {
    await expectRefused(s, { headers: { authorization: value } }, 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'malformed');
  }
  const huge = await signToken(s.idp, { key: rsKey, claims: { pad: 'x'.repeat(2000) } });
  const ctx = await expectRefused(s, bearer(huge), 401, 'GW_ERR_AUTH_TOKEN_TOO_LARGE');
  assert.match(String(ctx.response?.headers['www-authenticate']), /error="invalid_token"/);
  assert.equal(await s.metric('portero_auth_token_cache_total', { result: 'miss' }), 2, 'only the two JWT-shaped malformed tokens reached verification');
  const q = await expectRefused(s, { query: `a=1&access_token=${await signToken(s.idp, { key: rsKey })}` }, 400, 'GW_ERR_AUTH_INVALID_REQUEST', 'query_token');
  assert.match(String(q.response?.headers['www-authenticate']), /error="invalid_request"/);
});

test('two Authorization headers answer 400', async (t) => {
  const s = await setup(t);
  const token = await signToken(s.idp, { key: rsKey });
  await expectRefused(s, { rawHeaders: ['Authorization', `Bearer ${token}`, 'authorization', `Bearer ${token}`] }, 400, 'GW_ERR_AUTH_DUPLICATE_AUTHORIZATION');
});

test('missing token: required answers 401 with a bare challenge; optional passes without a principal', async (t) => {
  const s = await setup(t);
  const ctx = await expectRefused(s, {}, 401, 'GW_ERR_AUTH_MISSING_TOKEN');
  assert.equal(ctx.response?.headers['www-authenticate'], 'Bearer realm="portero"');
  await expectRefused(s, { headers: { authorization: 'Basic dXNlcjpwYXNz' } }, 401, 'GW_ERR_AUTH_MISSING_TOKEN');

  const opt = await setup(t, { route: { required: false } });
  const anon = await opt.run({});
  assert.equal(anon.upstreamCalled, true);
  assert.equal(anon.ctx.principal, undefined);
  const bad = await expectRefused(opt, bearer(await signToken(opt.idp, { key: rsKey, claims: { aud: 'nope' } })), 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'audience');
  assert.match(String(bad.response?.headers['www-authenticate']), /^Bearer realm="portero", error="invalid_token", error_description="[^"]+"$/);
  assert.equal((await opt.run(bearer(await signToken(opt.idp, { key: rsKey })))).ctx.principal?.subject, 'user-1');
});

test('JWKS endpoint down: cached keys keep working and the failure is counted', async (t) => {
  const s = await setup(t);
  const token = await signToken(s.idp, { key: rsKey, claims: { sub: 'a' } });
  assert.equal((await s.run(bearer(token))).upstreamCalled, true);
  s.idp.down = true;
  s.timers.fireAll();
  assert.equal(await s.settleJwks(), false);
  assert.equal(await s.metric('portero_jwks_fetches_total', { issuer: 'local', result: 'failure' }), 1);
  assert.deepEqual(s.timers.pending(), [30_000], 'retry after failureRetrySeconds');
  const fresh = await signToken(s.idp, { key: esKey, claims: { sub: 'b' } });
  assert.equal((await s.run(bearer(fresh))).ctx.principal?.subject, 'b', 'a new token verifies with the cached keys');
});

test('no keys could ever be fetched: 503, not 401', async (t) => {
  const s = await setup(t, { idp: (idp) => (idp.down = true) });
  const ctx = await expectRefused(s, bearer(await signToken(s.idp, { key: rsKey })), 503, 'GW_ERR_AUTH_UNAVAILABLE', 'keys_unavailable');
  assert.equal(ctx.response?.headers['www-authenticate'], undefined);
});

test('a discovery document naming another issuer is not trusted', async (t) => {
  const s = await setup(t, { idp: (idp) => (idp.discoveryIssuer = 'http://evil.example') });
  await expectRefused(s, bearer(await signToken(s.idp, { key: rsKey })), 503, 'GW_ERR_AUTH_UNAVAILABLE', 'keys_unavailable');
  assert.equal(s.idp.count('/jwks'), 0);
});

test('key rotation: a new kid causes one refetch and is accepted; the old kid works while published', async (t) => {
  const s = await setup(t, { idp: (idp) => (idp.keys = [rsKey.publicJwk]) });
  const old = await signToken(s.idp, { key: rsKey, claims: { sub: 'old' } });
  assert.equal((await s.run(bearer(old))).upstreamCalled, true);
  const rotated = await makeKey('RS256', 'rs-2');
  s.idp.keys = [rsKey.publicJwk, rotated.publicJwk];
  const fetches = s.idp.count('/jwks');
  const next = await signToken(s.idp, { key: rotated, claims: { sub: 'new' } });
  assert.equal((await s.run(bearer(next))).ctx.principal?.subject, 'new');
  assert.equal(s.idp.count('/jwks'), fetches + 1);
  const oldAgain = await signToken(s.idp, { key: rsKey, claims: { sub: 'old-2' } });
  assert.equal((await s.run(bearer(oldAgain))).ctx.principal?.subject, 'old-2');
  assert.equal(s.idp.count('/jwks'), fetches + 1, 'no more fetches');
});

test('the JWKS Cache-Control max-age sets the refresh delay within bounds', async (t) => {
  const s = await setup(t, { idp: (idp) => (idp.jwksCacheControl = 'public, max-age=5') });
  await s.run(bearer(await signToken(s.idp, { key: rsKey })));
  assert.deepEqual(s.timers.pending(), [60_000], 'max-age 5 is raised to minRefreshSeconds');
  s.idp.jwksCacheControl = 'max-age=999999';
  s.timers.fireAll();
  assert.equal(await s.settleJwks(), true);
  assert.equal(s.idp.count('/jwks'), 2);
  assert.deepEqual(s.timers.pending(), [86_400_000], 'capped at maxRefreshSeconds');
});

test('verified tokens are cached by hash and never past their exp', async (t) => {
  const s = await setup(t);
  const now = Math.floor(s.clock.now() / 1000);
  const token = await signToken(s.idp, { key: rsKey, claims: { exp: now + 60 } });
  await s.run(bearer(token));
  await s.run(bearer(token));
  assert.equal(await s.metric('portero_auth_token_cache_total', { result: 'hit' }), 1);
  s.clock.advance(61_000 + 30_000);
  await expectRefused(s, bearer(token), 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'expired');
});

test('a connection remembers its last good token, never a refused one; tokenCache.maxEntries 0 remembers nothing', async (t) => {
  const holds = (socket: object, token: string): boolean =>
    Object.getOwnPropertySymbols(socket).some((k) => JSON.stringify((socket as Record<symbol, unknown>)[k]).includes(token));
  for (const maxEntries of [10, 0]) {
    const s = await setup(t, { auth: { tokenCache: { maxEntries, maxTtlSeconds: 300 } } });
    const socket = {};
    const token = await signToken(s.idp, { key: rsKey });
    for (let i = 0; i < 3; i++) assert.equal((await s.run({ ...bearer(token), socket })).upstreamCalled, true);
    if (maxEntries === 0) {
      assert.equal(Object.getOwnPropertySymbols(socket).length, 0, 'nothing is kept on the connection');
      continue;
    }
    assert.equal(holds(socket, token), true);
    // A well-formed header whose token fails verification is parsed, refused and not kept.
    const [head, payload] = token.split('.');
    const forged = `${head}.${payload}.${Buffer.alloc(256, 7).toString('base64url')}`;
    for (let i = 0; i < 2; i++) {
      const { ctx, upstreamCalled } = await s.run({ ...bearer(forged), socket });
      assert.equal(upstreamCalled, false);
      assert.equal(errorOf(ctx).details?.reason, 'signature');
    }
    assert.equal(holds(socket, forged), false, 'the refused token is not remembered');
    assert.equal((await s.run({ ...bearer(token), socket })).upstreamCalled, true, 'the good token still passes');
  }
});

test('a cached token is re-checked against the route: another route with another audience refuses it', async (t) => {
  const s = await setup(t);
  const token = await signToken(s.idp, { key: rsKey });
  assert.equal((await s.run(bearer(token))).upstreamCalled, true);
  const other = createJwtAuthFilter({ issuers: ['local'], audiences: ['billing-api'], required: true, forwardAuthorization: false, forwardIdentity: true }, { ...s.deps, routeId: 'billing' }, { now: s.clock.now, timers: s.timers });
  const ctx = createContext(bearer(token));
  let called = false;
  await other(ctx, async () => {
    called = true;
  });
  assert.equal(called, false);
  assert.equal(errorOf(ctx).details?.reason, 'audience');
  assert.equal(await s.metric('portero_auth_token_cache_total', { result: 'hit' }), 1, 'the second route hit the shared cache');
});

test('opaque tokens are introspected with client authentication; results are cached, inactive refused', async (t) => {
  const s = await setup(t, { issuer: { introspection: { clientId: 'gateway', clientSecret: 'gw-secret' } } });
  const exp = Math.floor(s.clock.now() / 1000) + 120;
  s.idp.introspection.set('opaque-good-token', { active: true, sub: 'svc-user', client_id: 'svc', scope: 'customers:read', aud: 'portero-api', iss: s.idp.issuer, exp });
  s.idp.introspection.set('opaque-other-aud', { active: true, sub: 'svc-user', aud: 'other', exp });
  const first = await s.run(bearer('opaque-good-token'));
  assert.equal(first.ctx.principal?.subject, 'svc-user');
  assert.equal(first.ctx.upstreamHeaders['x-auth-client-id'], 'svc');
  await s.run(bearer('opaque-good-token'));
  assert.equal(s.idp.count('/introspect'), 1, 'second use served from the cache');
  assert.equal(s.idp.introspectionAuth[0], `Basic ${Buffer.from('gateway:gw-secret').toString('base64')}`);
  await expectRefused(s, bearer('opaque-unknown-token'), 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'inactive');
  await expectRefused(s, bearer('opaque-unknown-token'), 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'inactive');
  assert.equal(s.idp.count('/introspect'), 2, 'an inactive answer is remembered briefly');
  await expectRefused(s, bearer('opaque-other-aud'), 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'audience');
  s.clock.advance(121_000);
  await expectRefused(s, bearer('opaque-good-token'), 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'inactive');
  assert.equal(s.idp.count('/introspect'), 4, 'expired cache entry: introspected again');
});

test('introspection endpoint down answers 503', async (t) => {
  const s = await setup(t, { issuer: { introspection: { clientId: 'gateway', clientSecret: 'gw-secret' } }, idp: (idp) => (idp.down = true) });
  await expectRefused(s, bearer('opaque-token-value'), 503, 'GW_ERR_AUTH_UNAVAILABLE', 'introspection_unavailable');
});

test('create fails on an unknown issuer name and on HMAC without a secret', async (t) => {
  const idp = await startIdp(t);
  const route = { issuers: ['nope'], audiences: ['a'], required: true, forwardAuthorization: false, forwardIdentity: true };
  assert.throws(() => createJwtAuthFilter(route, createDeps(t, { auth: { issuers: { local: { issuer: idp.issuer } } } })), /unknown issuer "nope"/);
  assert.throws(
    () => createJwtAuthFilter({ ...route, issuers: ['local'] }, createDeps(t, { auth: { issuers: { local: { issuer: idp.issuer, algorithms: ['HS256'] } } } })),
    /HS256 needs hmacSecret/,
  );
  assert.throws(
    () => createJwtAuthFilter({ ...route, issuers: ['local'] }, createDeps(t, { auth: { issuers: { local: { issuer: idp.issuer, algorithms: ['none'] } } } })),
    /invalid auth config at \/issuers\/local\/algorithms/,
  );
});

test('tokenType: an issuer that marks access tokens (at+jwt) refuses other JWTs such as ID tokens', async (t) => {
  const s = await setup(t, { issuer: { tokenType: 'at+jwt' } });
  assert.equal((await s.run(bearer(await signToken(s.idp, { key: rsKey })))).upstreamCalled, true, 'typ at+jwt');
  assert.equal((await s.run(bearer(await signToken(s.idp, { key: rsKey, header: { typ: 'application/at+jwt' } })))).upstreamCalled, true);
  await expectRefused(s, bearer(await signToken(s.idp, { key: rsKey, header: { typ: 'JWT' } })), 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'token_type');
  const noTyp = await signToken(s.idp, { key: rsKey, header: { typ: undefined } });
  await expectRefused(s, bearer(noTyp), 401, 'GW_ERR_AUTH_INVALID_TOKEN', 'token_type');
});
