/**
 * Cache of verified tokens so that signature checks do not dominate the hot path. Keys are the
 * SHA-256 of the token (the raw token is never held as a key, so a heap dump does not hand out
 * bearer credentials by the thousand); an entry never outlives the token's `exp` nor `maxTtlMs`.
 * Bounded by count, least recently used evicted first (a Map keeps insertion order: re-inserting
 * on hit moves the entry to the young end).
 */
import { hash } from 'node:crypto';
import type { Principal } from '../pipeline/types.js';

/** What a successful verification produced, reusable by any route that accepts the same token. */
export interface VerifiedToken {
  readonly principal: Principal;
  /** The `alg` the token was signed with, or `introspection` for opaque tokens. */
  readonly alg: string;
  /** `aud` of the token as a list (empty when the token had none). */
  readonly audiences: readonly string[];
  /** Scopes joined by one space, ready for the identity header. */
  readonly scopeHeader: string;
}

/** A cache entry as stored: the verified token and when it stops being valid. */
export interface TokenCacheEntry {
  readonly value: VerifiedToken;
  readonly expiresAtMs: number;
}

export interface TokenCache {
  get(key: string): VerifiedToken | undefined;
  /** Like get, with the entry's expiry (for a per-connection memo of the same entry). */
  lookup(key: string): TokenCacheEntry | undefined;
  /** Stores until min(expiresAtMs, now + maxTtlMs). */
  set(key: string, value: VerifiedToken, expiresAtMs: number): void;
  readonly size: number;
  clear(): void;
  /** Same as clear; lets SharedResources release the memory on shutdown. */
  close(): void;
}

export interface TokenCacheOptions {
  readonly maxEntries: number;
  readonly maxTtlMs: number;
  /** Milliseconds since the epoch; injected by tests. */
  readonly now?: () => number;
}

/** One-shot `crypto.hash` costs about half of createHash().update().digest() on the hot path. */
export function hashToken(token: string): string {
  return hash('sha256', token, 'base64url');
}

type Entry = TokenCacheEntry;

export function createTokenCache(options: TokenCacheOptions): TokenCache {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  function lookup(key: string): Entry | undefined {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs <= now()) {
      entries.delete(key);
      return undefined;
    }
    entries.delete(key);
    entries.set(key, entry);
    return entry;
  }
  return {
    get: (key) => lookup(key)?.value,
    lookup,
    set(key, value, expiresAtMs) {
      if (options.maxEntries === 0) return;
      const until = Math.min(expiresAtMs, now() + options.maxTtlMs);
      if (until <= now()) return;
      entries.delete(key);
      entries.set(key, { value, expiresAtMs: until });
      while (entries.size > options.maxEntries) {
        const oldest = entries.keys().next().value as string;
        entries.delete(oldest);
      }
    },
    get size() {
      return entries.size;
    },
    clear() {
      entries.clear();
    },
    close() {
      entries.clear();
    },
  };
}
