/**
 * Every edge limit against a real gateway and real upstreams: the status and code each answers
 * with, and that the upstream is spared where it should be.
 */
import assert from 'node:assert/strict';
import { createServer as createTcpServer, connect, type Server as TcpServer, type Socket, type AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import type { ServerResponse } from 'node:http';
import { makeConfig, parseRaw, rawRequest, send, startGateway, startUpstream } from './support/data-plane.js';

async function gatewayFor(t: TestContext, upstreamUrl: string, extra: Record<string, unknown> = {}, service: Record<string, unknown> = {}) {
  return startGateway(
    t,
    makeConfig({
      services: { app: { endpoints: [{ url: upstreamUrl }], ...service } },
      routes: [{ id: 'all', match: { path: '/' }, service: 'app' }],
      ...extra,
    }),
  );
}

/** Polls (without timers) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setImmediate(r));
}

test('431 for a head larger than maxHeaderBytes (Node parser) and for more headers than maxHeaderCount', async (t) => {
  const upstream = await startUpstream(t);
  const gw = await gatewayFor(t, upstream.url, { limits: { maxHeaderBytes: 2048, maxHeaderCount: 10 } });
  const big = parseRaw(await rawRequest(gw.port, `GET /a HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(4096)}\r\n\r\n`));
  assert.equal(big.status, 431);
  assert.equal(big.code, 'GW_ERR_HEADERS_TOO_LARGE');
  const headers = Array.from({ length: 10 }, (_, i) => `X-H${i}: v\r\n`).join('');
  const many = parseRaw(await rawRequest(gw.port, `GET /a HTTP/1.1\r\nHost: x\r\n${headers}\r\n`));
  assert.equal(many.status, 431);
  assert.equal(many.code, 'GW_ERR_HEADERS_TOO_LARGE');
  const fine = await send(gw.url + '/a', { headers: { 'x-1': 'a' } });
  assert.equal(fine.status, 200);
  assert.equal(upstream.seen.length, 1);
});

test('413 from Content-Length before anything is sent upstream', async (t) => {
  const upstream = await startUpstream(t);
  const gw = await gatewayFor(t, upstream.url, { limits: { maxBodyBytes: 10 } });
  const answer = parseRaw(await rawRequest(gw.port, `POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n`));
  assert.equal(answer.status, 413);
  assert.equal(answer.code, 'GW_ERR_BODY_TOO_LARGE');
  assert.match(answer.head.toLowerCase(), /connection: close/);
  const ok = await send(gw.url + '/a', { method: 'POST', body: '0123456789' });
  assert.equal(ok.status, 200);
  assert.equal(upstream.seen.length, 1);
  assert.equal(upstream.seen[0]?.body, '0123456789');
});

test('413 while streaming a chunked body past maxBodyBytes; the upstream try is aborted', async (t) => {
  const upstream = await startUpstream(t);
  const gw = await gatewayFor(t, upstream.url, { limits: { maxBodyBytes: 10 } });
  const chunk = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`;
  const answer = parseRaw(
    await rawRequest(gw.port, `POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk('012345')}${chunk('6789ab')}0\r\n\r\n`),
  );
  assert.equal(answer.status, 413);
  assert.equal(answer.code, 'GW_ERR_BODY_TOO_LARGE');
  // No complete request reached the upstream.
  assert.equal(upstream.seen.filter((r) => r.body.length > 10).length, 0);
  const ok = parseRaw(await rawRequest(gw.port, `POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunk('01234')}${chunk('56789')}0\r\n\r\n`));
  assert.equal(ok.status, 200);
  assert.equal(upstream.seen.at(-1)?.body, '0123456789');
});

test('408 when the head does not arrive within headersTimeoutMs (slowloris)', async (t) => {
  const upstream = await startUpstream(t);
  const gw = await gatewayFor(t, upstream.url, { limits: { headersTimeoutMs: 150, requestTimeoutMs: 5000 } });
  const answer = parseRaw(await rawRequest(gw.port, 'GET /a HTTP/1.1\r\nHost: x\r\nX-Slow: '));
  assert.equal(answer.status, 408);
  assert.equal(answer.code, 'GW_ERR_REQUEST_TIMEOUT');
  assert.equal(upstream.seen.length, 0);
});

test('408 when the body does not arrive within requestTimeoutMs', async (t) => {
  const upstream = await startUpstream(t);
  const gw = await gatewayFor(t, upstream.url, { limits: { headersTimeoutMs: 100, requestTimeoutMs: 300 } });
  const answer = parseRaw(await rawRequest(gw.port, 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-a-little'));
  assert.equal(answer.status, 408);
  assert.equal(answer.code, 'GW_ERR_REQUEST_TIMEOUT');
});

test('504 when the upstream does not answer within responseTimeoutMs', async (t) => {
  const held: ServerResponse[] = [];
  const upstream = await startUpstream(t, (_req, res) => held.push(res));
  t.after(() => held.forEach((r) => r.destroy()));
  const gw = await gatewayFor(t, upstream.url, {}, { responseTimeoutMs: 100 });
  const res = await send(gw.url + '/slow');
  assert.equal(res.status, 504);
  assert.equal(res.json().error.code, 'GW_ERR_UPSTREAM_TIMEOUT');
});

test('504 when the endpoint does not accept the connection within connectTimeoutMs', async (t) => {
  // A listener that never accepts, with its backlog filled, leaves new connects hanging.
  const blackhole: TcpServer = createTcpServer();
  await new Promise<void>((resolve) => blackhole.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, resolve));
  (blackhole as unknown as { _handle: { onconnection: () => void } })._handle.onconnection = () => undefined;
  const port = (blackhole.address() as AddressInfo).port;
  const fillers: Socket[] = Array.from({ length: 5 }, () => connect(port, '127.0.0.1').on('error', () => undefined));
  t.after(() => {
    fillers.forEach((s) => s.destroy());
    blackhole.close();
  });
  const gw = await gatewayFor(t, `http://127.0.0.1:${port}`, {}, { connectTimeoutMs: 100 });
  const res = await send(gw.url + '/x');
  assert.equal(res.status, 504);
  assert.equal(res.json().error.code, 'GW_ERR_UPSTREAM_TIMEOUT');
});

test('connectionsPerEndpoint=2: a slow upstream never sees more than 2 connections', async (t) => {
  const held: ServerResponse[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const upstream = await startUpstream(t, (_req, res) => {
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    res.on('finish', () => concurrent--);
    held.push(res);
  });
  let connections = 0;
  upstream.server.on('connection', () => connections++);
  const gw = await gatewayFor(t, upstream.url, {}, { connectionsPerEndpoint: 2 });
  const pending = Array.from({ length: 6 }, (_, i) => send(`${gw.url}/r${i}`));
  const endpoint = gw.gateway.services().get('app')?.endpoints()[0];
  // All six are inside the gateway, two at the upstream, four queued in the pool.
  await until(() => endpoint?.active === 6 && held.length === 2);
  assert.equal(endpoint?.pool.stats.pending, 4);
  while (held.length > 0 || upstream.seen.length < 6) {
    await until(() => held.length > 0);
    held.shift()?.end('done');
  }
  const results = await Promise.all(pending);
  assert.deepEqual(results.map((r) => r.status), [200, 200, 200, 200, 200, 200]);
  assert.equal(maxConcurrent, 2);
  assert.equal(connections, 2);
});

test('503 when the pending queue of an endpoint is full', async (t) => {
  const held: ServerResponse[] = [];
  const upstream = await startUpstream(t, (_req, res) => held.push(res));
  const gw = await gatewayFor(t, upstream.url, {}, { connectionsPerEndpoint: 1, maxPendingPerEndpoint: 1 });
  const first = send(gw.url + '/1');
  const second = send(gw.url + '/2');
  const endpoint = gw.gateway.services().get('app')?.endpoints()[0];
  await until(() => endpoint?.active === 2 && held.length === 1);
  const third = await send(gw.url + '/3');
  assert.equal(third.status, 503);
  assert.equal(third.json().error.code, 'GW_ERR_UPSTREAM_OVERLOADED');
  held.shift()?.end('a');
  await until(() => held.length === 1);
  held.shift()?.end('b');
  assert.deepEqual([(await first).status, (await second).status], [200, 200]);
});
