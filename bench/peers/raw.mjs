// Not a peer: what this machine does with no scheduler library in the way.
// 'timer-floor': K plain setTimeout callbacks aimed at one instant (Node's own floor).
// 'pg-ceiling': the same PostgreSQL the peers use, driven with plain SQL.
// These are the floors a new scheduler works against on this machine.
import pg from 'pg';
import { run, nowMs, inParallel, round, sleep, FireRecorder, nextInstant } from './lib/child.mjs';
import { summarize } from './lib/stats.mjs';

const SCHEMA = `
  create table schedules (
    id bigserial primary key,
    cron text not null,
    next_run_at timestamptz not null,
    payload jsonb not null default '{}'
  );
  create index on schedules (next_run_at);
  create table fires (
    schedule_id bigint not null,
    scheduled_for timestamptz not null,
    started_at timestamptz,
    primary key (schedule_id, scheduled_for)
  );`;

await run({
  async 'timer-floor'({ k, deadlineMs = 10_000 }) {
    // warm the path once
    await new Promise((r) => setTimeout(r, 50));
    const rec = new FireRecorder(k);
    const T = nextInstant('second', 500 + k * 0.01);
    for (let i = 0; i < k; i++) setTimeout(() => rec.hit(i), T - Date.now());
    await rec.waitAll(T + deadlineMs);
    return { T, ...rec.summary(T) };
  },

  async 'pg-ceiling'(p) {
    const pool = new pg.Pool({ connectionString: p.pgUrl, max: 16 });
    await pool.query(SCHEMA);
    const out = {};

    // Round trip: SELECT 1 on one connection.
    {
      const c = await pool.connect();
      const rt = [];
      for (let i = 0; i < 2000; i++) {
        const t0 = nowMs();
        await c.query('select 1');
        rt.push(nowMs() - t0);
      }
      c.release();
      out.selectRoundTripMs = summarize(rt);
    }

    // Raw single-row INSERTs, autocommit (one fsync'd commit each): 1 caller, then 16.
    {
      const seqN = 2000;
      let t0 = nowMs();
      for (let i = 0; i < seqN; i++) {
        await pool.query('insert into schedules (cron, next_run_at, payload) values ($1, $2, $3)', ['0 9 * * 1-5', new Date(Date.now() + 86_400_000), { i }]);
      }
      out.insertSequentialPerSec = round(seqN / ((nowMs() - t0) / 1000), 0);
      const n = 10_000;
      t0 = nowMs();
      await inParallel(n, 16, (i) => pool.query('insert into schedules (cron, next_run_at, payload) values ($1, $2, $3)', ['0 9 * * 1-5', new Date(Date.now() + 86_400_000), { i }]));
      out.insert16InFlightPerSec = round(n / ((nowMs() - t0) / 1000), 0);
    }

    // 10,000 schedules due at the same instant: claim them all and record one fire row
    // each, in one statement (the unique key is what makes a second claimer a no-op).
    {
      const k = 10_000;
      await pool.query('truncate schedules');
      const T = new Date(Date.now() - 1000);
      await pool.query(`insert into schedules (cron, next_run_at, payload)
        select '0 9 * * *', $1, jsonb_build_object('i', g) from generate_series(1, $2) g`, [T, k]);
      await pool.query('vacuum analyze schedules');
      const claimSql = `
        with due as (
          select id, next_run_at from schedules
          where next_run_at <= now()
          order by next_run_at
          limit $1
          for update skip locked
        ), moved as (
          update schedules s set next_run_at = s.next_run_at + interval '1 day'
          from due where s.id = due.id
          returning s.id, due.next_run_at as scheduled_for
        )
        insert into fires (schedule_id, scheduled_for, started_at)
        select id, scheduled_for, now() from moved
        on conflict do nothing
        returning schedule_id`;
      const t0 = nowMs();
      const { rowCount } = await pool.query(claimSql, [k]);
      out.claim10kOneStatementMs = round(nowMs() - t0, 1);
      out.claim10kRows = rowCount;
      // The same claim in batches of 1,000 over 4 connections.
      await pool.query('truncate fires');
      await pool.query(`update schedules set next_run_at = $1`, [T]);
      await pool.query('vacuum analyze schedules');
      const t1 = nowMs();
      let claimed = 0;
      await Promise.all(Array.from({ length: 4 }, async () => {
        while (true) {
          const r = await pool.query(claimSql, [1000]);
          claimed += r.rowCount;
          if (r.rowCount === 0) return;
        }
      }));
      out.claim10kBatches1000x4Ms = round(nowMs() - t1, 1);
      out.claim10kBatchesRows = claimed;
    }

    // LISTEN/NOTIFY delivery latency between two connections.
    {
      const listener = new pg.Client({ connectionString: p.pgUrl });
      await listener.connect();
      await listener.query('listen bench');
      const lat = [];
      let pending = null;
      listener.on('notification', () => { if (pending) { lat.push(nowMs() - pending); pending = null; } });
      const c = await pool.connect();
      for (let i = 0; i < 300; i++) {
        pending = nowMs();
        await c.query("select pg_notify('bench', '')");
        for (let w = 0; w < 100 && pending !== null; w++) await sleep(1);
      }
      c.release();
      await listener.end();
      out.notifyLatencyMs = summarize(lat);
    }
    await pool.end();
    return out;
  },
});
