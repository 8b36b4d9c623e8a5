/**
 * UpstreamExchange against a real undici Pool and local upstreams on 127.0.0.1: the head (status,
 * headers without hop-by-hop ones), each way of taking the body (takeComplete, pipeTo, toReadable,
 * dump, destroy), backpressure while nobody takes it, aborts before and after the head, an upstream
 * that resets mid-body, 1xx informational answers, and onClose running once on every path.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { Pool, request } from 'undici';
import { TryAbortHandle } from '../src/listener/request-context.js';
import {
  bodyAsStream,
  DUMP_LIMIT_BYTES,
  HIGH_WATER_BYTES,
  parseResponseHeaders,
  RequestAbortedError,
  signalHandle,
  UpstreamExchange,
  type UpstreamRequest,
} from '../src/proxy/upstream-exchange.js';

const GET: UpstreamRequest = { method: 'GET', path: '/', headers: {}, body: null };

async function listen(t: TestContext, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; port: number; url: string }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const port = (server.address() as AddressInfo).port;
  return { server, port, url: `http://127.0.0.1:${port}` };
}

function pool(t: TestContext, url: string, connections = 1): Pool {
  const p = new Pool(url, { connections });
  t.after(() => p.destroy());
  return p;
}

/** An exchange that counts its onClose calls and records the largest chunk undici handed it. */
class Probe extends UpstreamExchange {
  closes = 0;
  maxChunk = 0;
  readonly whenClosed: Promise<void>;
  constructor() {
    super();
    this.whenClosed = new Promise<void>((resolve) =>
      this.onClose(() => {
        this.closes++;
        resolve();
      }),
    );
  }
  override onData(chunk: Buffer): boolean {
    if (chunk.length > this.maxChunk) this.maxChunk = chunk.length;
    return super.onData(chunk);
  }
}

/**
 * A second server that answers each request by sending GET through `p` and piping the exchange's
 * body into its response; `seen` holds the last exchange and response.
 */
async function pipingProxy(t: TestContext, p: Pool, counter: { bytes: number }): Promise<{ url: string; seen: { exchange?: Probe; res?: ServerResponse } }> {
  const seen: { exchange?: Probe; res?: ServerResponse } = {};
  const proxy = await listen(t, (_req, res) => {
    seen.res = res;
    const exchange = new Probe();
    seen.exchange = exchange;
    exchange.send(p, GET).then(
      (x) => {
        res.writeHead(x.statusCode, x.headers);
        x.pipeTo(res, counter);
      },
      () => res.destroy(),
    );
  });
  return { url: proxy.url, seen };
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const turns = (n: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, n));

function pattern(size: number): Buffer {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 31 + (i >> 10)) & 0xff;
  return buf;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Sends GET /second on `p` and returns the body, once the exchange is closed. */
async function secondRequest(p: Pool): Promise<string | undefined> {
  const next = new Probe();
  await next.send(p, { ...GET, path: '/second' });
  await next.whenClosed;
  return next.takeComplete()?.toString();
}

// ---- parseResponseHeaders ----

test('parseResponseHeaders: lower-case names, repeated names as arrays, hop-by-hop and Connection-named headers left out', () => {
  const raw = [
    ['Content-Type', 'text/plain'],
    ['Connection', 'keep-alive, X-Conn-Named'],
    ['X-Conn-Named', 'secret'],
    ['Keep-Alive', 'timeout=5'],
    ['Transfer-Encoding', 'chunked'],
    ['TE', 'trailers'],
    ['Trailer', 'X-T'],
    ['Upgrade', 'h2c'],
    ['Proxy-Authenticate', 'Basic'],
    ['Proxy-Connection', 'keep-alive'],
    ['Set-Cookie', 'a=1'],
    ['Set-Cookie', 'b=2'],
    ['set-cookie', 'c=3'],
    ['X-Latin1', 'caf\u00e9'],
  ].flatMap(([n, v]) => [Buffer.from(n!, 'latin1'), Buffer.from(v!, 'latin1')]);
  assert.deepEqual(parseResponseHeaders(raw), {
    'content-type': 'text/plain',
    'set-cookie': ['a=1', 'b=2', 'c=3'],
    'x-latin1': 'caf\u00e9',
  });
  // Connection: close names no header; a header named after a hop-by-hop one stays only if not named.
  assert.deepEqual(parseResponseHeaders([Buffer.from('Connection'), Buffer.from('close'), Buffer.from('X-A'), Buffer.from('1')]), { 'x-a': '1' });
  // Two Connection headers both count, case-insensitively.
  const two = ['Connection', 'X-One', 'connection', 'x-TWO', 'X-One', '1', 'X-Two', '2', 'X-Three', '3'].map((s) => Buffer.from(s));
  assert.deepEqual(parseResponseHeaders(two), { 'x-three': '3' });
  assert.deepEqual(parseResponseHeaders([]), {});
});

test('parseResponseHeaders: header names that are Object.prototype properties are plain headers', () => {
  const raw = ['Constructor', 'c1', '__proto__', 'p1', 'X-A', '1', 'constructor', 'c2', '__proto__', 'p2'].map((s) => Buffer.from(s));
  const headers = parseResponseHeaders(raw);
  assert.deepEqual(Object.keys(headers), ['constructor', '__proto__', 'x-a']);
  assert.deepEqual(headers.constructor, ['c1', 'c2']);
  assert.deepEqual(Object.getOwnPropertyDescriptor(headers, '__proto__')?.value, ['p1', 'p2']);
  assert.equal(Object.getPrototypeOf(headers), Object.prototype);
});

// ---- send() and the head ----

test('send resolves with the status and a lower-case header object without hop-by-hop headers; Set-Cookie twice is an array', async (t) => {
  // Exact bytes on the wire: a raw TCP upstream.
  const server = createNetServer((socket: Socket) => {
    let seen = '';
    socket.on('data', (c: Buffer) => {
      seen += c.toString('latin1');
      if (!seen.includes('\r\n\r\n')) return;
      seen = '';
      socket.write(
        'HTTP/1.1 201 Created\r\n' +
          'Content-Type: text/plain\r\n' +
          'Connection: keep-alive, X-Conn-Named\r\n' +
          'X-Conn-Named: secret\r\n' +
          'Keep-Alive: timeout=5\r\n' +
          'TE: trailers\r\n' +
          'Trailer: X-T\r\n' +
          'Upgrade: h2c\r\n' +
          'Proxy-Authenticate: Basic realm="x"\r\n' +
          'Set-Cookie: a=1\r\n' +
          'Set-Cookie: b=2\r\n' +
          'X-Mixed-Case: Value\r\n' +
          'Transfer-Encoding: chunked\r\n' +
          '\r\n' +
          '5\r\nhello\r\n0\r\n\r\n',
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const sockets: Socket[] = [];
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  server.on('connection', (s: Socket) => sockets.push(s));
  const p = pool(t, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);

  const exchange = new Probe();
  const result = await exchange.send(p, GET);
  assert.equal(result, exchange);
  assert.equal(exchange.statusCode, 201);
  assert.deepEqual(exchange.headers, { 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'], 'x-mixed-case': 'Value' });
  await exchange.whenClosed;
  assert.equal(exchange.takeComplete()?.toString(), 'hello');
  assert.equal(exchange.closes, 1);
});

test('a small body that arrived with its head is taken whole once; onClose runs once', async (t) => {
  const up = await listen(t, (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"small":"body"}');
  });
  const p = pool(t, up.url);
  const exchange = new Probe();
  await exchange.send(p, GET);
  assert.equal(exchange.statusCode, 200);
  assert.equal(exchange.headers['content-length'], '16');
  // Normally already complete (one read); the contract is about the arrived body either way.
  if (!exchange.complete) await exchange.whenClosed;
  assert.equal(exchange.complete, true);
  const whole = exchange.takeComplete();
  assert.ok(whole !== undefined);
  assert.equal(whole.toString(), '{"small":"body"}');
  assert.equal(exchange.takeComplete(), undefined);
  assert.throws(() => exchange.toReadable(), /already taken/);
  await exchange.whenClosed;
  // onClose after the exchange closed runs at once.
  let late = 0;
  exchange.onClose(() => late++);
  assert.equal(late, 1);
  assert.equal(exchange.closes, 1);
  assert.equal(exchange.failure, undefined);
});

test('takeComplete gives nothing while the body is still arriving; an empty body is an empty buffer', async (t) => {
  let finish!: () => void;
  const up = await listen(t, (req, res) => {
    if (req.url === '/empty') return void res.writeHead(204).end();
    res.writeHead(200);
    res.write('part one;');
    finish = () => res.end('part two');
  });
  const p = pool(t, up.url);
  const exchange = new Probe();
  await exchange.send(p, GET);
  await waitFor(() => exchange.receivedBytes === 9, 'first part');
  assert.equal(exchange.takeComplete(), undefined);
  finish();
  await exchange.whenClosed;
  assert.equal(exchange.takeComplete()?.toString(), 'part one;part two');

  const empty = new Probe();
  await empty.send(p, { ...GET, path: '/empty' });
  await empty.whenClosed;
  assert.equal(empty.statusCode, 204);
  const body = empty.takeComplete();
  assert.ok(Buffer.isBuffer(body));
  assert.equal(body.length, 0);
});

test('send rejects with undici\'s error when the upstream refuses the connection; onClose runs once', async (t) => {
  const server = createNetServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const p = pool(t, `http://127.0.0.1:${port}`);
  const exchange = new Probe();
  await assert.rejects(exchange.send(p, GET), (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED');
  await exchange.whenClosed;
  assert.equal(exchange.closes, 1);
});

// ---- pipeTo ----

test('pipeTo writes a large, slowly written body to a real ServerResponse intact and counts its bytes', { timeout: 10_000 }, async (t) => {
  const SIZE = 1024 * 1024;
  const payload = pattern(SIZE);
  const up = await listen(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(SIZE) });
    let offset = 0;
    const next = (): void => {
      if (offset >= SIZE) return void res.end();
      const chunk = payload.subarray(offset, offset + 32 * 1024);
      offset += chunk.length;
      if (res.write(chunk)) setImmediate(next);
      else res.once('drain', next);
    };
    next();
  });
  const p = pool(t, up.url);
  const counter = { bytes: 0 };
  const proxy = await pipingProxy(t, p, counter);
  const answer = await request(proxy.url);
  assert.equal(answer.statusCode, 200);
  const exchange = proxy.seen.exchange;
  const received = Buffer.from(await answer.body.arrayBuffer());
  assert.equal(received.length, SIZE);
  assert.equal(sha(received), sha(payload));
  assert.ok(exchange !== undefined);
  await exchange.whenClosed;
  assert.equal(counter.bytes, SIZE);
  assert.equal(exchange.receivedBytes, SIZE);
  assert.equal(exchange.complete, true);
  assert.equal(exchange.failure, undefined);
  assert.equal(exchange.closes, 1);
  assert.throws(() => exchange!.pipeTo(new (class {})() as ServerResponse, counter), /already taken/);
});

test('an upstream that resets mid-body: the piped client response is cut, failure is set, onClose runs once', { timeout: 10_000 }, async (t) => {
  const up = await listen(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(1024 * 1024) });
    res.write(Buffer.alloc(100 * 1024, 7), () => res.socket?.destroy());
  });
  const p = pool(t, up.url);
  const counter = { bytes: 0 };
  const proxy = await pipingProxy(t, p, counter);
  const answer = await request(proxy.url);
  assert.equal(answer.statusCode, 200);
  await assert.rejects(answer.body.arrayBuffer());
  const { exchange, res: proxyRes } = proxy.seen;
  assert.ok(exchange !== undefined && proxyRes !== undefined);
  await exchange.whenClosed;
  assert.ok(exchange.failure instanceof Error);
  assert.equal(exchange.complete, false);
  assert.equal(proxyRes.destroyed, true);
  assert.ok(counter.bytes < 1024 * 1024);
  await turns(20);
  assert.equal(exchange.closes, 1);
});

// ---- backpressure and toReadable ----

test('with nobody taking the body, about HIGH_WATER_BYTES are held; toReadable then yields all of it', { timeout: 10_000 }, async (t) => {
  const SIZE = 4 * 1024 * 1024;
  const payload = pattern(SIZE);
  const up = await listen(t, (_req, res) => {
    res.writeHead(200, { 'content-length': String(SIZE) });
    res.end(payload);
  });
  const p = pool(t, up.url);
  const exchange = new Probe();
  await exchange.send(p, GET);
  await waitFor(() => exchange.receivedBytes >= HIGH_WATER_BYTES, 'the high-water mark');
  await turns(150);
  assert.ok(exchange.maxChunk > 0);
  assert.ok(
    exchange.receivedBytes <= HIGH_WATER_BYTES + exchange.maxChunk,
    `held ${exchange.receivedBytes} bytes, more than ${HIGH_WATER_BYTES} + one chunk (${exchange.maxChunk})`,
  );
  assert.equal(exchange.complete, false);

  const body = await readAll(exchange.toReadable());
  assert.equal(body.length, SIZE);
  assert.equal(sha(body), sha(payload));
  await exchange.whenClosed;
  assert.equal(exchange.complete, true);
  assert.equal(exchange.closes, 1);
});

test('bodyAsStream turns an exchange into its readable and leaves other bodies alone', async (t) => {
  const up = await listen(t, (_req, res) => res.end('streamed body'));
  const p = pool(t, up.url);
  const exchange = new Probe();
  await exchange.send(p, GET);
  const stream = bodyAsStream(exchange);
  assert.ok(stream instanceof Readable);
  assert.equal((await readAll(stream)).toString(), 'streamed body');
  const buf = Buffer.from('x');
  assert.equal(bodyAsStream(buf), buf);
  assert.equal(bodyAsStream(null), null);
  const r = Readable.from([]);
  assert.equal(bodyAsStream(r), r);
  await exchange.whenClosed;
  assert.equal(exchange.closes, 1);
});

test('destroying the readable early aborts the upstream request; onClose runs once', { timeout: 10_000 }, async (t) => {
  let upstreamClosed!: (finished: boolean) => void;
  const closed = new Promise<boolean>((resolve) => (upstreamClosed = resolve));
  const up = await listen(t, (_req, res) => {
    res.on('close', () => upstreamClosed(res.writableFinished));
    res.writeHead(200);
    // Far more than anyone buffers; the rest only goes once the client reads.
    res.write(Buffer.alloc(256 * 1024, 1));
    const more = (): void => {
      if (res.destroyed) return;
      if (res.write(Buffer.alloc(64 * 1024, 2))) setImmediate(more);
      else res.once('drain', more);
    };
    more();
  });
  const p = pool(t, up.url);
  const exchange = new Probe();
  await exchange.send(p, GET);
  const stream = exchange.toReadable();
  const [first] = (await once(stream, 'data')) as [Buffer];
  assert.ok(first.length > 0);
  stream.destroy();
  assert.equal(await closed, false);
  await exchange.whenClosed;
  assert.ok(exchange.failure instanceof RequestAbortedError);
  assert.equal(exchange.complete, false);
  await turns(20);
  assert.equal(exchange.closes, 1);
});

// ---- dump and destroy ----

test('dump() of a small rest resolves and the pool connection is reused for the next request', { timeout: 10_000 }, async (t) => {
  const ports: number[] = [];
  const up = await listen(t, (req, res) => {
    ports.push(req.socket.remotePort ?? -1);
    if (req.url === '/second') return void res.end('second');
    res.writeHead(200);
    res.write(Buffer.alloc(10 * 1024, 1));
    setTimeout(() => res.end(Buffer.alloc(10 * 1024, 2)), 20);
  });
  const p = pool(t, up.url);
  const exchange = new Probe();
  await exchange.send(p, GET);
  await exchange.body.dump();
  assert.equal(exchange.complete, true);
  assert.equal(exchange.failure, undefined);
  assert.equal(exchange.receivedBytes, 20 * 1024);
  assert.equal(exchange.closes, 1);
  // Nothing to take after a dump.
  assert.equal(exchange.takeComplete(), undefined);
  // A second dump of a closed exchange resolves too.
  await exchange.dump();

  assert.equal(await secondRequest(p), 'second');
  assert.equal(ports.length, 2);
  assert.equal(ports[0], ports[1], 'the second request used the same connection');
});

test('dump() of a rest larger than DUMP_LIMIT_BYTES closes the connection and still resolves', { timeout: 10_000 }, async (t) => {
  const ports: number[] = [];
  const up = await listen(t, (req, res) => {
    ports.push(req.socket.remotePort ?? -1);
    if (req.url === '/second') return void res.end('second');
    const size = DUMP_LIMIT_BYTES * 16;
    res.writeHead(200, { 'content-length': String(size) });
    res.end(Buffer.alloc(size, 3));
  });
  const p = pool(t, up.url);
  const exchange = new Probe();
  await exchange.send(p, GET);
  await exchange.dump();
  assert.equal(exchange.complete, false);
  assert.ok(exchange.failure instanceof Error);
  assert.equal(exchange.closes, 1);
  assert.equal(await secondRequest(p), 'second');
  assert.equal(ports.length, 2);
  assert.notEqual(ports[0], ports[1], 'the dumped connection was closed');
});

test('destroy() on an unfinished body aborts the transfer; onClose runs once', { timeout: 10_000 }, async (t) => {
  let upstreamClosed!: (finished: boolean) => void;
  const closed = new Promise<boolean>((resolve) => (upstreamClosed = resolve));
  const up = await listen(t, (_req, res) => {
    res.on('close', () => upstreamClosed(res.writableFinished));
    res.writeHead(200);
    res.write('the beginning, and nothing more');
  });
  const p = pool(t, up.url);
  const exchange = new Probe();
  await exchange.send(p, GET);
  await waitFor(() => exchange.receivedBytes > 0, 'the first bytes');
  exchange.destroy();
  assert.equal(await closed, false);
  await exchange.whenClosed;
  assert.ok(exchange.failure instanceof RequestAbortedError);
  assert.equal(exchange.takeComplete(), undefined);
  // Destroying again, or aborting, after the close changes nothing.
  exchange.destroy(new Error('again'));
  exchange.abort(new Error('late'));
  await turns(20);
  assert.equal(exchange.closes, 1);
});

// ---- aborts ----

/** An upstream that never answers, telling when a request arrived and when its connection closed. */
async function hangingUpstream(t: TestContext): Promise<{ url: string; seen: string[]; arrived: Promise<void>; closed: Promise<void> }> {
  const seen: string[] = [];
  let arrive!: () => void;
  let close!: () => void;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  const closed = new Promise<void>((resolve) => (close = resolve));
  const up = await listen(t, (req, res) => {
    seen.push(req.url ?? '');
    if (req.url !== '/hang') return void res.end('ok');
    res.on('close', () => close());
    arrive();
  });
  return { url: up.url, seen, arrived, closed };
}

test('an abort handle fired before the head rejects send with the reason and closes the upstream request', { timeout: 10_000 }, async (t) => {
  const up = await hangingUpstream(t);
  const p = pool(t, up.url);
  const handle = new TryAbortHandle();
  const exchange = new Probe();
  const sent = exchange.send(p, { ...GET, path: '/hang' }, handle);
  await up.arrived;
  const reason = new Error('client gone');
  handle.fire(reason);
  await assert.rejects(sent, (err) => err === reason);
  await up.closed;
  await exchange.whenClosed;
  await turns(20);
  assert.equal(exchange.closes, 1);
});

test('an already-aborted handle rejects at once and the upstream never sees the request', async (t) => {
  const up = await hangingUpstream(t);
  const p = pool(t, up.url);
  const handle = new TryAbortHandle();
  const reason = new Error('aborted earlier');
  handle.fire(reason);
  const exchange = new Probe();
  await assert.rejects(exchange.send(p, { ...GET, path: '/never' }, handle), (err) => err === reason);
  assert.equal(exchange.closes, 1);
  // A request after it goes through the same pool; only that one reaches the upstream.
  const next = new Probe();
  await next.send(p, { ...GET, path: '/after' });
  await next.whenClosed;
  assert.deepEqual(up.seen, ['/after']);
});

test('signalHandle(AbortSignal) aborts like the listener\'s handle, before and after dispatch', { timeout: 10_000 }, async (t) => {
  const up = await hangingUpstream(t);
  const p = pool(t, up.url);

  const early = new AbortController();
  const earlyReason = new Error('early');
  early.abort(earlyReason);
  const handle = signalHandle(early.signal);
  assert.equal(handle.aborted, true);
  assert.equal(handle.reason, earlyReason);
  const first = new Probe();
  await assert.rejects(first.send(p, { ...GET, path: '/never' }, handle), (err) => err === earlyReason);
  assert.equal(first.closes, 1);

  const controller = new AbortController();
  const second = new Probe();
  const sent = second.send(p, { ...GET, path: '/hang' }, signalHandle(controller.signal));
  await up.arrived;
  const reason = new Error('late');
  controller.abort(reason);
  await assert.rejects(sent, (err) => err === reason);
  await up.closed;
  await second.whenClosed;
  await turns(20);
  assert.equal(second.closes, 1);
  assert.deepEqual(up.seen, ['/hang']);
});

test('an abort while the request waits in the pool queue rejects at once; the upstream never sees it; onClose runs once', { timeout: 10_000 }, async (t) => {
  const up = await hangingUpstream(t);
  const p = pool(t, up.url, 1);
  const blockerHandle = new TryAbortHandle();
  const blocker = new Probe();
  const blocked = blocker.send(p, { ...GET, path: '/hang' }, blockerHandle);
  await up.arrived;

  const queuedHandle = new TryAbortHandle();
  const queued = new Probe();
  const sent = queued.send(p, { ...GET, path: '/queued' }, queuedHandle);
  const reason = new Error('gave up waiting');
  queuedHandle.fire(reason);
  await assert.rejects(sent, (err) => err === reason);

  // Free the only connection; the queued request reaches undici and is dropped there.
  blockerHandle.fire(new Error('release'));
  await assert.rejects(blocked);
  await queued.whenClosed;
  await blocker.whenClosed;
  const next = new Probe();
  await next.send(p, { ...GET, path: '/after' });
  await next.whenClosed;
  assert.deepEqual(up.seen, ['/hang', '/after']);
  await turns(20);
  assert.equal(queued.closes, 1);
  assert.equal(blocker.closes, 1);
});

test('a non-Error abort reason after dispatch becomes a RequestAbortedError', { timeout: 10_000 }, async (t) => {
  const up = await hangingUpstream(t);
  const p = pool(t, up.url);
  const handle = new TryAbortHandle();
  const exchange = new Probe();
  const sent = exchange.send(p, { ...GET, path: '/hang' }, handle);
  await up.arrived;
  handle.fire('just a string');
  await assert.rejects(sent, (err: Error) => err instanceof RequestAbortedError && err.message === 'just a string' && err.code === 'UND_ERR_ABORTED');
  await exchange.whenClosed;
  assert.equal(exchange.closes, 1);
});

test('an abort after the head fails the body being held', { timeout: 10_000 }, async (t) => {
  const up = await listen(t, (_req, res) => {
    res.writeHead(200);
    res.write('partial');
  });
  const p = pool(t, up.url);
  const handle = new TryAbortHandle();
  const exchange = new Probe();
  await exchange.send(p, GET, handle);
  await waitFor(() => exchange.receivedBytes === 7, 'the partial body');
  const reason = new Error('client left');
  handle.fire(reason);
  await exchange.whenClosed;
  assert.equal(exchange.failure, reason);
  const stream = exchange.toReadable();
  await assert.rejects(readAll(stream), (err) => err === reason);
  assert.equal(exchange.closes, 1);
});

// ---- informational answers ----

test('a 103 Early Hints before the 200 is ignored: send resolves with the final head', { timeout: 10_000 }, async (t) => {
  let sendFinal!: () => void;
  const up = await listen(t, (_req, res) => {
    res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
    sendFinal = () => {
      res.setHeader('content-type', 'text/plain');
      res.end('final');
    };
  });
  const p = pool(t, up.url);
  const heads: number[] = [];
  const exchange = new (class extends Probe {
    override onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
      heads.push(statusCode);
      return super.onHeaders(statusCode, rawHeaders, resume);
    }
  })();
  // What send resolved with, read when it resolved (not after the final head overwrote it).
  const settled = exchange.send(p, GET).then((x) => ({ status: x.statusCode, headers: { ...x.headers } }));
  await waitFor(() => heads.length === 1, 'the 103');
  assert.deepEqual(heads, [103]);
  sendFinal();
  const head = await settled;
  assert.deepEqual(heads, [103, 200]);
  assert.equal(head.status, 200);
  assert.equal(head.headers.link, undefined);
  assert.equal(head.headers['content-type'], 'text/plain');
  await exchange.whenClosed;
  assert.equal(exchange.takeComplete()?.toString(), 'final');
  assert.equal(exchange.closes, 1);
});
