import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createDnsProvider, type DnsTarget } from '../src/discovery/dns-provider.js';
import { createManualClock } from '../src/health/manual-clock.js';
import type { Scheduler } from '../src/health/clock.js';
import type { Endpoint } from '../src/service/types.js';

type Zone = {
  A?: Record<string, { address: string; ttl: number }[]>;
  AAAA?: Record<string, { address: string; ttl: number }[]>;
  SRV?: Record<string, { priority: number; weight: number; port: number; target: string; ttl: number }[]>;
};

/** A minimal authoritative DNS server on UDP port 0: A, AAAA and SRV answers, NXDOMAIN, SERVFAIL. */
async function startDnsServer(t: TestContext, zone: Zone) {
  const state = { zone, servfail: false, queries: 0 };
  const socket = createSocket('udp4');
  const encodeName = (name: string) => Buffer.concat([...name.split('.').filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
  socket.on('message', (msg, rinfo) => {
    state.queries++;
    const labels: string[] = [];
    let off = 12;
    while (msg[off] !== 0) {
      const len = msg[off]!;
      labels.push(msg.subarray(off + 1, off + 1 + len).toString());
      off += len + 1;
    }
    const qtype = msg.readUInt16BE(off + 1);
    const questionEnd = off + 5;
    const name = labels.join('.').toLowerCase();
    const answers: Buffer[] = [];
    let rcode = 0;
    const rr = (type: number, ttl: number, rdata: Buffer) => {
      const head = Buffer.alloc(12);
      head.writeUInt16BE(0xc00c, 0); // pointer to the question name
      head.writeUInt16BE(type, 2);
      head.writeUInt16BE(1, 4);
      head.writeUInt32BE(ttl, 6);
      head.writeUInt16BE(rdata.length, 10);
      answers.push(head, rdata);
    };
    const known = [state.zone.A, state.zone.AAAA, state.zone.SRV].some((z) => z && name in z);
    if (state.servfail) rcode = 2;
    else if (!known) rcode = 3;
    else if (qtype === 1) for (const r of state.zone.A?.[name] ?? []) rr(1, r.ttl, Buffer.from(r.address.split('.').map(Number)));
    else if (qtype === 28)
      for (const r of state.zone.AAAA?.[name] ?? []) {
        const groups = r.address === '::1' ? [0, 0, 0, 0, 0, 0, 0, 1] : r.address.split(':').map((g) => parseInt(g, 16));
        const b = Buffer.alloc(16);
        groups.forEach((g, i) => b.writeUInt16BE(g, i * 2));
        rr(28, r.ttl, b);
      }
    else if (qtype === 33)
      for (const r of state.zone.SRV?.[name] ?? []) {
        const fixed = Buffer.alloc(6);
        fixed.writeUInt16BE(r.priority, 0);
        fixed.writeUInt16BE(r.weight, 2);
        fixed.writeUInt16BE(r.port, 4);
        rr(33, r.ttl, Buffer.concat([fixed, encodeName(r.target)]));
      }
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8180 | rcode, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length / 2, 6);
    socket.send(Buffer.concat([header, msg.subarray(12, questionEnd), ...answers]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return { state, server: `127.0.0.1:${socket.address().port}` };
}

function recording(inner: Scheduler) {
  const delays: number[] = [];
  return { delays, scheduler: { setTimeout: (fn: () => void, ms: number) => (delays.push(ms), inner.setTimeout(fn, ms)), clearTimeout: inner.clearTimeout } };
}

async function setup(t: TestContext, zone: Zone, targets: Record<string, DnsTarget>, config = {}) {
  const dns = await startDnsServer(t, zone);
  const clock = createManualClock();
  const rec = recording(clock.scheduler);
  const states: string[] = [];
  const provider = createDnsProvider({ config: { servers: [dns.server], minRefreshMs: 1000, maxRefreshMs: 30_000, queryTimeoutMs: 500, queryTries: 1, ...config }, targets, clock: clock.now, scheduler: rec.scheduler, onStateChange: (_s, st) => states.push(st) });
  t.after(() => provider.close());
  const lists = new Map<string, (readonly Endpoint[])[]>();
  const subscribe = (service: string) => {
    lists.set(service, []);
    provider.subscribe(service, (e) => lists.get(service)!.push(e));
  };
  const last = (service: string) => lists.get(service)!.at(-1)?.map((e) => `${e.origin}/${e.weight}`).join(',');
  /** Waits (bounded) for the next refresh to be scheduled, i.e. a resolution finished. */
  const settled = async (n: number) => {
    for (let i = 0; i < 5000 && rec.delays.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 2));
    assert.ok(rec.delays.length >= n, 'resolution did not finish');
  };
  return { dns, clock, rec, states, provider, subscribe, last, settled, lists };
}

test('dns A: one endpoint per address on the configured port; re-resolved on the TTL', async (t) => {
  const zone: Zone = { A: { 'orders.test': [{ address: '10.1.0.1', ttl: 7 }, { address: '10.1.0.2', ttl: 5 }] } };
  const s = await setup(t, zone, { orders: { name: 'orders.test', type: 'A', port: 8080 } });
  s.subscribe('orders');
  await s.settled(1);
  assert.equal(s.last('orders'), 'http://10.1.0.1:8080/1,http://10.1.0.2:8080/1');
  // The smallest TTL (5 s) sets the next refresh.
  assert.equal(s.rec.delays[0], 5000);
  zone.A!['orders.test'] = [{ address: '10.1.0.2', ttl: 5 }, { address: '10.1.0.3', ttl: 5 }];
  s.clock.advance(4999);
  assert.equal(s.rec.delays.length, 1);
  s.clock.advance(1);
  await s.settled(2);
  assert.equal(s.last('orders'), 'http://10.1.0.2:8080/1,http://10.1.0.3:8080/1');
  assert.equal(s.provider.stalenessMs('orders'), 0);
});

const boundCases = [
  { ttl: 0, want: 1000, name: 'TTL 0 is raised to minRefreshMs' },
  { ttl: 3600, want: 30_000, name: 'TTL of an hour is lowered to maxRefreshMs' },
  { ttl: 12, want: 12_000, name: 'TTL within bounds is used as is' },
];
for (const c of boundCases) {
  test(`dns refresh bounds: ${c.name}`, async (t) => {
    const s = await setup(t, { A: { 'x.test': [{ address: '10.0.0.9', ttl: c.ttl }] } }, { x: { name: 'x.test', type: 'A', port: 80 } });
    s.subscribe('x');
    await s.settled(1);
    assert.equal(s.rec.delays[0], c.want);
    assert.equal(s.last('x'), 'http://10.0.0.9/1');
  });
}

test('dns AAAA: IPv6 origins in brackets', async (t) => {
  const s = await setup(t, { AAAA: { 'v6.test': [{ address: '::1', ttl: 30 }] } }, { v6: { name: 'v6.test', type: 'AAAA', port: 9000 } });
  s.subscribe('v6');
  await s.settled(1);
  assert.equal(s.last('v6'), 'http://[::1]:9000/1');
});

test('dns SRV: lowest priority only, record ports and weights, targets resolved to addresses', async (t) => {
  const zone: Zone = {
    SRV: {
      '_http._tcp.orders.test': [
        { priority: 10, weight: 3, port: 8001, target: 'a.orders.test', ttl: 60 },
        { priority: 10, weight: 1, port: 8002, target: 'b.orders.test', ttl: 60 },
        { priority: 20, weight: 5, port: 8003, target: 'c.orders.test', ttl: 60 },
      ],
    },
    A: { 'a.orders.test': [{ address: '10.2.0.1', ttl: 9 }], 'b.orders.test': [{ address: '10.2.0.2', ttl: 20 }], 'c.orders.test': [{ address: '10.2.0.3', ttl: 20 }] },
  };
  const s = await setup(t, zone, { orders: { name: '_http._tcp.orders.test', type: 'SRV' } });
  s.subscribe('orders');
  await s.settled(1);
  assert.equal(s.last('orders'), 'http://10.2.0.1:8001/3,http://10.2.0.2:8002/1');
  assert.equal(s.rec.delays[0], 9000);
});

test('dns failure (SERVFAIL): last known endpoints kept, staleness grows, current again on recovery', async (t) => {
  const s = await setup(t, { A: { 'orders.test': [{ address: '10.3.0.1', ttl: 2 }] } }, { orders: { name: 'orders.test', type: 'A', port: 80 } });
  s.subscribe('orders');
  await s.settled(1);
  assert.equal(s.last('orders'), 'http://10.3.0.1/1');
  s.dns.state.servfail = true;
  s.clock.advance(2000);
  await s.settled(2);
  assert.deepEqual(s.states, ['stale']);
  assert.equal(s.lists.get('orders')!.length, 1, 'nothing published on failure');
  assert.equal(s.provider.stalenessMs('orders'), 0 + 2000);
  // Failing names are retried every minRefreshMs; staleness counts from the last success.
  s.clock.advance(1000);
  await s.settled(3);
  assert.equal(s.provider.stalenessMs('orders'), 3000);
  s.dns.state.servfail = false;
  s.clock.advance(1000);
  await s.settled(4);
  assert.deepEqual(s.states, ['stale', 'current']);
  assert.equal(s.provider.stalenessMs('orders'), 0);
  assert.equal(s.last('orders'), 'http://10.3.0.1/1');
});

test('dns NXDOMAIN is an answer: the list becomes empty and is current', async (t) => {
  const zone: Zone = { A: { 'gone.test': [{ address: '10.4.0.1', ttl: 1 }] } };
  const s = await setup(t, zone, { gone: { name: 'gone.test', type: 'A', port: 80 } });
  s.subscribe('gone');
  await s.settled(1);
  delete zone.A!['gone.test'];
  s.clock.advance(1000);
  await s.settled(2);
  assert.equal(s.last('gone'), '');
  assert.equal(s.provider.stalenessMs('gone'), 0);
  assert.deepEqual(s.states, []);
});

test('dns never answering: stale from subscription, no endpoints; services without a target are ignored', async (t) => {
  const s = await setup(t, { A: {} }, { orders: { name: 'orders.test', type: 'A', port: 80 } });
  s.dns.state.servfail = true;
  s.subscribe('orders');
  s.subscribe('other');
  await s.settled(1);
  s.clock.advance(500);
  assert.equal(s.provider.stalenessMs('orders'), 500);
  assert.equal(s.lists.get('orders')!.length, 0);
  assert.equal(s.provider.stalenessMs('other'), 0);
});
