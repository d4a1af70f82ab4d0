// What NOTIFY in a writing transaction costs concurrent writers: 32 connections, each inserting one
// manual run at a time through the run-now statement (the API's POST /run path, whose insert writes an
// `execution.queued` event), with the events triggers as they are and with their NOTIFY restored
// (the migration that removed it, rolled back). PostgreSQL holds one database-wide lock from a
// notifying transaction's commit until its WAL is flushed, so those commits cannot share a flush.
//   npx node bench/notify-commits.ts [seconds per round = 5] [rounds = 3]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../src/log.ts';
import { openDatabase } from '../src/models/db.ts';
import { startEmbeddedPostgres } from '../src/models/embedded.ts';
import { insertManualRuns } from '../src/store/manual-runs.ts';

const SECONDS = Number(process.argv[2] ?? 5);
const ROUNDS = Math.min(10, Number(process.argv[3] ?? 3));
const WRITERS = 32;
const TASKS = 2000;
const logger = createLogger('warn', false);
const dir = mkdtempSync(join(tmpdir(), 'notify-commits-'));
const server = await startEmbeddedPostgres({ dataDir: dir, logger });
const db = await openDatabase({ url: server.url, logger, migrate: true, poolSize: WRITERS });
try {
  const { rows } = await db.pool.query<{ id: string }>(`insert into users (name) values ('bench') returning id::text as id`);
  const userId = rows[0]?.id as string;
  const tasks = (
    await db.pool.query<{ id: string }>(
      `insert into tasks (user_id, name, prompt, schedule, timezone, overlap)
       select $1, 't' || g, 'p', '{"kind":"once","at":"2030-01-01T00:00:00Z"}', 'UTC', 'allow' from generate_series(1, $2::int) g returning id::text as id`,
      [userId, TASKS],
    )
  ).rows.map((r) => r.id);
  let seq = 0;
  // A new millisecond per insert: the run-now statement keys a run on (task, instant).
  const at = () => new Date(Date.UTC(2026, 0, 1) + seq++).toISOString();
  async function round(): Promise<number> {
    const end = performance.now() + SECONDS * 1000;
    let n = 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        for (let i = 0; performance.now() < end && i < 1_000_000; i++) {
          await insertManualRuns(db.pool, [{ taskId: tasks[(w * 997 + i) % TASKS] as string, userId, dryRun: false, at: at() }]);
          n++;
        }
      }),
    );
    await db.pool.query(`delete from executions; delete from events`);
    return n / SECONDS;
  }
  await round(); // warm-up
  const rate = (x: number) => `${Math.round(x).toLocaleString('en-US')}/s`;
  for (let r = 1; r <= ROUNDS; r++) {
    const without = await round();
    const [undone] = await db.orm.migrator.down(); // the events triggers notify again
    if (!undone?.name.includes('events_unannounced')) throw new Error(`rolled back ${undone?.name}, not the events migration`);
    const withNotify = await round();
    await db.orm.migrator.up();
    console.log(`round ${r}: run-now inserts by ${WRITERS} writers: ${rate(without)} without NOTIFY, ${rate(withNotify)} with it in the transaction`);
  }
} finally {
  await db.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
