// Statements on the events table: reading it (written only by the triggers of Migration20261125030000_events).
//
// Event ids come from a sequence before commit, so transactions can commit out of id order: a reader
// that followed "id > last" would skip an event whose transaction committed after a later id had
// been read. Readers therefore walk (tx, id) — tx is the writing transaction's id — and read only
// below the oldest transaction still running (the snapshot's xmin): every transaction under it has
// finished, and any transaction that commits later has a tx at or above it, so nothing can appear
// behind the cursor. The price: an event waits while an older writing transaction is still open,
// anywhere on the PostgreSQL server (xids are server-wide); read-only transactions do not count.
import type pg from 'pg';

/** A position in the event log: (writing transaction, event id). */
export interface Cursor {
  tx: bigint;
  id: bigint;
}

export const START: Cursor = { tx: 0n, id: 0n };

export function compareCursors(a: Cursor, b: Cursor): number {
  if (a.tx !== b.tx) return a.tx < b.tx ? -1 : 1;
  return a.id === b.id ? 0 : a.id < b.id ? -1 : 1;
}

export interface StoredEvent {
  id: string;
  cursor: Cursor;
  userId: string;
  type: string;
  taskId: string | null;
  executionId: string | null;
  data: Record<string, unknown>;
  createdAt: string;
}

interface Row {
  id: string;
  tx: string;
  user_id: string;
  type: string;
  task_id: string | null;
  execution_id: string | null;
  data: Record<string, unknown>;
  created_at: string;
}

// Qualified ORDER BY below: these aliases (text) would otherwise be what gets sorted.
const COLUMNS = `id::text as id, tx::text as tx, user_id::text as user_id, type, task_id::text as task_id,
  execution_id::text as execution_id, data, to_json(created_at) #>> '{}' as created_at`;

// Both ends of a walk stay below the oldest running transaction (see the top of this file).
const SETTLED = 'tx < pg_snapshot_xmin(pg_current_snapshot())';

function toEvent(r: Row): StoredEvent {
  return {
    id: r.id,
    cursor: { tx: BigInt(r.tx), id: BigInt(r.id) },
    userId: r.user_id,
    type: r.type,
    taskId: r.task_id,
    executionId: r.execution_id,
    data: r.data,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

/**
 * Where a new reader starts: after every settled event. Read from the snapshot, not the table (no
 * index probe, no wait on a lock held on events): just before the oldest running transaction.
 * Every event of an older transaction is settled, so nothing settled lies after this position, and
 * every later event does.
 */
export async function readHead(pool: pg.Pool): Promise<Cursor> {
  const { rows } = await pool.query<{ xmin: string }>('select pg_snapshot_xmin(pg_current_snapshot())::text as xmin');
  return { tx: BigInt((rows[0] as { xmin: string }).xmin) - 1n, id: MAX_ID };
}

const MAX_ID = 2n ** 63n - 1n;

/** Settled events after `after`, in log order, every user's. */
export async function readSince(pool: pg.Pool, after: Cursor, limit: number): Promise<StoredEvent[]> {
  const { rows } = await pool.query<Row>(
    `select ${COLUMNS} from events where (tx, id) > ($1::xid8, $2::bigint) and ${SETTLED} order by events.tx, events.id limit $3`,
    [after.tx.toString(), after.id.toString(), limit],
  );
  return rows.map(toEvent);
}

/** The log position of one of this user's events, or null (unknown, another user's, or pruned). */
export async function cursorOf(pool: pg.Pool, userId: string, eventId: string): Promise<Cursor | null> {
  const { rows } = await pool.query<{ tx: string }>('select tx::text as tx from events where id = $1 and user_id = $2', [eventId, userId]);
  const r = rows[0];
  return r ? { tx: BigInt(r.tx), id: BigInt(eventId) } : null;
}

/** One user's events in (after, upTo], in log order: what a reconnecting client missed. */
export async function readUserRange(pool: pg.Pool, userId: string, after: Cursor, upTo: Cursor, limit: number): Promise<StoredEvent[]> {
  const { rows } = await pool.query<Row>(
    `select ${COLUMNS} from events
      where user_id = $1 and (tx, id) > ($2::xid8, $3::bigint) and (tx, id) <= ($4::xid8, $5::bigint)
      order by events.tx, events.id limit $6`,
    [userId, after.tx.toString(), after.id.toString(), upTo.tx.toString(), upTo.id.toString(), limit],
  );
  return rows.map(toEvent);
}

/**
 * Deletes events older than `maxAgeMs`, at most `batch` rows per statement and `maxBatches`
 * statements per call, so a large backlog never turns into one long lock-holding delete.
 * Walks the primary key (ids grow with time), skipping rows another replica is deleting.
 */
export async function pruneEvents(pool: pg.Pool, maxAgeMs: number, batch = 5000, maxBatches = 20): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const { rowCount } = await pool.query(
      `delete from events where id in (
         select id from events where created_at < now() - make_interval(secs => $1::float8 / 1000)
          order by id limit $2 for update skip locked)`,
      [maxAgeMs, batch],
    );
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < batch) break;
  }
  return total;
}
