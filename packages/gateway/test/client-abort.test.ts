/**
 * A client that leaves before the upstream answered aborts the upstream try (through the
 * context's try abort handle, with no AbortController per request), is not retried, and leaves
 * the gateway serving with its breaker slot and endpoint slot free.
 */
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { test } from 'node:test';
import { makeConfig, send, startGateway, startUpstream } from './support/data-plane.js';

test('a client leaving before the response head aborts the upstream try, once, and the gateway keeps serving', { timeout: 10_000 }, async (t) => {
  let hanging = 0;
  let upstreamClosed!: () => void;
  const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
  let arrived!: () => void;
  const seen = new Promise<void>((resolve) => (arrived = resolve));
  const upstream = await startUpstream(t, (req: IncomingMessage, res: ServerResponse) => {
    if (req.url !== '/hang') return void res.end('ok');
    hanging++;
    // Never answers: only the gateway aborting the try closes this request.
    res.on('close', () => upstreamClosed());
    arrived();
  });
  const gw = await startGateway(
    t,
    makeConfig({
      services: {
        app: {
          endpoints: [{ url: upstream.url }],
          // One concurrent request: a slot the aborted request failed to release would refuse the next.
          circuitBreaker: { maxConcurrent: 1, maxPending: 0 },
          retry: { maxRetries: 2, retryOn: ['connect-failure', 'reset', 'timeout', '502', '503', '504'] },
        },
      },
      routes: [{ id: 'all', match: { path: '/' }, service: 'app' }],
    }),
  );
  const req = httpRequest(gw.url + '/hang');
  req.on('error', () => undefined);
  req.end();
  await seen;
  req.destroy();
  await closed;
  assert.equal(hanging, 1);
  const after = await send(gw.url + '/ok');
  assert.equal(after.status, 200);
  assert.equal(after.text, 'ok');
  assert.equal(hanging, 1);
});
