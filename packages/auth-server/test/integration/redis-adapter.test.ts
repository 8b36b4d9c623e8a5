import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createRedisAdapterFactory } from '../../src/storage/redis-adapter.js';
import { createBrowser, localConfig, pkcePair, startTestServer } from '../helpers.js';
import { REDIRECT_URI, signIn, token } from '../flow-helpers.js';

const REDIS_URL = process.env.PORTERO_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A connection and a unique key prefix; every key under it is deleted after the test. */
async function redisFor(t: import('node:test').TestContext): Promise<{ redis: Redis; prefix: string }> {
  const redis = new Redis(REDIS_URL);
  const prefix = `portero-test:auth:${randomBytes(6).toString('hex')}:`;
  t.after(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });
  return { redis, prefix };
}

test('redis adapter: upsert/find/consume/destroy with TTLs and secondary indexes', async (t) => {
  const { redis, prefix } = await redisFor(t);
  const factory = createRedisAdapterFactory(redis, prefix);
  const sessions = factory('Session');
  await sessions.upsert('s1', { uid: 'u1', accountId: 'alice' }, 60);
  assert.equal((await sessions.find('s1'))?.accountId, 'alice');
  assert.equal((await sessions.findByUid('u1'))?.accountId, 'alice');
  const ttl = await redis.ttl(`${prefix}Session:s1`);
  assert.ok(ttl > 0 && ttl <= 60, `ttl ${ttl}`);
  assert.ok((await redis.ttl(`${prefix}sessionUid:u1`)) > 0);

  const codes = factory('AuthorizationCode');
  await codes.upsert('c1', { grantId: 'g1', clientId: 'demo-web' }, 60);
  assert.equal((await codes.find('c1'))?.consumed, undefined);
  await codes.consume('c1');
  assert.equal(typeof (await codes.find('c1'))?.consumed, 'number');
  // Consuming an unknown id creates nothing (no key without TTL).
  await codes.consume('missing');
  assert.equal(await redis.exists(`${prefix}AuthorizationCode:missing`), 0);

  const devices = factory('DeviceCode');
  await devices.upsert('d1', { userCode: 'ABCD-EFGH' }, 60);
  assert.ok(await devices.findByUserCode('ABCD-EFGH'));

  await sessions.destroy('s1');
  assert.equal(await sessions.find('s1'), undefined);
  assert.equal(await sessions.findByUid('u1'), undefined);
  assert.equal(await sessions.find('never'), undefined);
});

test('redis adapter: revokeByGrantId removes the grant tokens; the grant list outlives its longest member', async (t) => {
  const { redis, prefix } = await redisFor(t);
  const factory = createRedisAdapterFactory(redis, prefix);
  const access = factory('AccessToken');
  const refresh = factory('RefreshToken');
  await access.upsert('a1', { grantId: 'g1' }, 60);
  await refresh.upsert('r1', { grantId: 'g1' }, 3600);
  await access.upsert('a2', { grantId: 'g1' }, 30);
  await access.upsert('other', { grantId: 'g2' }, 60);
  const listTtl = await redis.ttl(`${prefix}grant:g1`);
  assert.ok(listTtl > 60 && listTtl <= 3600, `grant list ttl ${listTtl}`);
  await access.revokeByGrantId('g1');
  assert.equal(await access.find('a1'), undefined);
  assert.equal(await access.find('a2'), undefined);
  assert.equal(await refresh.find('r1'), undefined);
  assert.equal(await redis.exists(`${prefix}grant:g1`), 0);
  assert.ok(await access.find('other'));
});

test('two servers sharing Redis: a code issued by one is redeemed at the other', async (t) => {
  const { prefix } = await redisFor(t);
  const base = localConfig({ AUTH_STORAGE: 'redis', AUTH_REDIS_URL: REDIS_URL, AUTH_REDIS_PREFIX: prefix, AUTH_COOKIE_KEYS: 'shared-cookie-key-for-both-instances' });
  const first = await startTestServer(t, { config: base, port: 0 });
  // Same keys file and issuer: two instances of one authorization server behind a balancer.
  const second = await startTestServer(t, { config: base, port: 0, keysFile: first.keysFile, issuer: first.issuer });
  const { verifier, challenge } = pkcePair();
  const callback = await signIn(createBrowser(), first.issuer, { scope: 'openid customers:read', code_challenge: challenge, code_challenge_method: 'S256' }, 'alice', 'alice-password');
  const exchanged = await token(second.url, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: REDIRECT_URI, code_verifier: verifier });
  assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
  const { payload } = await jwtVerify(exchanged.body.access_token as string, createRemoteJWKSet(new URL(`${second.url}/jwks`)), { issuer: first.issuer, audience: 'api://portero-customers' });
  assert.deepEqual(payload.roles, ['admin']);
  const refreshed = await token(first.issuer, { grant_type: 'refresh_token', refresh_token: exchanged.body.refresh_token as string });
  assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
});
