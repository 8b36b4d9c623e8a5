import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Etcd3 } from 'etcd3';
import { createEtcdProvider, parseInstanceValue } from '../../src/discovery/etcd-provider.js';
import { registerEtcdInstance } from '../../src/discovery/etcd-registration.js';
import { createManualClock } from '../../src/health/manual-clock.js';
import type { Endpoint } from '../../src/service/types.js';

let ETCD_URL = process.env.ETCD_URL ?? 'http://127.0.0.1:2379';
let etcdTarget = new URL(ETCD_URL);

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
    return ((await res.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

// CI starts etcd with scripts/etcd-ci.sh; when none answers at ETCD_URL, this file starts its own
// (the etcd binary from Debian's etcd-server) on free ports and removes it afterwards.
let ownEtcd: { child: ChildProcess; dataDir: string } | undefined;
before(async () => {
  if (await healthy(ETCD_URL)) return;
  const [client, peer] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'portero-etcd-test-'));
  const url = `http://127.0.0.1:${client}`;
  const child = spawn('etcd', ['--name', 'portero-test', '--data-dir', dataDir, '--listen-client-urls', url, '--advertise-client-urls', url, '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`, '--initial-cluster', `portero-test=http://127.0.0.1:${peer}`], { stdio: 'ignore' });
  ownEtcd = { child, dataDir };
  const spawnError = new Promise<never>((_resolve, reject) => child.once('error', (err) => reject(new Error(`no etcd at ${ETCD_URL} and none could be started (install etcd-server): ${err.message}`))));
  const until = Date.now() + 30_000;
  while (!(await Promise.race([healthy(url), spawnError]))) {
    if (Date.now() > until) throw new Error('the etcd started for the test did not become healthy');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  ETCD_URL = url;
  etcdTarget = new URL(url);
});
after(async () => {
  if (!ownEtcd) return;
  const { child, dataDir } = ownEtcd;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
  rmSync(dataDir, { recursive: true, force: true });
});

/** A unique prefix per run, deleted afterwards. */
async function testPrefix(t: TestContext): Promise<{ prefix: string; admin: Etcd3 }> {
  const prefix = `/portero-test/${randomUUID()}/services/`;
  const admin = new Etcd3({ hosts: ETCD_URL });
  t.after(async () => {
    await admin.delete().prefix(prefix.replace(/services\/$/, '')).exec();
    admin.close();
  });
  return { prefix, admin };
}

/** Waits (bounded) until `check` holds; the watch delivers asynchronously. */
async function eventually(check: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > until) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function watch(provider: ReturnType<typeof createEtcdProvider>, service: string) {
  const lists: (readonly Endpoint[])[] = [];
  const off = provider.subscribe(service, (e) => lists.push(e));
  return { lists, last: () => lists.at(-1)?.map((e) => `${e.id}=${e.origin}/${e.weight}`).join(',') ?? '(none)', off };
}

test('etcd: instances registered with leases appear, change and disappear', async (t) => {
  const { prefix, admin } = await testPrefix(t);
  const provider = createEtcdProvider({ config: { hosts: [ETCD_URL], prefix } });
  t.after(() => provider.close());
  const orders = watch(provider, 'orders');
  await eventually(() => orders.lists.length > 0, 'initial empty list');
  assert.equal(orders.last(), '');

  const a = await registerEtcdInstance({ hosts: [ETCD_URL], prefix, service: 'orders', id: 'a', url: 'http://127.0.0.1:3001', weight: 2, ttlSeconds: 5 });
  t.after(() => a.close());
  await eventually(() => orders.last() === 'a=http://127.0.0.1:3001/2', 'a appears');

  // A value written by hand (not JSON) is ignored; another service's key is not ours.
  await admin.put(`${prefix}orders/bad`).value('not json');
  await admin.put(`${prefix}users/u1`).value(JSON.stringify({ url: 'http://127.0.0.1:4000' }));
  const b = await registerEtcdInstance({ hosts: [ETCD_URL], prefix, service: 'orders', id: 'b', url: 'http://127.0.0.1:3002', ttlSeconds: 5 });
  await eventually(() => orders.last() === 'a=http://127.0.0.1:3001/2,b=http://127.0.0.1:3002/1', 'b appears');
  assert.equal(provider.stalenessMs('orders'), 0);

  // Deregistration (lease revoked) removes the key at once.
  await b.close();
  await eventually(() => orders.last() === 'a=http://127.0.0.1:3001/2', 'b leaves');
});

test('etcd: a service whose keys exist before the gateway subscribes is loaded whole', async (t) => {
  const { prefix, admin } = await testPrefix(t);
  await admin.put(`${prefix}catalog/x`).value(JSON.stringify({ url: 'http://127.0.0.1:5001', weight: 3 }));
  await admin.put(`${prefix}catalog/y`).value(JSON.stringify({ url: 'http://127.0.0.1:5002' }));
  const provider = createEtcdProvider({ config: { hosts: [ETCD_URL], prefix } });
  t.after(() => provider.close());
  const catalog = watch(provider, 'catalog');
  await eventually(() => catalog.last() === 'x=http://127.0.0.1:5001/3,y=http://127.0.0.1:5002/1', 'both loaded');
});

test('etcd: two providers (as two gateways would) see the same instances', async (t) => {
  const { prefix } = await testPrefix(t);
  const g1 = createEtcdProvider({ config: { hosts: [ETCD_URL], prefix } });
  const g2 = createEtcdProvider({ config: { hosts: [ETCD_URL], prefix } });
  t.after(() => Promise.all([g1.close(), g2.close()]));
  const w1 = watch(g1, 'orders');
  const w2 = watch(g2, 'orders');
  const regs = await Promise.all(
    ['i1', 'i2', 'i3'].map((id, n) => registerEtcdInstance({ hosts: [ETCD_URL], prefix, service: 'orders', id, url: `http://127.0.0.1:${6001 + n}`, ttlSeconds: 5 })),
  );
  t.after(() => Promise.all(regs.map((r) => r.close())));
  const want = 'i1=http://127.0.0.1:6001/1,i2=http://127.0.0.1:6002/1,i3=http://127.0.0.1:6003/1';
  await eventually(() => w1.last() === want && w2.last() === want, 'both gateways see all three');
  await regs[1]!.close();
  const after = 'i1=http://127.0.0.1:6001/1,i3=http://127.0.0.1:6003/1';
  await eventually(() => w1.last() === after && w2.last() === after, 'both gateways see i2 leave');
});

/** A TCP relay in front of etcd that the test can cut, to make etcd unreachable for one client only. */
async function startRelay(t: TestContext) {
  const sockets = new Set<Socket>();
  let accepting = true;
  const server = createServer((client) => {
    if (!accepting) return client.destroy();
    const upstream = connect(Number(etcdTarget.port || 2379), etcdTarget.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cut = () => {
    accepting = false;
    for (const s of sockets) s.destroy();
  };
  t.after(async () => {
    cut();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, cut, restore: () => void (accepting = true) };
}

test('etcd unreachable → last known endpoints kept, staleness grows; back when etcd returns', async (t) => {
  const { prefix } = await testPrefix(t);
  const relay = await startRelay(t);
  const clock = createManualClock();
  const states: string[] = [];
  const provider = createEtcdProvider({ config: { hosts: [relay.url], prefix, retryMs: 200 }, clock: clock.now, onStateChange: (_s, state) => states.push(state) });
  t.after(() => provider.close());
  const reg = await registerEtcdInstance({ hosts: [ETCD_URL], prefix, service: 'orders', id: 'a', url: 'http://127.0.0.1:7001', ttlSeconds: 30 });
  t.after(() => reg.close());
  const orders = watch(provider, 'orders');
  await eventually(() => orders.last() === 'a=http://127.0.0.1:7001/1', 'a appears');
  assert.equal(provider.stalenessMs('orders'), 0);

  relay.cut();
  await eventually(() => states.includes('stale'), 'the provider notices etcd is gone');
  const listsBefore = orders.lists.length;
  clock.advance(5000);
  assert.equal(provider.stalenessMs('orders'), 5000);
  clock.advance(3000);
  assert.equal(provider.stalenessMs('orders'), 8000);
  // Nothing was published while etcd was gone: the last known list keeps serving.
  assert.equal(orders.lists.length, listsBefore);
  assert.equal(orders.last(), 'a=http://127.0.0.1:7001/1');

  relay.restore();
  await eventually(() => provider.stalenessMs('orders') === 0, 'current again after reconnect', 60_000);
  assert.deepEqual(states.slice(-2), ['stale', 'current']);
});

test('etcd never reachable: no endpoints, stale from the moment of subscription', async (t) => {
  const relay = await startRelay(t);
  relay.cut();
  const clock = createManualClock();
  const states: string[] = [];
  const provider = createEtcdProvider({ config: { hosts: [relay.url], prefix: `/portero-test/${randomUUID()}/`, retryMs: 100, dialTimeoutMs: 500, callTimeoutMs: 500 }, clock: clock.now, onStateChange: (_s, state) => states.push(state) });
  t.after(() => provider.close());
  const orders = watch(provider, 'orders');
  clock.advance(2500);
  assert.equal(provider.stalenessMs('orders'), 2500);
  assert.equal(orders.lists.length, 0);
  assert.equal(states.includes('current'), false);
});

const valueCases = [
  { value: '{"url":"http://10.0.0.1:80","weight":5}', want: { id: 'i', origin: 'http://10.0.0.1', weight: 5 } },
  { value: '{"url":"http://10.0.0.1:81"}', want: { id: 'i', origin: 'http://10.0.0.1:81', weight: 1 } },
  { value: '{"url":"http://10.0.0.1:81","weight":0}', want: { id: 'i', origin: 'http://10.0.0.1:81', weight: 1 } },
  { value: '{"url":"http://10.0.0.1:81/path"}', want: undefined },
  { value: '{"weight":2}', want: undefined },
  { value: 'garbage', want: undefined },
];
for (const c of valueCases) {
  test(`etcd value ${c.value} → ${JSON.stringify(c.want)}`, () => assert.deepEqual(parseInstanceValue('i', c.value), c.want));
}
