/**
 * Error statuses and failure modes of the proxy against real servers: each answer's code, and
 * that client aborts and upstream resets mid-stream leave the gateway serving.
 */
import assert from 'node:assert/strict';
import { request as httpRequest, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { Type } from '@sinclair/typebox';
import { GatewayError } from '../src/errors.js';
import { filterDefinitions, type FilterDefinition } from '../src/filters/registry.js';
import { makeConfig, send, startGateway, startUpstream } from './support/data-plane.js';

/** Registers a filter definition for one test. */
function registerFilter(t: TestContext, def: FilterDefinition): void {
  filterDefinitions.push(def);
  t.after(() => {
    const i = filterDefinitions.indexOf(def);
    if (i >= 0) filterDefinitions.splice(i, 1);
  });
}

async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('404, 405 with Allow, 502, 503 answer JSON errors with their codes', async (t) => {
  const upstream = await startUpstream(t);
  const dead = await closedPort();
  const gw = await startGateway(
    t,
    makeConfig({
      services: { app: { endpoints: [{ url: upstream.url }] }, dead: { endpoints: [{ url: `http://127.0.0.1:${dead}` }] }, empty: { endpoints: [] } },
      routes: [
        { id: 'items-read', match: { path: '/items', methods: ['GET', 'HEAD'] }, service: 'app' },
        { id: 'items-write', match: { path: '/items/{id}', type: 'pattern', methods: ['PUT'] }, service: 'app' },
        { id: 'dead', match: { path: '/dead' }, service: 'dead' },
        { id: 'empty', match: { path: '/empty' }, service: 'empty' },
      ],
    }),
  );
  const table: [method: string, path: string, status: number, code: string][] = [
    ['GET', '/nothing', 404, 'GW_ERR_ROUTE_NOT_FOUND'],
    ['DELETE', '/items/3', 405, 'GW_ERR_METHOD_NOT_ALLOWED'],
    ['GET', '/dead/x', 502, 'GW_ERR_UPSTREAM'],
    ['GET', '/empty', 503, 'GW_ERR_NO_ENDPOINT'],
  ];
  for (const [method, path, status, code] of table) {
    const res = await send(gw.url + path, { method: method as 'GET' });
    assert.equal(res.status, status, `${method} ${path}`);
    assert.equal(res.json().error.code, code);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  }
  const notAllowed = await send(gw.url + '/items/3', { method: 'DELETE' });
  assert.equal(notAllowed.headers.allow, 'GET, HEAD, PUT');
  // 5xx bodies never carry internals such as the endpoint address.
  const bad = await send(gw.url + '/dead/x');
  assert.ok(!bad.text.includes(String(dead)));
  assert.equal(upstream.seen.length, 0);
});

test('filters: a GatewayError answers with its status; a crash is a 500 without internals; response side runs after next()', async (t) => {
  registerFilter(t, {
    name: 'testGate',
    schema: Type.Object({ testGate: Type.Object({ mode: Type.String() }) }),
    create: (config: { mode: string }) => async (ctx, next) => {
      if (config.mode === 'deny') throw new GatewayError('GW_ERR_BAD_REQUEST', { message: 'denied by test' });
      if (config.mode === 'crash') throw new Error('secret internal detail');
      if (config.mode === 'answer') {
        ctx.response = { status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.from(`answered ${ctx.params.id ?? ''}`) };
        return;
      }
      await next();
      if (ctx.response !== undefined) ctx.response.headers['x-after'] = `${ctx.route.id}:${ctx.response.status}`;
    },
  });
  const upstream = await startUpstream(t);
  const gw = await startGateway(
    t,
    makeConfig({
      services: { app: { endpoints: [{ url: upstream.url }] } },
      routes: [
        { id: 'deny', match: { path: '/deny' }, service: 'app', filters: [{ testGate: { mode: 'deny' } }] },
        { id: 'crash', match: { path: '/crash' }, service: 'app', filters: [{ testGate: { mode: 'crash' } }] },
        { id: 'answer', match: { path: '/answer/{id}', type: 'pattern' }, service: 'app', filters: [{ testGate: { mode: 'answer' } }] },
        { id: 'pass', match: { path: '/pass' }, service: 'app', filters: [{ testGate: { mode: 'pass' } }] },
      ],
    }),
  );
  const deny = await send(gw.url + '/deny');
  assert.equal(deny.status, 400);
  assert.equal(deny.json().error.code, 'GW_ERR_BAD_REQUEST');
  const crash = await send(gw.url + '/crash');
  assert.equal(crash.status, 500);
  assert.equal(crash.json().error.code, 'GW_ERR_INTERNAL');
  assert.ok(!crash.text.includes('secret'));
  const answer = await send(gw.url + '/answer/7');
  assert.equal(answer.text, 'answered 7');
  const pass = await send(gw.url + '/pass');
  assert.equal(pass.status, 200);
  assert.equal(pass.headers['x-after'], 'pass:200');
  assert.equal(upstream.seen.length, 1);
});

test('the response body is streamed: the client reads the first chunk before the upstream ends', async (t) => {
  let release: (() => void) | undefined;
  const upstream = await startUpstream(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first;');
    release = () => res.end('last');
  });
  const gw = await startGateway(t, makeConfig({ services: { app: { endpoints: [{ url: upstream.url }] } }, routes: [{ id: 'all', match: { path: '/' }, service: 'app' }] }));
  const text = await new Promise<string>((resolve, reject) => {
    const req = httpRequest(gw.url + '/stream', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body === 'first;') release?.();
      });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(text, 'first;last');
});

test('a client aborting mid-stream closes the upstream stream and leaves the gateway serving', async (t) => {
  let upstreamClosed: Promise<void> | undefined;
  const upstream = await startUpstream(t, (req, res: ServerResponse) => {
    if (req.url !== '/stream') return void res.end('ok');
    res.writeHead(200);
    res.write('chunk');
    upstreamClosed = new Promise((resolve) => res.on('close', () => resolve()));
  });
  const gw = await startGateway(t, makeConfig({ services: { app: { endpoints: [{ url: upstream.url }] } }, routes: [{ id: 'all', match: { path: '/' }, service: 'app' }] }));
  await new Promise<void>((resolve) => {
    const req = httpRequest(gw.url + '/stream', (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => undefined);
    req.end();
  });
  await upstreamClosed;
  const after = await send(gw.url + '/ok');
  assert.equal(after.text, 'ok');
  await new Promise((r) => setImmediate(r));
  const log = gw.logs.find((l) => l.msg === 'request' && l.path === '/stream');
  assert.equal(log?.status, 200);
});

test('an upstream reset mid-body cuts the client connection and leaves the gateway serving', async (t) => {
  const upstream = await startUpstream(t, (req, res) => {
    if (req.url !== '/reset') return void res.end('ok');
    res.writeHead(200, { 'content-length': '100' });
    res.write('partial', () => res.socket?.destroy());
  });
  const gw = await startGateway(t, makeConfig({ services: { app: { endpoints: [{ url: upstream.url }] } }, routes: [{ id: 'all', match: { path: '/' }, service: 'app' }] }));
  const outcome = await new Promise<string>((resolve) => {
    const req = httpRequest(gw.url + '/reset', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('error', () => resolve(`error after ${body}`));
      res.on('end', () => resolve(`end ${body}`));
    });
    req.on('error', () => resolve('request error'));
    req.end();
  });
  assert.match(outcome, /^error after partial|^request error/);
  const after = await send(gw.url + '/ok');
  assert.equal(after.text, 'ok');
});

test('an upstream reset before the response head is a 502', async (t) => {
  const upstream = await startUpstream(t, (req, res) => res.socket?.destroy());
  const gw = await startGateway(t, makeConfig({ services: { app: { endpoints: [{ url: upstream.url }] } }, routes: [{ id: 'all', match: { path: '/' }, service: 'app' }] }));
  const res = await send(gw.url + '/x');
  assert.equal(res.status, 502);
  assert.equal(res.json().error.code, 'GW_ERR_UPSTREAM');
});

test('filters see the normalised path and params, and identity headers they set reach the upstream while client-sent ones do not', async (t) => {
  const seenByFilter: { path: string; params: Record<string, string>; subject: unknown }[] = [];
  registerFilter(t, {
    name: 'testIdentity',
    schema: Type.Object({ testIdentity: Type.Object({}) }),
    create: () => async (ctx, next) => {
      seenByFilter.push({ path: ctx.path, params: { ...ctx.params }, subject: ctx.upstreamHeaders['x-auth-subject'] });
      ctx.upstreamHeaders['x-auth-subject'] = 'alice';
      await next();
    },
  });
  const upstream = await startUpstream(t);
  const gw = await startGateway(
    t,
    makeConfig({
      services: { app: { endpoints: [{ url: upstream.url }] } },
      routes: [{ id: 'c', match: { path: '/customers/{id}', type: 'pattern' }, service: 'app', rewrite: '/v1/c/{id}', filters: [{ testIdentity: {} }] }],
    }),
  );
  const res = await send(gw.url + '/customers//%34%32', { headers: { 'x-auth-subject': 'mallory' } });
  assert.equal(res.status, 200);
  assert.deepEqual(seenByFilter, [{ path: '/customers/42', params: { id: '42' }, subject: undefined }]);
  assert.equal(upstream.seen[0]?.headers['x-auth-subject'], 'alice');
  assert.equal(upstream.seen[0]?.url, '/v1/c/42');
});
