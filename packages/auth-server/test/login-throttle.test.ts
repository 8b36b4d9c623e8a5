import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoginThrottle } from '../src/interactions/login-throttle.js';
import { createBrowser, form, localConfig, pkcePair, startTestServer } from './helpers.js';
import { authUrl, follow } from './flow-helpers.js';

test('login throttle: maxFailures per key within the window, reset by success or time, bounded keys', () => {
  let now = 0;
  const throttle = createLoginThrottle({ maxFailures: 3, windowSeconds: 60, maxKeys: 10, clock: () => now });
  for (let i = 0; i < 3; i++) {
    assert.equal(throttle.blocked('alice|1.2.3.4'), false);
    throttle.fail('alice|1.2.3.4');
  }
  assert.equal(throttle.blocked('alice|1.2.3.4'), true);
  assert.equal(throttle.blocked('alice|5.6.7.8'), false, 'another address is not affected');
  now = 59_999;
  assert.equal(throttle.blocked('alice|1.2.3.4'), true);
  now = 60_000;
  assert.equal(throttle.blocked('alice|1.2.3.4'), false, 'window over');

  throttle.fail('bob|x');
  throttle.fail('bob|x');
  throttle.succeed('bob|x');
  throttle.fail('bob|x');
  throttle.fail('bob|x');
  assert.equal(throttle.blocked('bob|x'), false, 'success resets the count');

  for (let i = 0; i < 3; i++) throttle.fail('first|x');
  for (let i = 0; i < 12; i++) throttle.fail(`made-up-${i}|x`);
  assert.equal(throttle.blocked('first|x'), false, 'the oldest key was forgotten past maxKeys');
});

test('the login page answers 429 past login.maxFailures, even for the right password, until the window ends', async (t) => {
  let now = Date.now();
  const config = { ...localConfig(), login: { maxFailures: 2, windowSeconds: 60, maxTrackedKeys: 100 } };
  const server = await startTestServer(t, { config, clock: () => now });
  const browser = createBrowser();
  const { challenge } = pkcePair();
  const login = await follow(browser, server.issuer, await browser.fetch(authUrl(server.issuer, { scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' })));
  const action = /action="(\/interaction\/[^"]+\/login)"/.exec(await login.res.text())![1]!;
  const attempt = (password: string) => browser.fetch(`${server.issuer}${action}`, form({ username: 'alice', password }));
  assert.equal((await attempt('wrong-1')).status, 401);
  assert.equal((await attempt('wrong-2')).status, 401);
  const blocked = await attempt('alice-password');
  assert.equal(blocked.status, 429);
  assert.match(await blocked.text(), /data-error-code="AUTH_ERR_TOO_MANY_LOGIN_ATTEMPTS"/);
  now += 60_000;
  assert.equal((await attempt('alice-password')).status, 303);
});
