// The auth middleware's memory of API keys it looked up, shared with the routes that revoke keys:
// a revocation drops its keys here at once, and every other replica drops them when the NOTIFY
// sent with the revocation reaches it (watchKeyRevocations).
import { EventEmitter } from 'node:events';
import type { Logger } from '../log.ts';
import { CHANNELS } from '../models/notify.ts';
import { type Listener, listen } from '../scheduler/listener.ts';
import type { Principal } from './auth.ts';

export interface CachedKey {
  /** null: no such key, or revoked. */
  principal: Principal | null;
  keyId: string | null;
  at: number;
}

export interface KeyCache {
  /** The entry for a key hash, if one was stored less than the TTL ago. */
  get(hash: string, now: number): CachedKey | undefined;
  /** A token taken before a lookup; `set` ignores a lookup that a drop happened during. */
  generation(): number;
  set(hash: string, entry: CachedKey, generation: number): void;
  /** Forgets these key ids; emits `dropped` with them. */
  drop(keyIds: readonly string[]): void;
  /** Forgets everything (a lost LISTEN connection may have missed revocations). */
  clear(): void;
  /** `dropped` (keyIds: string[]) after every drop. */
  readonly events: EventEmitter;
}

// A short TTL bounds how long a revocation could go unheard (a NOTIFY lost while a replica's
// LISTEN connection was down and not yet re-established) and saves a round trip per request.
const TTL_MS = 10_000;
const MAX_ENTRIES = 10_000;

export function createKeyCache(opts: { ttlMs?: number; maxEntries?: number } = {}): KeyCache {
  const ttlMs = opts.ttlMs ?? TTL_MS;
  const max = opts.maxEntries ?? MAX_ENTRIES;
  const byHash = new Map<string, CachedKey>();
  const hashOf = new Map<string, string>();
  const events = new EventEmitter();
  let gen = 0;
  const clear = () => {
    byHash.clear();
    hashOf.clear();
  };
  return {
    get(hash, now) {
      const hit = byHash.get(hash);
      return hit && now - hit.at <= ttlMs ? hit : undefined;
    },
    generation: () => gen,
    set(hash, entry, generation) {
      if (generation !== gen) return;
      if (byHash.size >= max) clear();
      const old = byHash.get(hash);
      if (old?.keyId) hashOf.delete(old.keyId);
      byHash.set(hash, entry);
      if (entry.keyId) hashOf.set(entry.keyId, hash);
    },
    drop(keyIds) {
      gen++;
      for (const id of keyIds) {
        const hash = hashOf.get(id);
        if (hash === undefined) continue;
        hashOf.delete(id);
        byHash.delete(hash);
      }
      events.emit('dropped', [...keyIds]);
    },
    clear() {
      gen++;
      clear();
    },
    events,
  };
}

export interface KeyWatch extends Listener {
  /** Resolves once the LISTEN connection is up (the first time). */
  ready: Promise<void>;
}

/**
 * LISTENs for revoked keys and drops them from `cache`. Started by main.ts beside the API (and
 * closed with it); every (re)connection clears the cache, since revocations sent while the
 * connection was down were lost.
 */
export function watchKeyRevocations(opts: { url: string; logger: Logger; cache: KeyCache }): KeyWatch {
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => {
    connected = resolve;
  });
  const listener = listen({
    url: opts.url,
    channels: [CHANNELS.keys],
    logger: opts.logger,
    onNotify: (_channel, payload) => {
      let ids: unknown;
      try {
        ids = (JSON.parse(payload) as { ids?: unknown }).ids;
      } catch {
        ids = undefined;
      }
      // Unreadable: forget everything rather than keep a key that may be revoked.
      if (Array.isArray(ids)) opts.cache.drop(ids.map(String));
      else opts.cache.clear();
    },
    onConnect: () => {
      opts.cache.clear();
      connected();
    },
  });
  return { ready, close: () => listener.close() };
}
