/**
 * The cache behind real jwtAuth/authorize in a gateway: responses are partitioned by principal
 * (user A never receives user B's entry), shared only when the route opts in and the response
 * allows it, and a route listing the cache before authentication is refused at validation.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { makeKey, signToken, startIdp } from './auth-fixtures.js';
import { validateConfig } from '../src/config/validate.js';
import { makeConfig, send, startGateway, startUpstream } from './support/data-plane.js';

const key = await makeKey('ES256', 'cache-es-1');

async function startEnv(t: TestContext, cache: Record<string, unknown>, cacheControl: string) {
  const idp = await startIdp(t);
  idp.keys = [key.publicJwk];
  const upstream = await startUpstream(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': cacheControl });
    res.end(JSON.stringify({ for: req.headers['x-auth-subject'] ?? null }));
  });
  const config = makeConfig({
    auth: { issuers: { local: { issuer: idp.issuer } } },
    services: { customers: { endpoints: [{ url: upstream.url }] } },
    routes: [
      {
        id: 'customers',
        match: { path: '/api/customers' },
        service: 'customers',
        filters: [
          { jwtAuth: { issuers: ['local'], audiences: ['portero-api'] } },
          { authorize: { rules: [{ methods: ['GET', 'HEAD'], scopes: { allOf: ['customers:read'] } }] } },
          { cache },
        ],
      },
    ],
  });
  const gw = await startGateway(t, config);
  const tokenFor = (sub: string) => signToken(idp, { key, claims: { sub, scope: 'customers:read' } });
  const get = async (sub: string) => {
    const res = await send(`${gw.url}/api/customers/1`, { headers: { authorization: `Bearer ${await tokenFor(sub)}` } });
    return { status: res.status, body: res.json() as { for: string }, cacheStatus: String(res.headers['cache-status']) };
  };
  return { upstream, gw, get };
}

test('user A never receives user B\'s entry; each principal hits its own', async (t) => {
  const env = await startEnv(t, {}, 'private, max-age=60');
  const sequence = ['alice', 'bob', 'alice', 'bob', 'carol', 'alice'];
  for (const sub of sequence) {
    const res = await env.get(sub);
    assert.equal(res.status, 200);
    assert.equal(res.body.for, sub);
  }
  assert.equal(env.upstream.seen.length, 3);
  assert.match((await env.get('bob')).cacheStatus, /^Portero; hit/);
});

test('shared: true and a public response: one entry serves every principal', async (t) => {
  const env = await startEnv(t, { shared: true }, 'public, max-age=60');
  await env.get('alice');
  const bob = await env.get('bob');
  assert.equal(bob.body.for, 'alice');
  assert.match(bob.cacheStatus, /^Portero; hit/);
  assert.equal(env.upstream.seen.length, 1);
});

test('shared: true without public or s-maxage stays per principal', async (t) => {
  const env = await startEnv(t, { shared: true }, 'max-age=60');
  assert.equal((await env.get('alice')).body.for, 'alice');
  assert.equal((await env.get('bob')).body.for, 'bob');
  assert.equal(env.upstream.seen.length, 2);
});

test('a cache listed before jwtAuth is refused when the config is validated', () => {
  const result = validateConfig({
    auth: { issuers: { local: { issuer: 'https://idp.test' } } },
    services: { customers: { endpoints: [{ url: 'http://127.0.0.1:1' }] } },
    routes: [{ id: 'r', match: { path: '/api' }, service: 'customers', filters: [{ cache: {} }, { jwtAuth: { issuers: ['local'], audiences: ['a'] } }] }],
  });
  assert.equal(result.ok, false);
  const errors = result.ok ? [] : (result.errors as { code: string; path: string }[]);
  assert.deepEqual(errors.map((e) => [e.code, e.path]), [['CONFIG_FILTER', 'routes[0].filters[0].cache']]);
});
