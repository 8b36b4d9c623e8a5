import type { Redis } from 'ioredis';
import { GRANTABLE_MODELS, type AdapterPayload, type StorageAdapterFactory } from './adapter.js';

/**
 * Redis storage shared by several auth server instances. Layout under `keyPrefix`:
 * - `<model>:<id>`: hash { payload: JSON, consumed?: epoch seconds }, expiring with the instance;
 *   consuming sets one field, so it never races a concurrent upsert of the payload.
 * - `grant:<grantId>`: list of the model keys a grant owns, expiring with the longest of them.
 * - `sessionUid:<uid>`, `userCode:<code>`: secondary indexes holding the id.
 */
const CONSUME_SCRIPT = "if redis.call('exists', KEYS[1]) == 1 then return redis.call('hset', KEYS[1], 'consumed', ARGV[1]) end return 0";

export function createRedisAdapterFactory(redis: Redis, keyPrefix: string): StorageAdapterFactory {
  return (model) => {
    const key = (id: string) => `${keyPrefix}${model}:${id}`;
    const grantKey = (grantId: string) => `${keyPrefix}grant:${grantId}`;

    const find = async (id: string): Promise<AdapterPayload | undefined> => {
      const stored = await redis.hgetall(key(id));
      if (!stored.payload) return undefined;
      const payload = JSON.parse(stored.payload) as AdapterPayload;
      if (stored.consumed) payload.consumed = Number(stored.consumed);
      return payload;
    };
    const findByIndex = async (indexKey: string) => {
      const id = await redis.get(indexKey);
      return id ? find(id) : undefined;
    };

    return {
      async upsert(id, payload, expiresIn) {
        const multi = redis.multi();
        // Replacing the hash drops a stale `consumed` flag together with the old payload.
        multi.del(key(id));
        multi.hset(key(id), 'payload', JSON.stringify(payload));
        if (expiresIn) multi.expire(key(id), expiresIn);
        if (GRANTABLE_MODELS.has(model) && payload.grantId) {
          multi.rpush(grantKey(payload.grantId), key(id));
          // Only ever extend the grant list's TTL: it must outlive its longest-lived member.
          if (expiresIn) multi.expire(grantKey(payload.grantId), expiresIn, 'GT');
        }
        if (model === 'Session' && payload.uid) {
          multi.set(`${keyPrefix}sessionUid:${payload.uid}`, id);
          if (expiresIn) multi.expire(`${keyPrefix}sessionUid:${payload.uid}`, expiresIn);
        }
        if (payload.userCode) {
          multi.set(`${keyPrefix}userCode:${payload.userCode}`, id);
          if (expiresIn) multi.expire(`${keyPrefix}userCode:${payload.userCode}`, expiresIn);
        }
        await multi.exec();
        if (GRANTABLE_MODELS.has(model) && payload.grantId && expiresIn) {
          // EXPIRE GT leaves a list without TTL alone, so a fresh list gets its first TTL here.
          const ttl = await redis.ttl(grantKey(payload.grantId));
          if (ttl === -1) await redis.expire(grantKey(payload.grantId), expiresIn);
        }
      },
      find,
      findByUid: (uid) => findByIndex(`${keyPrefix}sessionUid:${uid}`),
      findByUserCode: (userCode) => findByIndex(`${keyPrefix}userCode:${userCode}`),
      async consume(id) {
        // Only an existing instance is marked: a bare HSET would create a key without TTL.
        await redis.eval(CONSUME_SCRIPT, 1, key(id), Math.floor(Date.now() / 1000));
      },
      async destroy(id) {
        const payload = await find(id);
        const keys = [key(id)];
        if (payload?.uid && model === 'Session') keys.push(`${keyPrefix}sessionUid:${payload.uid}`);
        if (payload?.userCode) keys.push(`${keyPrefix}userCode:${payload.userCode}`);
        await redis.del(...keys);
      },
      async revokeByGrantId(grantId) {
        const members = await redis.lrange(grantKey(grantId), 0, -1);
        await redis.del(...members, grantKey(grantId));
      },
    };
  };
}
