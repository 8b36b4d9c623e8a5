import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../src/storage/memory-adapter.js';

test('memory adapter: upsert, find, consume, destroy, indexes and TTL with an injected clock', async () => {
  let now = 1_000_000;
  const store = createMemoryStore({ maxEntries: 100, clock: () => now });
  const sessions = store.factory('Session');
  await sessions.upsert('s1', { uid: 'u1', accountId: 'alice' }, 60);
  assert.equal((await sessions.findByUid('u1'))?.accountId, 'alice');
  assert.equal((await sessions.find('s1'))?.accountId, 'alice');

  const codes = store.factory('AuthorizationCode');
  await codes.upsert('c1', { grantId: 'g1', clientId: 'demo-web' }, 60);
  await codes.consume('c1');
  assert.equal((await codes.find('c1'))?.consumed, Math.floor(now / 1000));

  now += 60_000;
  assert.equal(await sessions.find('s1'), undefined, 'expired');
  assert.equal(await sessions.findByUid('u1'), undefined);

  await sessions.upsert('s2', { uid: 'u2' });
  await sessions.destroy('s2');
  assert.equal(await sessions.find('s2'), undefined);
  assert.equal(await sessions.findByUid('u2'), undefined);
  assert.equal(await store.factory('DeviceCode').findByUserCode('nope'), undefined);
});

test('memory adapter: revokeByGrantId destroys every token of the grant and nothing else', async () => {
  const store = createMemoryStore({ maxEntries: 100 });
  const access = store.factory('AccessToken');
  const refresh = store.factory('RefreshToken');
  await access.upsert('a1', { grantId: 'g1' }, 60);
  await refresh.upsert('r1', { grantId: 'g1' }, 3600);
  await access.upsert('a2', { grantId: 'g2' }, 60);
  await refresh.revokeByGrantId('g1');
  assert.equal(await access.find('a1'), undefined);
  assert.equal(await refresh.find('r1'), undefined);
  assert.ok(await access.find('a2'));
});

test('memory adapter: at most maxEntries entries, the oldest evicted first', async () => {
  const store = createMemoryStore({ maxEntries: 10 });
  const interactions = store.factory('Interaction');
  for (let i = 0; i < 15; i++) await interactions.upsert(`i${i}`, { n: i } as never, 600);
  assert.equal(store.size(), 10);
  assert.equal(await interactions.find('i0'), undefined);
  assert.equal(await interactions.find('i4'), undefined);
  assert.ok(await interactions.find('i5'));
  assert.ok(await interactions.find('i14'));
});
