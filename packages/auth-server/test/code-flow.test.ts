import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createBrowser, form, pkcePair, startTestServer } from './helpers.js';
import { REDIRECT_URI, authUrl, follow, signIn, token } from './flow-helpers.js';

test('authorization code + PKCE: login, consent, code exchange, roles claim, refresh', async (t) => {
  const server = await startTestServer(t);
  const jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
  const browser = createBrowser();
  const { verifier, challenge } = pkcePair();
  const callback = await signIn(browser, server.issuer, { scope: 'openid profile customers:read customers:write', code_challenge: challenge, code_challenge_method: 'S256' }, 'alice', 'alice-password');
  assert.equal(`${callback.origin}${callback.pathname}`, REDIRECT_URI);
  assert.equal(callback.searchParams.get('state'), 'state-1');
  assert.equal(callback.searchParams.get('iss'), server.issuer);
  const code = callback.searchParams.get('code')!;
  assert.ok(code);

  const exchanged = await token(server.issuer, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
  assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
  assert.equal(typeof exchanged.body.id_token, 'string');
  assert.equal(typeof exchanged.body.refresh_token, 'string');
  const { payload, protectedHeader } = await jwtVerify(exchanged.body.access_token as string, jwks, { issuer: server.issuer, audience: 'api://portero-customers', typ: 'at+jwt' });
  assert.equal(protectedHeader.alg, 'RS256');
  assert.equal(payload.sub, 'alice');
  assert.equal(payload.client_id, 'demo-web');
  assert.deepEqual(payload.roles, ['admin']);
  assert.deepEqual(String(payload.scope).split(' ').sort(), ['customers:read', 'customers:write']);

  const refreshed = await token(server.issuer, { grant_type: 'refresh_token', refresh_token: exchanged.body.refresh_token as string });
  assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
  const again = await jwtVerify(refreshed.body.access_token as string, jwks, { issuer: server.issuer, audience: 'api://portero-customers' });
  assert.deepEqual(again.payload.roles, ['admin']);
  assert.notEqual(again.payload.jti, payload.jti);

  // The code is single-use; replaying it revokes the whole grant, refresh tokens included.
  const replay = await token(server.issuer, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
  assert.equal(replay.body.error, 'invalid_grant');
  const latest = (refreshed.body.refresh_token ?? exchanged.body.refresh_token) as string;
  const revoked = await token(server.issuer, { grant_type: 'refresh_token', refresh_token: latest });
  assert.equal(revoked.body.error, 'invalid_grant');
});

test('a viewer only gets the API scopes her roles allow', async (t) => {
  const server = await startTestServer(t);
  const jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
  const { verifier, challenge } = pkcePair();
  const callback = await signIn(createBrowser(), server.issuer, { scope: 'openid customers:read customers:write', code_challenge: challenge, code_challenge_method: 'S256' }, 'bob', 'bob-password');
  const exchanged = await token(server.issuer, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: REDIRECT_URI, code_verifier: verifier });
  assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
  const { payload } = await jwtVerify(exchanged.body.access_token as string, jwks, { issuer: server.issuer, audience: 'api://portero-customers' });
  assert.equal(payload.scope, 'customers:read');
  assert.deepEqual(payload.roles, ['viewer']);
});

test('PKCE: plain and missing challenges are refused, a wrong verifier fails the exchange', async (t) => {
  const server = await startTestServer(t);
  const browser = createBrowser();
  const { challenge } = pkcePair();
  const attempts: Record<string, string>[] = [{ code_challenge: challenge, code_challenge_method: 'plain' }, {}];
  for (const params of attempts) {
    const res = await browser.fetch(authUrl(server.issuer, { scope: 'openid customers:read', ...params }));
    assert.equal(res.status, 303);
    const location = new URL(res.headers.get('location')!);
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT_URI);
    assert.equal(location.searchParams.get('error'), 'invalid_request');
  }

  const callback = await signIn(browser, server.issuer, { scope: 'openid customers:read', code_challenge: challenge, code_challenge_method: 'S256' }, 'alice', 'alice-password');
  const wrong = await token(server.issuer, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: REDIRECT_URI, code_verifier: pkcePair().verifier });
  assert.equal(wrong.body.error, 'invalid_grant');
  const missing = await token(server.issuer, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: REDIRECT_URI });
  assert.equal(missing.body.error, 'invalid_grant');
});

test('login page: wrong password and unknown user show an error, then the right password works', async (t) => {
  const server = await startTestServer(t);
  const browser = createBrowser();
  const { challenge } = pkcePair();
  const login = await follow(browser, server.issuer, await browser.fetch(authUrl(server.issuer, { scope: 'openid customers:read', code_challenge: challenge, code_challenge_method: 'S256' })));
  const action = /action="(\/interaction\/[^"]+\/login)"/.exec(await login.res.text())![1]!;
  for (const [username, password] of [['alice', 'wrong'], ['mallory', 'alice-password'], ['<script>x()</script>', 'x']] as const) {
    const res = await browser.fetch(`${server.issuer}${action}`, form({ username, password }));
    assert.equal(res.status, 401);
    const html = await res.text();
    assert.match(html, /data-error-code="AUTH_ERR_INVALID_CREDENTIALS"/);
    assert.ok(!html.includes('<script>'), 'the echoed username is escaped');
  }
  const ok = await browser.fetch(`${server.issuer}${action}`, form({ username: 'alice', password: 'alice-password' }));
  assert.equal(ok.status, 303);
});

test('interaction endpoints refuse cross-site posts, missing cookies, oversize and non-form bodies', async (t) => {
  const server = await startTestServer(t);
  const browser = createBrowser();
  const { challenge } = pkcePair();
  const login = await follow(browser, server.issuer, await browser.fetch(authUrl(server.issuer, { scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' })));
  const html = await login.res.text();
  // Page content is escaped: the client id is shown, no raw markup can come from parameters.
  assert.match(html, /demo-web/);
  const action = /action="(\/interaction\/[^"]+\/login)"/.exec(html)![1]!;
  const url = `${server.issuer}${action}`;
  const fields = { username: 'alice', password: 'alice-password' };
  const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

  const crossSite = await browser.fetch(url, { ...form(fields), headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' } });
  assert.equal(crossSite.status, 403);
  assert.equal(await codeOf(crossSite), 'AUTH_ERR_INTERACTION_FORBIDDEN');

  const noCookie = await fetch(url, form(fields));
  assert.equal(noCookie.status, 400);
  assert.equal(await codeOf(noCookie), 'AUTH_ERR_INTERACTION_NOT_FOUND');

  const big = await browser.fetch(url, form({ ...fields, filler: 'x'.repeat(9000) }));
  assert.equal(big.status, 413);
  assert.equal(await codeOf(big), 'AUTH_ERR_BODY_TOO_LARGE');

  const json = await browser.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fields) });
  assert.equal(json.status, 415);
  assert.equal(await codeOf(json), 'AUTH_ERR_UNSUPPORTED_MEDIA_TYPE');

  const unknown = await browser.fetch(`${server.issuer}/interaction/does-not-exist`);
  assert.equal(unknown.status, 400);
  assert.equal(await codeOf(unknown), 'AUTH_ERR_INTERACTION_NOT_FOUND');

  // After all that, the real form still works.
  const ok = await browser.fetch(url, form(fields));
  assert.equal(ok.status, 303);
});

test('abort on the login page returns access_denied to the client', async (t) => {
  const server = await startTestServer(t);
  const browser = createBrowser();
  const { challenge } = pkcePair();
  const login = await follow(browser, server.issuer, await browser.fetch(authUrl(server.issuer, { scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' })));
  const action = /action="(\/interaction\/[^"]+\/abort)"/.exec(await login.res.text())![1]!;
  const done = await follow(browser, server.issuer, await browser.fetch(`${server.issuer}${action}`, form({})));
  assert.equal(new URL(done.url).searchParams.get('error'), 'access_denied');
});
