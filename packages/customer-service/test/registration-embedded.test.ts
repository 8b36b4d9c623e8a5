import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import Fastify from 'fastify';
// The real registry and its admin API, as the gateway mounts them on its admin listener.
import { createEmbeddedRegistry } from '@portero/gateway/embedded-registry';
import { createRegistryAdminPlugin } from '@portero/gateway/registry-admin-plugin';
import { spawnTs } from './support/processes.js';

const TOKEN = 'registration-token-for-tests';

const isLog = (msg: string) => (line: string) => {
  try {
    return JSON.parse(line).msg === msg;
  } catch {
    return false;
  }
};

/** A gateway stand-in: the embedded registry's admin API on port 0, with a hook that sees every call first. */
async function startRegistry(t: TestContext, onCall: (method: string, url: string) => Promise<number | undefined>) {
  const registry = createEmbeddedRegistry();
  const app = Fastify();
  app.addHook('onRequest', async (request, reply) => {
    const status = await onCall(request.method, request.url);
    if (status !== undefined) return reply.code(status).send({ error: { code: 'TEST_UNAVAILABLE', message: 'not yet' } });
  });
  await app.register(createRegistryAdminPlugin({ registry, token: TOKEN }));
  const origin = await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(async () => {
    await app.close();
    await registry.close?.();
  });
  return { registry, origin };
}

const serviceEnv = (registryUrl: string): Record<string, string> => ({
  PORT: '0',
  HOST: '127.0.0.1',
  SQLITE_PATH: ':memory:',
  DATABASE_URL: '',
  LOG_LEVEL: 'info',
  REGISTRY: 'embedded',
  REGISTRY_URL: registryUrl,
  REGISTRY_TOKEN: TOKEN,
  REGISTRY_TTL_SECONDS: '2',
  REGISTRY_RETRY_INITIAL_MS: '20',
  REGISTRY_RETRY_MAX_MS: '100',
});

test('REGISTRY=embedded: registers its real port, heartbeats, and on SIGTERM is deregistered while it still answers, then exits 0', async (t) => {
  let instanceUrl = '';
  let firstHeartbeat!: () => void;
  const heartbeat = new Promise<void>((resolve) => (firstHeartbeat = resolve));
  const atDelete: { live: number; ready: number }[] = [];
  const { registry, origin } = await startRegistry(t, async (method, url) => {
    if (method === 'PUT' && url.endsWith('/heartbeat')) firstHeartbeat();
    if (method === 'DELETE') {
      // The instance waits for this answer before it drains: it must still serve (and still be ready).
      const [live, ready] = await Promise.all([fetch(`${instanceUrl}/health/live`), fetch(`${instanceUrl}/health/ready`)]);
      atDelete.push({ live: live.status, ready: ready.status });
    }
    return undefined;
  });

  const child = spawnTs(t, 'src/main.ts', serviceEnv(origin));
  instanceUrl = JSON.parse(await child.waitForLine(isLog('listening'))).url;
  assert.notEqual(new URL(instanceUrl).port, '0');
  const registered = JSON.parse(await child.waitForLine(isLog('registered')));
  assert.equal(registered.url, instanceUrl);
  assert.equal(registered.registry, 'embedded');

  const instances = registry.instances('customers');
  assert.deepEqual(
    instances.map((i) => [i.id, i.origin, i.ttlSeconds]),
    [[`127.0.0.1-${new URL(instanceUrl).port}`, instanceUrl, 2]],
  );
  const listed = (await (await fetch(`${origin}/registry/services/customers/instances`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { instances: { url: string }[] };
  assert.deepEqual(listed.instances.map((i) => i.url), [instanceUrl]);
  await heartbeat;

  child.process.kill('SIGTERM');
  assert.equal(await child.exited, 0);
  assert.deepEqual(atDelete, [{ live: 200, ready: 200 }]);
  assert.deepEqual(registry.instances('customers'), []);
  const order = child.lines.map((l) => JSON.parse(l).msg).filter((m) => ['shutting down', 'deregistered', 'stopped'].includes(m));
  assert.deepEqual(order, ['shutting down', 'deregistered', 'stopped']);
  await assert.rejects(fetch(`${instanceUrl}/health/live`));
});

test('REGISTRY=embedded: an unavailable registry does not stop the service; registration is retried until it succeeds', async (t) => {
  let available = false;
  let failures = 0;
  const { registry, origin } = await startRegistry(t, async (method) => {
    if (method === 'POST' && !available) {
      failures++;
      return 503;
    }
    return undefined;
  });
  const child = spawnTs(t, 'src/main.ts', { ...serviceEnv(origin), SERVICE_NAME: 'customers-eu', INSTANCE_ID: 'node-a' });
  const instanceUrl = JSON.parse(await child.waitForLine(isLog('listening'))).url;
  const failed = JSON.parse(await child.waitForLine(isLog('registration failed; retrying')));
  assert.equal(failed.retryInMs, 20);

  // Not registered, yet serving.
  assert.equal((await fetch(`${instanceUrl}/customers`)).status, 200);
  assert.deepEqual(registry.instances('customers-eu'), []);

  available = true;
  await child.waitForLine(isLog('registered'));
  assert.ok(failures >= 1);
  assert.deepEqual(
    registry.instances('customers-eu').map((i) => [i.id, i.origin]),
    [['node-a', instanceUrl]],
  );
  // Retries back off: the delays asked for double up to REGISTRY_RETRY_MAX_MS.
  const delays = child.lines.filter(isLog('registration failed; retrying')).map((l) => JSON.parse(l).retryInMs);
  assert.deepEqual(
    delays,
    delays.map((_, i) => Math.min(20 * 2 ** i, 100)),
  );

  child.process.kill('SIGTERM');
  assert.equal(await child.exited, 0);
  assert.deepEqual(registry.instances('customers-eu'), []);
});
