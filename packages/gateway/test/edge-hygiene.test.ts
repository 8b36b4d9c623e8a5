/**
 * Edge hygiene against a real gateway, with exact bytes over raw sockets: whichever layer refuses
 * (Node's parser or the gateway), the client gets a JSON 400 and the upstream sees nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeConfig, parseRaw, rawRequest, send, startGateway, startUpstream } from './support/data-plane.js';

async function setup(t: import('node:test').TestContext, extra: Record<string, unknown> = {}) {
  const upstream = await startUpstream(t);
  const gw = await startGateway(
    t,
    makeConfig({
      services: { app: { endpoints: [{ url: upstream.url }] } },
      routes: [{ id: 'all', match: { path: '/' }, service: 'app' }],
      ...extra,
    }),
  );
  return { upstream, gw };
}

test('refuses ambiguous targets and framing with 400 before anything reaches the upstream', async (t) => {
  const { upstream, gw } = await setup(t);
  const cases: [name: string, bytes: string, code: string | undefined][] = [
    ['encoded slash', 'GET /a%2Fb HTTP/1.1\r\nHost: x\r\n\r\n', 'GW_ERR_ENCODED_SEPARATOR'],
    ['encoded backslash', 'GET /a%5cb HTTP/1.1\r\nHost: x\r\n\r\n', 'GW_ERR_ENCODED_SEPARATOR'],
    ['encoded NUL', 'GET /a%00 HTTP/1.1\r\nHost: x\r\n\r\n', 'GW_ERR_ENCODED_SEPARATOR'],
    ['raw backslash', 'GET /a\\b HTTP/1.1\r\nHost: x\r\n\r\n', 'GW_ERR_BAD_PATH'],
    ['escaping root', 'GET /../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n', 'GW_ERR_PATH_ESCAPES_ROOT'],
    ['encoded escaping root', 'GET /a/%2e%2e/%2e%2e/x HTTP/1.1\r\nHost: x\r\n\r\n', 'GW_ERR_PATH_ESCAPES_ROOT'],
    ['absolute form', 'GET http://evil.example/a HTTP/1.1\r\nHost: x\r\n\r\n', 'GW_ERR_BAD_TARGET'],
    ['asterisk form', 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n', 'GW_ERR_BAD_TARGET'],
    ['fragment', 'GET /a#b HTTP/1.1\r\nHost: x\r\n\r\n', 'GW_ERR_BAD_TARGET'],
    ['non-ASCII byte', 'GET /caf\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n', undefined],
    ['raw NUL', 'GET /a\u0000b HTTP/1.1\r\nHost: x\r\n\r\n', undefined],
    ['duplicate Host', 'GET /a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n', 'GW_ERR_DUPLICATE_HOST'],
    ['CL with TE', 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', undefined],
    ['differing CLs', 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!', undefined],
    ['non-numeric CL', 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5x\r\n\r\nhello', undefined],
    ['TE other than chunked', 'POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nhello', undefined],
    ['TE chunked, gzip', 'POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\nhello', undefined],
    ['missing Host', 'GET /a HTTP/1.1\r\n\r\n', 'GW_ERR_MISSING_HOST'],
  ];
  for (const [name, bytes, code] of cases) {
    const answer = parseRaw(await rawRequest(gw.port, Buffer.from(bytes, 'latin1')));
    assert.equal(answer.status, 400, `${name}: ${answer.head}`);
    // Parser-level refusals carry the generic or framing code; gateway-level ones the specific code.
    if (code !== undefined) assert.equal(answer.code, code, name);
    else assert.ok(answer.code === 'GW_ERR_BAD_REQUEST' || answer.code === 'GW_ERR_BAD_FRAMING' || answer.code?.startsWith('GW_ERR_BAD_'), `${name}: ${answer.code}`);
  }
  assert.equal(upstream.seen.length, 0);
});

test('the normalised path is the one routed and sent upstream', async (t) => {
  const upstream = await startUpstream(t);
  const gw = await startGateway(
    t,
    makeConfig({
      services: { app: { endpoints: [{ url: upstream.url }] } },
      routes: [
        { id: 'public', match: { path: '/public' }, service: 'app' },
        { id: 'admin', match: { path: '/admin' }, service: 'app', filters: [] , stripPrefix: '/admin', addPrefix: '/secret' },
      ],
    }),
  );
  const raw = await rawRequest(gw.port, 'GET /public/%2e%2e//admin/./x%7e?q=%2F HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(parseRaw(raw).status, 200);
  assert.equal(upstream.seen[0]?.url, '/secret/x~?q=%2F');
  const log = gw.logs.find((l) => l.msg === 'request');
  assert.equal(log?.route, 'admin');
  assert.equal(log?.path, '/admin/x~');
});

test('hop-by-hop headers and headers named in Connection are removed in both directions', async (t) => {
  const upstream = await startUpstream(t, (_req, res) => {
    res.setHeader('connection', 'x-up-secret, keep-alive');
    res.setHeader('x-up-secret', '1');
    res.setHeader('keep-alive', 'timeout=5');
    res.setHeader('proxy-authenticate', 'Basic');
    res.setHeader('x-kept', 'yes');
    res.end('ok');
  });
  const gw = await startGateway(
    t,
    makeConfig({ services: { app: { endpoints: [{ url: upstream.url }] } }, routes: [{ id: 'all', match: { path: '/' }, service: 'app' }] }),
  );
  const raw = await rawRequest(
    gw.port,
    'GET /x HTTP/1.1\r\nHost: x\r\nConnection: close, x-client-secret\r\nX-Client-Secret: s\r\nKeep-Alive: 300\r\nProxy-Connection: keep-alive\r\n' +
      'TE: trailers\r\nTrailer: x-t\r\nUpgrade: websocket\r\nProxy-Authorization: Basic abc\r\nX-Kept: yes\r\n\r\n',
  );
  const seen = upstream.seen[0]?.headers ?? {};
  for (const h of ['x-client-secret', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'proxy-authorization']) {
    assert.equal(seen[h], undefined, `request ${h}`);
  }
  assert.equal(seen['x-kept'], 'yes');
  const head = parseRaw(raw).head.toLowerCase();
  assert.ok(!head.includes('x-up-secret'), head);
  assert.ok(!head.includes('proxy-authenticate'), head);
  assert.ok(head.includes('x-kept: yes'));
});

test('X-Forwarded-* and Forwarded are overwritten for untrusted peers and extended for trusted ones', async (t) => {
  const spoof = { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil', forwarded: 'for=6.6.6.6' };
  {
    const { upstream, gw } = await setup(t);
    await send(gw.url + '/a', { headers: spoof });
    const h = upstream.seen[0]?.headers ?? {};
    assert.equal(h['x-forwarded-for'], '127.0.0.1');
    assert.equal(h['x-forwarded-proto'], 'http');
    assert.equal(h['x-forwarded-host'], `127.0.0.1:${gw.port}`);
    assert.equal(h.forwarded, `for=127.0.0.1;host="127.0.0.1:${gw.port}";proto=http`);
  }
  {
    const { upstream, gw } = await setup(t, { listener: { port: 0, trustedProxies: ['127.0.0.0/8'] } });
    await send(gw.url + '/a', { headers: spoof });
    const h = upstream.seen[0]?.headers ?? {};
    assert.equal(h['x-forwarded-for'], '6.6.6.6, 127.0.0.1');
    assert.equal(h['x-forwarded-proto'], 'https');
    assert.equal(h['x-forwarded-host'], 'evil');
    assert.equal(h.forwarded, `for=6.6.6.6, for=127.0.0.1;host="127.0.0.1:${gw.port}";proto=http`);
  }
});

test('client-sent identity headers never reach the upstream, on any route', async (t) => {
  const { upstream, gw } = await setup(t, { identityHeaders: { subject: 'X-Who' } });
  await send(gw.url + '/a', { headers: { 'x-who': 'admin', 'x-auth-client-id': 'c', 'x-auth-scopes': 'all', 'x-auth-subject': 'kept-now' } });
  const h = upstream.seen[0]?.headers ?? {};
  assert.equal(h['x-who'], undefined);
  assert.equal(h['x-auth-client-id'], undefined);
  assert.equal(h['x-auth-scopes'], undefined);
  // Only the configured names are identity headers; the default subject name is not one any more.
  assert.equal(h['x-auth-subject'], 'kept-now');
});

test('X-Request-Id: a safe client value is propagated, an unsafe one replaced, to upstream, response and log', async (t) => {
  const { upstream, gw } = await setup(t);
  const kept = await send(gw.url + '/a', { headers: { 'x-request-id': 'client-id-1' } });
  assert.equal(kept.headers['x-request-id'], 'client-id-1');
  assert.equal(upstream.seen[0]?.headers['x-request-id'], 'client-id-1');
  const replaced = await send(gw.url + '/a', { headers: { 'x-request-id': 'bad id <script>' } });
  const generated = replaced.headers['x-request-id'] as string;
  assert.match(generated, /^[0-9a-f-]{36}$/);
  assert.equal(upstream.seen[1]?.headers['x-request-id'], generated);
  const notFound = await send(gw.url.replace('/a', '') + '/a', { method: 'TRACE', headers: { 'x-request-id': 'err-1' } });
  assert.equal(notFound.headers['x-request-id'], 'err-1');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(
    gw.logs.filter((l) => l.msg === 'request').map((l) => l.reqId),
    ['client-id-1', generated, 'err-1'],
  );
});

test('Expect: 100-continue is answered at the edge and not forwarded; HEAD answers carry no body', async (t) => {
  const { upstream, gw } = await setup(t);
  const raw = await rawRequest(
    gw.port,
    'POST /a HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello',
  );
  assert.match(raw, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
  assert.equal(upstream.seen[0]?.headers.expect, undefined);
  assert.equal(upstream.seen[0]?.body, 'hello');
  const head = await send(gw.url + '/a', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
  assert.equal(upstream.seen[1]?.method, 'HEAD');
});
