/**
 * Regression: destroying an undici response body that is still streaming emits
 * RequestAbortedError; discarding it must never become an uncaught exception (the chaos run
 * crashed the gateway this way when a cache revalidation discarded an upstream body).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { request } from 'undici';
import { discardBody } from '../src/http/discard-body.js';

test('discarding a body that is still streaming raises no uncaught error', async (t) => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first chunk; the rest never comes');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  process.on('uncaughtException', onUncaught);
  t.after(() => process.off('uncaughtException', onUncaught));

  const res = await request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  discardBody(res.body);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(res.body.destroyed, true);
  assert.deepEqual(uncaught, []);
  // Buffers and null are left alone.
  discardBody(Buffer.from('x'));
  discardBody(null);
});
