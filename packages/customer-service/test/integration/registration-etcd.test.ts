import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { Etcd3 } from 'etcd3';
import { spawnTs } from '../support/processes.js';

const ETCD_URL = process.env.ETCD_URL ?? 'http://127.0.0.1:2379';

const isLog = (msg: string) => (line: string) => {
  try {
    return JSON.parse(line).msg === msg;
  } catch {
    return false;
  }
};

/** A unique prefix per test, deleted afterwards, and a client to look at it. */
function testPrefix(t: TestContext): { prefix: string; admin: Etcd3 } {
  const prefix = `/portero-test/${randomUUID()}/services/`;
  const admin = new Etcd3({ hosts: ETCD_URL });
  t.after(async () => {
    await admin.delete().prefix(prefix).exec();
    admin.close();
  });
  return { prefix, admin };
}

/** Polls (bounded) until `check` holds: lease expiry happens on etcd's clock, not ours. */
async function eventually(check: () => Promise<boolean>, what: string, limitMs = 20_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > until) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function startInstance(t: TestContext, prefix: string, ttlSeconds: number) {
  return spawnTs(t, 'src/main.ts', {
    PORT: '0',
    HOST: '127.0.0.1',
    SQLITE_PATH: ':memory:',
    DATABASE_URL: '',
    LOG_LEVEL: 'info',
    REGISTRY: 'etcd',
    ETCD_URL,
    ETCD_PREFIX: prefix,
    REGISTRY_TTL_SECONDS: String(ttlSeconds),
  });
}

test('REGISTRY=etcd: the instance is put under the prefix with a lease; SIGTERM revokes it, so the key is gone before the process exits', async (t) => {
  const { prefix, admin } = testPrefix(t);
  // A long lease: only the revocation on SIGTERM can remove the key within this test.
  const child = startInstance(t, prefix, 60);
  const url = JSON.parse(await child.waitForLine(isLog('listening'))).url as string;
  await child.waitForLine(isLog('registered'));
  const key = `${prefix}customers/127.0.0.1-${new URL(url).port}`;

  const response = await admin.get(key).exec();
  assert.equal(response.kvs.length, 1);
  assert.deepEqual(JSON.parse(response.kvs[0]!.value.toString('utf8')), { url, weight: 1 });
  const lease = response.kvs[0]!.lease;
  assert.notEqual(lease, '0');
  const ttl = await admin.leaseClient.leaseTimeToLive({ ID: lease });
  assert.equal(Number(ttl.grantedTTL), 60);
  assert.deepEqual(await admin.getAll().prefix(prefix).keys(), [key]);

  child.process.kill('SIGTERM');
  assert.equal(await child.exited, 0);
  assert.equal(await admin.get(key).string(), null);
  const order = child.lines.map((l) => JSON.parse(l).msg).filter((m) => ['shutting down', 'deregistered', 'stopped'].includes(m));
  assert.deepEqual(order, ['shutting down', 'deregistered', 'stopped']);
});

test('REGISTRY=etcd: after SIGKILL the key disappears once its lease expires', async (t) => {
  const { prefix, admin } = testPrefix(t);
  const child = startInstance(t, prefix, 3);
  await child.waitForLine(isLog('registered'));
  const keys = await admin.getAll().prefix(`${prefix}customers/`).keys();
  assert.equal(keys.length, 1);

  child.process.kill('SIGKILL');
  await child.exited;
  // Nobody revoked the lease: the key is still there right after the kill (keep-alives run every
  // third of the lease, so at least 2 s of it were left)...
  assert.notEqual(await admin.get(keys[0]!).string(), null);
  // ...and etcd removes it when the 3 s lease runs out without keep-alives.
  await eventually(async () => (await admin.get(keys[0]!).string()) === null, 'the key to expire with its lease');
});
