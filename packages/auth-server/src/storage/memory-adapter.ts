import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { GRANTABLE_MODELS, type AdapterPayload, type StorageAdapterFactory } from './adapter.js';

interface Entry {
  value: unknown;
  expiresAt: number;
}

/** One memory store shared by every adapter (and every Provider instance built on it). */
export interface MemoryStore {
  factory: StorageAdapterFactory;
  /** Entries held now (expired ones included until touched); exposed for limit tests. */
  size(): number;
}

/**
 * In-memory storage for a single instance. The store outlives Provider instances: the server
 * rebuilds its Provider when the published keys change and sessions must survive that. At most
 * `maxEntries` entries are kept; past that the oldest is evicted (Map keeps insertion order).
 */
export function createMemoryStore(options: { maxEntries: number; clock?: Clock }): MemoryStore {
  const clock = options.clock ?? systemClock;
  const map = new Map<string, Entry>();

  const get = <T>(key: string): T | undefined => {
    const entry = map.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= clock()) {
      map.delete(key);
      return undefined;
    }
    return entry.value as T;
  };
  const set = (key: string, value: unknown, expiresIn?: number) => {
    map.delete(key);
    map.set(key, { value, expiresAt: expiresIn === undefined ? Number.POSITIVE_INFINITY : clock() + expiresIn * 1000 });
    while (map.size > options.maxEntries) {
      const oldest = map.keys().next().value as string;
      map.delete(oldest);
    }
  };

  const factory: StorageAdapterFactory = (model) => {
    const key = (id: string) => `${model}:${id}`;
    const find = async (id: string) => get<AdapterPayload>(key(id));
    return {
      async upsert(id, payload, expiresIn) {
        set(key(id), payload, expiresIn);
        if (GRANTABLE_MODELS.has(model) && payload.grantId) {
          const grantKey = `grant:${payload.grantId}`;
          const members = get<Set<string>>(grantKey) ?? new Set<string>();
          members.add(key(id));
          const previous = map.get(grantKey)?.expiresAt ?? 0;
          const until = expiresIn === undefined ? Number.POSITIVE_INFINITY : Math.max(previous, clock() + expiresIn * 1000);
          set(grantKey, members, Number.isFinite(until) ? (until - clock()) / 1000 : undefined);
        }
        if (payload.uid && model === 'Session') set(`sessionUid:${payload.uid}`, id, expiresIn);
        if (payload.userCode) set(`userCode:${payload.userCode}`, id, expiresIn);
      },
      find,
      async findByUid(uid) {
        const id = get<string>(`sessionUid:${uid}`);
        return id ? find(id) : undefined;
      },
      async findByUserCode(userCode) {
        const id = get<string>(`userCode:${userCode}`);
        return id ? find(id) : undefined;
      },
      async consume(id) {
        const payload = get<AdapterPayload>(key(id));
        if (payload) payload.consumed = Math.floor(clock() / 1000);
      },
      async destroy(id) {
        const payload = get<AdapterPayload>(key(id));
        map.delete(key(id));
        if (payload?.uid && model === 'Session') map.delete(`sessionUid:${payload.uid}`);
        if (payload?.userCode) map.delete(`userCode:${payload.userCode}`);
      },
      async revokeByGrantId(grantId) {
        const members = get<Set<string>>(`grant:${grantId}`);
        for (const member of members ?? []) map.delete(member);
        map.delete(`grant:${grantId}`);
      },
    };
  };

  return { factory, size: () => map.size };
}
