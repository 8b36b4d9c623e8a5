import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { checkAuthConfig } from '../src/auth/config-checks.js';
import { AuthSchema, validateAuthConfig, type AuthConfig } from '../src/auth/config-schema.js';
import { parseMaxAge } from '../src/auth/fetch-json.js';
import { createJwksCache } from '../src/auth/jwks-cache.js';
import { getAuthMetrics } from '../src/auth/metrics.js';
import { buildVerifiedToken, parseScopes, UnidentifiedPrincipalError } from '../src/auth/principal.js';
import { createTokenCache, hashToken, type VerifiedToken } from '../src/auth/token-cache.js';
import { extractBearerToken, type BearerMemo } from '../src/filters/jwt-auth/extract-token.js';
import { jwtAuthFilterDefinition } from '../src/filters/jwt-auth/definition.js';
import { acquireIssuer } from '../src/auth/issuer-registry.js';
import { createTokenVerifier, type TokenMemo } from '../src/auth/token-verifier.js';
import { closeServer, createClock, createDeps, createManualTimers, listen, makeKey, signToken, startTrap } from './auth-fixtures.js';

function entry(subject: string): VerifiedToken {
  return { principal: { subject, clientId: undefined, scopes: new Set(), issuer: 'i', claims: {}, expiresAt: 0 }, alg: 'RS256', audiences: ['a'], scopeHeader: '' };
}

test('token cache: LRU by count, keyed by sha256, bounded by exp and maxTtl', () => {
  const clock = createClock(1_000_000);
  const cache = createTokenCache({ maxEntries: 2, maxTtlMs: 10_000, now: clock.now });
  assert.equal(hashToken('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  cache.set('a', entry('a'), clock.now() + 60_000);
  cache.set('b', entry('b'), clock.now() + 60_000);
  assert.equal(cache.get('a')?.principal.subject, 'a'); // a is now the most recent
  cache.set('c', entry('c'), clock.now() + 60_000);
  assert.equal(cache.get('b'), undefined, 'least recently used evicted');
  assert.equal(cache.size, 2);
  cache.set('short', entry('short'), clock.now() + 3_000);
  clock.advance(3_000);
  assert.equal(cache.get('short'), undefined, 'never past exp');
  assert.equal(cache.get('c')?.principal.subject, 'c');
  clock.advance(7_000);
  assert.equal(cache.get('c'), undefined, 'never past maxTtl');
  cache.set('expired', entry('x'), clock.now() - 1);
  assert.equal(cache.get('expired'), undefined);
  const off = createTokenCache({ maxEntries: 0, maxTtlMs: 10_000 });
  off.set('a', entry('a'), Date.now() + 60_000);
  assert.equal(off.size, 0, 'maxEntries 0 disables the cache');
});

function req(rawHeaders: string[]): IncomingMessage {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) headers[(rawHeaders[i] as string).toLowerCase()] ??= rawHeaders[i + 1] as string;
  return { headers, rawHeaders } as unknown as IncomingMessage;
}

test('bearer extraction: scheme, charset, duplicates, size and query', () => {
  const cases: [string[], string, string, string | undefined][] = [
    [['Authorization', 'Bearer abc.def-_~+/=='], '', 'token', 'abc.def-_~+/=='],
    [['authorization', 'BEARER   abc  '], '', 'token', 'abc'],
    [['Authorization', 'Basic abc'], '', 'none', undefined],
    [['Authorization', 'Bearerabc'], '', 'none', undefined],
    [[], '', 'none', undefined],
    [['Authorization', 'Bearer'], '', 'malformed', undefined],
    [['Authorization', 'Bearer a=b'], '', 'malformed', undefined],
    [['Authorization', 'Bearer a', 'AUTHORIZATION', 'Bearer b'], '', 'duplicate', undefined],
    [['Authorization', `Bearer ${'x'.repeat(100)}`], '', 'too_large', undefined],
    [[], 'x=1&access_token=abc', 'query', undefined],
    [['Authorization', 'Bearer abc'], 'access_token=abc', 'query', undefined],
    [['Authorization', 'Bearer abc'], 'not_access_token_x=1', 'token', 'abc'],
  ];
  for (const [raw, query, kind, token] of cases) {
    const got = extractBearerToken(req(raw), query, 64);
    assert.equal(got.kind, kind, `${JSON.stringify(raw)} ${query}`);
    if (token !== undefined) assert.equal(got.kind === 'token' ? got.token : undefined, token);
  }
});

test('bearer extraction with a connection memo: a repeated header gives the same result, every check still runs', () => {
  const memo: BearerMemo = { header: undefined, found: undefined };
  const good = ['Authorization', 'Bearer abc.def'];
  const first = extractBearerToken(req(good), '', 64, memo);
  assert.deepEqual(first, { kind: 'token', token: 'abc.def' });
  assert.equal(memo.header, 'Bearer abc.def');
  assert.equal(extractBearerToken(req(good), '', 64, memo), first, 'the same header gives the remembered result');
  // What the memo skips is only the parsing of an equal value: the other checks still apply.
  assert.equal(extractBearerToken(req([...good, 'authorization', 'Bearer abc.def']), '', 64, memo).kind, 'duplicate');
  assert.equal(extractBearerToken(req(good), 'access_token=abc.def', 64, memo).kind, 'query');
  assert.equal(extractBearerToken(req(good), '', 10, memo).kind, 'too_large');
  // A different header is parsed; a refused one leaves the memo as it was.
  assert.equal(extractBearerToken(req(['Authorization', 'Bearer a=b']), '', 64, memo).kind, 'malformed');
  assert.equal(extractBearerToken(req(['Authorization', 'Bearer a=b']), '', 64, memo).kind, 'malformed');
  assert.equal(memo.header, 'Bearer abc.def', 'a refused header is not remembered');
  assert.equal(extractBearerToken(req(['Authorization', 'bearer abc.def']), '', 64, memo).kind, 'token');
  assert.equal(memo.header, 'bearer abc.def', 'a new well-formed header replaces the memo');
  assert.equal(extractBearerToken(req(['Authorization', 'Basic abc.def']), '', 64, memo).kind, 'none');
  assert.equal(memo.header, 'bearer abc.def');
});

test('scopes come from scope (string) or scp (array), exact tokens, no duplicates', () => {
  assert.deepEqual(parseScopes({ scope: 'a b  a c' }), ['a', 'b', 'c']);
  assert.deepEqual(parseScopes({ scp: ['x', 1, 'y'] }), ['x', 'y']);
  assert.deepEqual(parseScopes({}), []);
});

test('Cache-Control max-age parsing', () => {
  assert.equal(parseMaxAge('public, max-age=600'), 600);
  assert.equal(parseMaxAge('s-maxage=5, max-age="30"'), 30);
  assert.equal(parseMaxAge('no-cache'), undefined);
  assert.equal(parseMaxAge(null), undefined);
});

test('auth config: defaults, none refused, HMAC needs a secret, limits enforced', () => {
  const auth = Value.Default(AuthSchema, { issuers: { local: { issuer: 'http://idp' } } }) as AuthConfig;
  assert.equal(Value.Check(AuthSchema, auth), true);
  assert.equal(auth.maxTokenBytes, 8192);
  assert.equal(auth.realm, 'portero');
  assert.deepEqual(auth.tokenCache, { maxEntries: 10000, maxTtlSeconds: 300 });
  const local = auth.issuers.local;
  assert.deepEqual(local?.algorithms, ['RS256', 'ES256']);
  assert.equal(local?.clockToleranceSeconds, 30);
  assert.equal(local?.jwks.unknownKidCooldownSeconds, 30);
  assert.equal(local?.jwks.fetchTimeoutMs, 3000);
  assert.deepEqual(validateAuthConfig(auth), []);
  for (const alg of ['none', 'NONE', 'None']) {
    assert.equal(Value.Check(AuthSchema, { ...auth, issuers: { local: { ...local, algorithms: [alg] } } }), false);
  }
  assert.equal(Value.Check(AuthSchema, { ...auth, maxTokenBytes: 100 }), false);
  assert.equal(Value.Check(AuthSchema, { ...auth, issuers: { local: { ...local, hmacSecret: 'short' } } }), false);
  const hs = { ...auth, issuers: { local: { ...local!, algorithms: ['HS256' as const] } } };
  assert.deepEqual(validateAuthConfig(hs).map((i) => i.path), ['/issuers/local/algorithms']);
  const noJwks = { ...auth, issuers: { local: { ...local!, discovery: false } } };
  assert.deepEqual(validateAuthConfig(noJwks).map((i) => i.path), ['/issuers/local/jwksUri']);
});

test('jwtAuth validate: one jwtAuth per route', () => {
  const cfg = { issuers: ['local'], audiences: ['a'], required: true, forwardAuthorization: false, forwardIdentity: true };
  assert.deepEqual(jwtAuthFilterDefinition.validate?.(cfg, [{ jwtAuth: cfg }], 0), []);
  assert.equal(jwtAuthFilterDefinition.validate?.(cfg, [{ jwtAuth: cfg }, { jwtAuth: cfg }], 1).length, 1);
});

test('JWKS cache: single flight, keys kept on failure, invalid sets rejected, close stops timers', async () => {
  const key = await makeKey('ES256', 'k1');
  const clock = createClock();
  const timers = createManualTimers();
  let calls = 0;
  let answer: () => Response = () => Response.json({ keys: [key.publicJwk] });
  const metrics = getAuthMetrics(new Registry());
  const cache = createJwksCache({
    issuerName: 'unit',
    resolveJwksUri: async () => 'http://jwks.invalid/keys',
    options: { fetchTimeoutMs: 1000, refreshIntervalSeconds: 300, minRefreshSeconds: 60, maxRefreshSeconds: 3600, failureRetrySeconds: 15, unknownKidCooldownSeconds: 30, maxResponseBytes: 4096 },
    logger: pino({ level: 'silent' }),
    metrics,
    now: clock.now,
    timers,
    fetch: async () => {
      calls++;
      return answer();
    },
  });
  const results = await Promise.all([cache.refresh(), cache.refresh(), cache.refresh()]);
  assert.deepEqual(results, [true, true, true]);
  assert.equal(calls, 1, 'concurrent refreshes share one fetch');
  assert.equal(cache.keyCount, 1);
  assert.deepEqual(timers.pending(), [300_000]);
  const bad: [string, () => Response][] = [
    ['empty set', () => Response.json({ keys: [] })],
    ['symmetric and private keys only', () => Response.json({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }, { ...key.publicJwk, d: 'x' }] })],
    ['not a set', () => Response.json({ nope: true })],
    ['too large', () => Response.json({ keys: [key.publicJwk], pad: 'x'.repeat(5000) })],
    ['500', () => new Response('boom', { status: 500 })],
    ['not JSON', () => new Response('<html>')],
  ];
  for (const [name, make] of bad) {
    answer = make;
    assert.equal(await cache.refresh(), false, name);
    assert.equal(cache.keyCount, 1, `${name}: last known keys kept`);
    assert.deepEqual(timers.pending(), [15_000], `${name}: retry scheduled`);
  }
  const failures = metrics.jwksFetch('unit', 'failure').value;
  assert.equal(failures, bad.length);
  cache.close();
  assert.deepEqual(timers.pending(), []);
});

test('token verifier: concurrent requests with the same new token share one verification', async (t) => {
  const key = await makeKey('RS256', 'sf-1');
  let jwksCalls = 0;
  const issuer = 'http://idp.invalid';
  const deps = createDeps(t, { auth: { issuers: { local: { issuer, jwksUri: 'http://idp.invalid/jwks' } } } });
  const runtime = acquireIssuer('local', deps, {
    fetch: async () => {
      jwksCalls++;
      return Response.json({ keys: [key.publicJwk] });
    },
    timers: createManualTimers(),
  });
  const metrics = getAuthMetrics(deps.metrics);
  const verifier = createTokenVerifier({ issuers: [runtime], audiences: ['portero-api'] }, createTokenCache({ maxEntries: 10, maxTtlMs: 60_000 }), metrics);
  const token = await signToken({ issuer }, { key });
  const results = await Promise.all(Array.from({ length: 20 }, () => verifier.verify(token)));
  assert.ok(results.every((r) => r === results[0]), 'one verification result shared by all');
  assert.equal(jwksCalls, 1);
  assert.equal(metrics.tokenCache('miss').value, 20);
  const again = verifier.verify(token);
  assert.equal(again instanceof Promise, false, 'a cache hit answers synchronously');
  assert.equal(metrics.tokenCache('hit').value, 1);
});

test('token verifier: a connection memo answers a repeated token without the hash or the cache, and never past the entry\'s expiry or another route\'s checks', async (t) => {
  const key = await makeKey('RS256', 'memo-1');
  const issuer = 'http://idp.invalid';
  const deps = createDeps(t, { auth: { issuers: { local: { issuer, jwksUri: 'http://idp.invalid/jwks' } } } });
  const runtime = acquireIssuer('local', deps, { fetch: async () => Response.json({ keys: [key.publicJwk] }), timers: createManualTimers() });
  const metrics = getAuthMetrics(deps.metrics);
  let clock = Date.now();
  const now = (): number => clock;
  const inner = createTokenCache({ maxEntries: 10, maxTtlMs: 60_000, now });
  let lookups = 0;
  const cache = { ...inner, lookup: (k: string) => (lookups++, inner.lookup(k)), get: (k: string) => inner.get(k) };
  const verifier = createTokenVerifier({ issuers: [runtime], audiences: ['portero-api'] }, cache as never, metrics, now);
  const other = createTokenVerifier({ issuers: [runtime], audiences: ['billing-api'] }, cache as never, metrics, now);
  const exp = Math.floor(clock / 1000) + 30;
  const token = await signToken({ issuer }, { key, claims: { exp } });
  const memo: TokenMemo = { token: undefined, entry: undefined };

  const first = await verifier.verify(token, memo);
  assert.equal(memo.token, undefined, 'a miss does not fill the memo (the entry is made after the check)');
  const second = verifier.verify(token, memo);
  assert.equal(second, first);
  assert.equal(memo.token, token, 'a cache hit fills the memo');
  const lookupsBefore = lookups;
  for (let i = 0; i < 5; i++) assert.equal(verifier.verify(token, memo), first);
  assert.equal(lookups, lookupsBefore, 'memo hits make no cache look-up');
  assert.equal(metrics.tokenCache('hit').value, 6);

  // Another route sharing the connection still applies its own audience.
  assert.throws(() => other.verify(token, memo), (err: Error & { reason?: string }) => err.reason === 'audience');

  // Another token on the same connection replaces the memo; the first goes back through the cache.
  const token2 = await signToken({ issuer }, { key, claims: { exp, sub: 'someone-else' } });
  await verifier.verify(token2, memo);
  verifier.verify(token2, memo);
  assert.equal(memo.token, token2);
  assert.equal(verifier.verify(token, memo), first);

  // Past the entry's expiry the memo is not used: the token is verified again, and refused.
  clock += 31_000 + 30_000 + 1;
  await assert.rejects(Promise.resolve().then(() => verifier.verify(token, memo)), (err: Error & { reason?: string }) => err.reason === 'expired');
});

test('auth config checks: unknown issuer names, HMAC without a secret, empty algorithm intersection', () => {
  const issuer = Value.Default(AuthSchema, { issuers: { local: { issuer: 'http://idp' } } }) as AuthConfig;
  const route = (jwtAuth: Record<string, unknown>) => ({ id: 'r', match: { path: '/' }, service: 's', filters: [{ cache: {} }, { jwtAuth }] });
  assert.deepEqual(checkAuthConfig({ auth: issuer, routes: [route({ issuers: ['local'], audiences: ['a'] })] }), []);
  const problems = checkAuthConfig({
    auth: { ...issuer, issuers: { ...issuer.issuers, hs: { ...issuer.issuers.local, algorithms: ['HS256'] } } },
    routes: [route({ issuers: ['local', 'nope'], audiences: ['a'], algorithms: ['PS256'] }), route({ issuers: ['local'], audiences: ['a'], algorithms: ['HS256', 'RS256'] })],
  });
  assert.deepEqual(
    problems.map((p) => p.path.join('/')),
    ['auth/issuers/hs/algorithms', 'routes/0/filters/1/jwtAuth/algorithms', 'routes/0/filters/1/jwtAuth/issuers/1', 'routes/1/filters/1/jwtAuth/algorithms'],
  );
  assert.deepEqual(checkAuthConfig(null), []);
  assert.deepEqual(checkAuthConfig({ routes: [route({ issuers: ['x'] })] }).map((p) => p.message), ['unknown issuer "x" (auth.issuers is empty)']);
});

test('identity values are made header-safe once, when the token is verified', () => {
  const vt = buildVerifiedToken({ sub: 'eve\r\nx-auth-scopes: admin', client_id: 'ok-client', scope: 'a b\u00e9 c' }, 'http://idp', 'RS256', 0);
  assert.equal(vt.principal.subject, 'eve%0D%0Ax-auth-scopes%3A%20admin');
  assert.equal(vt.principal.clientId, 'ok-client');
  assert.equal(vt.scopeHeader, 'a c');
  assert.deepEqual(buildVerifiedToken({ client_id: 'svc', aud: ['x', 1] }, 'i', 'RS256', 0).audiences, ['x']);
  assert.equal(buildVerifiedToken({ client_id: 'svc' }, 'i', 'RS256', 0).principal.subject, 'svc', 'client credentials tokens without sub');
  assert.throws(() => buildVerifiedToken({ scope: 'a' }, 'i', 'RS256', 0), UnidentifiedPrincipalError);
});

test('JWKS fetches give up after fetchTimeoutMs and never follow redirects', async (t) => {
  const trap = await startTrap(t);
  const server = createServer((req, res) => {
    if (req.url === '/redirect') res.writeHead(302, { location: `${trap.url}/jwks` }).end();
    // '/hang' never answers: the timeout must end the fetch.
  });
  const origin = await listen(server);
  t.after(() => closeServer(server));
  for (const path of ['/hang', '/redirect']) {
    const cache = createJwksCache({
      issuerName: 'unit',
      resolveJwksUri: async () => `${origin}${path}`,
      options: { fetchTimeoutMs: 200, refreshIntervalSeconds: 300, minRefreshSeconds: 60, maxRefreshSeconds: 3600, failureRetrySeconds: 15, unknownKidCooldownSeconds: 30, maxResponseBytes: 4096 },
      logger: pino({ level: 'silent' }),
      metrics: getAuthMetrics(new Registry()),
      timers: createManualTimers(),
    });
    assert.equal(await cache.refresh(), false, path);
    assert.equal(cache.keyCount, 0);
    cache.close();
  }
  assert.equal(trap.hits(), 0, 'the redirect target was never contacted');
});
