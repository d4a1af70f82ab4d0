// The event hub of one API process: one reader of the events table, polled while a stream is open,
// and a fan-out to the SSE clients connected here. The triggers write events on every replica's
// behalf; whichever replica a client is connected to reads the same log. The triggers send no
// NOTIFY (Migration20261211000000_events_unannounced): a notifying transaction holds a
// database-wide lock until its commit is flushed, so every write with an event committed alone.
import { AppError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Database } from '../models/db.ts';
import { type Cursor, cursorOf, pruneEvents, readHead, readSince, readUserRange, START } from '../store/events.ts';
import { isRowId } from '../models/ranges.ts';
import { createSseClient, type SseClient } from './sse.ts';

export interface EventHubOptions {
  db: Database;
  logger: Logger;
  /** Open streams per user; one more is a 429. */
  maxPerUser?: number;
  heartbeatMs?: number;
  /**
   * How often the log is read while a stream is open: the delay before a committed event reaches
   * its streams (longer while an older transaction holds it back: see store/events.ts).
   */
  pollMs?: number;
  /** Events older than this are deleted; a client away longer gets a `reset` instead of a replay. */
  retentionMs?: number;
  pruneEveryMs?: number;
}

export interface EventHub {
  start(): Promise<void>;
  /**
   * A stream of the user's events from now on, or from after `lastEventId` (replayed from the
   * table). Throws a 429 AppError when the user already has `maxPerUser` streams here.
   */
  open(userId: string, lastEventId: string | undefined): Promise<SseClient>;
  /** Streams open on this process. */
  size(): number;
  close(): Promise<void>;
}

/**
 * A tenth of a second: a person sees a run start and finish as it happens, and a process with open
 * streams reads ten times a second (an index probe that finds nothing, when nothing happened).
 */
export const POLL_MS = 100;
const READ_BATCH = 1000;
const REPLAY_LIMIT = 1000;

export function createEventHub(opts: EventHubOptions): EventHub {
  const { db, logger } = opts;
  const pool = db.pool;
  const maxPerUser = opts.maxPerUser ?? 10;
  const byUser = new Map<string, Set<SseClient>>();
  let clients = 0;
  // Moved along by the reads, which run only while a stream is open: with none open it falls behind
  // the log's head, and the next stream to open moves it to the head first (open()).
  let cursor: Cursor = START;
  const timers: NodeJS.Timeout[] = [];
  let closed = false;

  function add(c: SseClient): void {
    const set = byUser.get(c.userId) ?? new Set<SseClient>();
    byUser.set(c.userId, set);
    set.add(c);
    clients++;
  }
  function remove(c: SseClient): void {
    const set = byUser.get(c.userId);
    if (!set?.delete(c)) return;
    clients--;
    if (set.size === 0) byUser.delete(c.userId);
  }

  // Reads never overlap; a wake-up during a read runs one more read after it.
  let reading: Promise<void> | null = null;
  let again = false;
  function pump(): Promise<void> {
    if (closed) return Promise.resolve();
    if (reading) {
      again = true;
      return reading;
    }
    reading = (async () => {
      do {
        again = false;
        try {
          await readOnce();
        } catch (err) {
          logger.warn({ err: (err as Error).message }, 'reading events failed; will retry');
        }
      } while (again && !closed);
    })().finally(() => {
      reading = null;
    });
    return reading;
  }

  async function readOnce(): Promise<void> {
    // Nobody to deliver to: no query.
    if (clients === 0) return;
    for (;;) {
      const batch = await readSince(pool, cursor, READ_BATCH);
      // Delivery and the cursor move together, synchronously: a client that subscribes between two
      // batches starts exactly where the next one begins (see open()).
      for (const e of batch) {
        const set = byUser.get(e.userId);
        if (set) for (const c of set) c.deliver(e);
        cursor = e.cursor;
      }
      if (batch.length < READ_BATCH || closed) return;
    }
  }

  async function replayFor(userId: string, lastEventId: string | undefined, upTo: Cursor) {
    if (lastEventId === undefined) return { after: null, events: [], reset: false };
    // The route refuses a malformed id with a 422; this keeps any other caller from a failed cast.
    const after = isRowId(lastEventId) ? await cursorOf(pool, userId, lastEventId) : null;
    // Unknown or pruned: the page cannot know what it missed, so it reloads.
    if (!after) return { after: null, events: [], reset: true };
    const events = await readUserRange(pool, userId, after, upTo, REPLAY_LIMIT + 1);
    if (events.length > REPLAY_LIMIT) return { after: null, events: [], reset: true };
    return { after, events, reset: false };
  }

  return {
    async start() {
      const every = (ms: number, fn: () => void) => {
        const t = setInterval(fn, ms);
        t.unref();
        timers.push(t);
      };
      every(opts.pollMs ?? POLL_MS, () => void pump());
      every(opts.heartbeatMs ?? 15_000, () => {
        for (const set of byUser.values()) for (const c of set) c.comment('ping');
      });
      const retentionMs = opts.retentionMs ?? 24 * 3_600_000;
      // Every replica prunes; SKIP LOCKED keeps them out of each other's way. (A home for this in the
      // system jobs would let one replica do it.)
      every(opts.pruneEveryMs ?? 5 * 60_000, () => {
        pruneEvents(pool, retentionMs).catch((err) => logger.warn({ err: (err as Error).message }, 'pruning events failed'));
      });
    },

    async open(userId, lastEventId) {
      if (clients === 0) {
        const head = await readHead(pool);
        // Unless another stream opened meanwhile and the cursor moved on from there.
        if (clients === 0) cursor = head;
      }
      if (closed) throw new AppError(503, 'shutting_down', 'the server is shutting down', { expose: true });
      if ((byUser.get(userId)?.size ?? 0) >= maxPerUser) {
        throw new AppError(429, 'too_many_streams', `at most ${maxPerUser} event streams per user; close one (another tab?) first`, {
          details: { limit: maxPerUser },
        });
      }
      // Registered before the replay query, with the hub's cursor read in the same tick: every
      // event after `upTo` reaches this client live (held until the replay is written), and
      // every event up to it comes from the replay.
      const upTo = cursor;
      // The slot is freed however the stream ends, including a failed replay below.
      const client = createSseClient(userId, () => remove(client));
      add(client);
      try {
        client.goLive(await replayFor(userId, lastEventId, upTo));
      } catch (err) {
        client.close();
        throw err;
      }
      return client;
    },

    size: () => clients,

    async close() {
      closed = true;
      for (const t of timers) clearInterval(t);
      await reading;
      for (const set of [...byUser.values()]) for (const c of set) c.close();
    },
  };
}
