/**
 * The Redis Store, for several replicas sharing one cache. Layout under `keyPrefix`:
 * - `e:<key>`   a record (binary, see record-codec.ts) with a TTL = its usable life;
 * - `p:<path>`  the set of record keys stored for that path (TTL = the longest of them);
 * - `paths`     a sorted set of paths (all score 0) so a prefix is one ZRANGEBYLEX;
 * - channel `invalidate` carries invalidations so other replicas cancel fills in flight.
 * Multi-key scripts assume one Redis (not Cluster).
 *
 * Failure policy: the client never queues commands while disconnected (`enableOfflineQueue`
 * false) and every command has `commandTimeoutMs`; a failing or slow Redis makes calls reject
 * fast, the filter bypasses the cache, and ioredis reconnects by itself with capped backoff.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { decodeRecord, encodeRecord } from './record-codec.js';
import type { CacheStore, CacheStoreStats, InvalidationEvent } from './store.js';

export interface RedisStoreOptions {
  url: string;
  keyPrefix: string;
  maxEntryBytes: number;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  reconnectMaxDelayMs: number;
  /** Failed invalidations remembered for replay after an outage; beyond it, the cache is cleared. */
  maxPendingInvalidations: number;
  /** Connection-level errors (the filter reports command failures itself). */
  onError?: (err: Error) => void;
  now?: () => number;
}

export interface RedisCacheStore extends CacheStore {
  /** Resolves once both connections are ready (tests; production needs not wait). */
  ready(): Promise<void>;
}

const SET_SCRIPT = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], KEYS[1])
local pttl = redis.call('PTTL', KEYS[2])
if pttl < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
redis.call('ZADD', KEYS[3], 0, ARGV[3])
return 1`;

// Drops every record of the paths in ARGV (KEYS[1] = paths zset, ARGV[1] = path-set key prefix).
const DROP_PATHS = `
local function drop(path)
  local setKey = ARGV[1] .. path
  local members = redis.call('SMEMBERS', setKey)
  local n = 0
  for i = 1, #members, 500 do
    n = n + redis.call('DEL', unpack(members, i, math.min(i + 499, #members)))
  end
  redis.call('DEL', setKey)
  redis.call('ZREM', KEYS[1], path)
  return n
end`;

const DELETE_PATH_SCRIPT = `${DROP_PATHS}
return drop(ARGV[2])`;

// ARGV[2] = prefix without trailing slash ('' for the root).
const DELETE_PREFIX_SCRIPT = `${DROP_PATHS}
local p = ARGV[2]
local paths = redis.call('ZRANGEBYLEX', KEYS[1], '[' .. p, '[' .. p .. '\\255')
local n = 0
for _, path in ipairs(paths) do
  if p == '' or path == p or string.sub(path, 1, #p + 1) == p .. '/' then n = n + drop(path) end
end
return n`;

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => '\\' + c);
}

export function createRedisStore(options: RedisStoreOptions): RedisCacheStore {
  const now = options.now ?? Date.now;
  const prefix = options.keyPrefix;
  const channel = `${prefix}invalidate`;
  const replicaId = randomUUID();
  const pathsKey = `${prefix}paths`;
  const listeners = new Set<(event: InvalidationEvent) => void>();
  // Redis holds the bytes and evicts by its own policy; this replica has nothing to report.
  const stats: CacheStoreStats = { storedBytes: 0, evictions: 0 };
  const connection = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: options.connectTimeoutMs,
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 10), options.reconnectMaxDelayMs),
  };
  const client = new Redis(options.url, connection);
  // The subscriber has no command timeout: SUBSCRIBE is re-issued on reconnect by ioredis.
  const subscriber = new Redis(options.url, { ...connection, commandTimeout: undefined, enableOfflineQueue: true });
  const onError = (err: Error): void => options.onError?.(err);
  client.on('error', onError);
  subscriber.on('error', onError);
  const subscribed = subscriber.subscribe(channel).then(
    () => undefined,
    (err: Error) => onError(err),
  );
  subscriber.on('message', (_channel: string, message: string) => {
    try {
      const { origin, event } = JSON.parse(message) as { origin: string; event: InvalidationEvent };
      if (origin !== replicaId) emit(event);
    } catch {
      // A foreign message on our channel: ignore it.
    }
  });
  client.defineCommand('porteroCacheSet', { numberOfKeys: 3, lua: SET_SCRIPT });
  client.defineCommand('porteroCacheDeletePath', { numberOfKeys: 1, lua: DELETE_PATH_SCRIPT });
  client.defineCommand('porteroCacheDeletePrefix', { numberOfKeys: 1, lua: DELETE_PREFIX_SCRIPT });
  const scripts = client as unknown as {
    porteroCacheSet(k1: string, k2: string, k3: string, value: Buffer, ttl: number, path: string): Promise<number>;
    porteroCacheDeletePath(k1: string, setPrefix: string, path: string): Promise<number>;
    porteroCacheDeletePrefix(k1: string, setPrefix: string, prefix: string): Promise<number>;
  };

  async function clearAll(): Promise<number> {
    let n = 0;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) n += await client.unlink(...keys);
    } while (cursor !== '0');
    return n;
  }

  async function runInvalidation(event: InvalidationEvent): Promise<number> {
    // Local fills in flight are cancelled first, even when Redis is unreachable.
    emit(event);
    let n: number;
    if (event.type === 'path') n = await scripts.porteroCacheDeletePath(pathsKey, `${prefix}p:`, event.path);
    else if (event.type === 'prefix') {
      const p = event.prefix.endsWith('/') ? event.prefix.slice(0, -1) : event.prefix;
      n = await scripts.porteroCacheDeletePrefix(pathsKey, `${prefix}p:`, p);
    } else n = await clearAll();
    await client.publish(channel, JSON.stringify({ origin: replicaId, event }));
    return n;
  }

  // Invalidations that failed while Redis was unreachable are replayed when it is back, so a
  // write made during an outage does not leave the old response served after recovery. Past
  // maxPendingInvalidations the replay degrades to dropping the whole cache (always safe).
  const pending = new Map<string, InvalidationEvent>();
  let replaying: Promise<void> = Promise.resolve();
  function keep(event: InvalidationEvent): void {
    if (pending.has('all')) return;
    if (event.type === 'all' || pending.size >= options.maxPendingInvalidations) {
      pending.clear();
      pending.set('all', { type: 'all' });
      return;
    }
    pending.set(event.type === 'path' ? `p:${event.path}` : `x:${event.prefix}`, event);
  }
  async function remember(event: InvalidationEvent, run: () => Promise<number>): Promise<number> {
    try {
      return await run();
    } catch (err) {
      keep(event);
      throw err;
    }
  }
  client.on('ready', () => {
    if (pending.size === 0) return;
    const events = [...pending.values()];
    pending.clear();
    replaying = (async () => {
      for (const event of events) {
        try {
          await runInvalidation(event);
        } catch (err) {
          keep(event);
          onError(err as Error);
        }
      }
    })();
  });

  function emit(event: InvalidationEvent): void {
    for (const listener of listeners) listener(event);
  }

  return {
    kind: 'redis',
    maxEntryBytes: options.maxEntryBytes,
    async get(key) {
      const data = await client.getBuffer(`${prefix}e:${key}`);
      if (data === null) return undefined;
      const record = decodeRecord(data);
      if (record === undefined || record.expiresAt <= now()) return undefined;
      return record;
    },
    async set(key, path, record) {
      const ttl = record.expiresAt - now();
      if (ttl <= 0) return;
      const value = encodeRecord(record);
      if (value.length > options.maxEntryBytes) return;
      await scripts.porteroCacheSet(`${prefix}e:${key}`, `${prefix}p:${path}`, pathsKey, value, Math.ceil(ttl), path);
    },
    async delete(key) {
      await client.del(`${prefix}e:${key}`);
    },
    async deletePath(path) {
      return remember({ type: 'path', path }, () => runInvalidation({ type: 'path', path }));
    },
    async deletePrefix(pathPrefix) {
      return remember({ type: 'prefix', prefix: pathPrefix }, () => runInvalidation({ type: 'prefix', prefix: pathPrefix }));
    },
    async clear() {
      return remember({ type: 'all' }, () => runInvalidation({ type: 'all' }));
    },
    onInvalidate(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stats: () => stats,
    async ready() {
      const wait = (r: Redis) => (r.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => r.once('ready', () => resolve())));
      await Promise.all([wait(client), wait(subscriber)]);
      await subscribed;
      await replaying;
    },
    async close() {
      listeners.clear();
      client.disconnect();
      subscriber.disconnect();
    },
  };
}
