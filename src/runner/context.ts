// Everything a run needs to know about its task (src/store/run-context.ts reads it), loaded in
// batches so runs that start together share one statement.
import type pg from 'pg';
import { loadTaskSnapshots, type SnapshotKey, type TaskSnapshot } from '../store/run-context.ts';

export type { TaskSnapshot };

export const PREVIOUS_OUTPUT_CHARS = 4000;

export type SnapshotIds = SnapshotKey;

export type SnapshotLoader = (ids: SnapshotIds, now: Date) => Promise<TaskSnapshot | null>;

const BATCH = 500;

/**
 * Loads run snapshots, coalescing the requests made in the same turn of the event loop into one
 * query per 500 (a snapshot is read when its run starts, so it is never staler than that).
 * Resolves null for a task that no longer exists (deleted since the fire was claimed).
 */
export function createSnapshotLoader(pool: pg.Pool): SnapshotLoader {
  let pending: Array<{ ids: SnapshotIds; now: Date; resolve: (s: TaskSnapshot | null) => void; reject: (e: unknown) => void }> = [];
  const flush = () => {
    const all = pending;
    pending = [];
    for (let i = 0; i < all.length; i += BATCH) {
      const batch = all.slice(i, i + BATCH);
      loadTaskSnapshots(
        pool,
        batch.map((b) => b.ids),
        batch[0]?.now as Date,
        PREVIOUS_OUTPUT_CHARS,
      ).then(
          (snapshots) => {
            batch.forEach((b, j) => {
              b.resolve(snapshots[j] ?? null);
            });
          },
          (err) => {
            for (const b of batch) b.reject(err);
          },
        );
    }
  };
  return (ids, now) =>
    new Promise((resolve, reject) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push({ ids, now, resolve, reject });
    });
}
