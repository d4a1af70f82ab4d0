// bench/graph.ts — the cycle check of an `after` edit on a large dependency graph: one user with
// 10,000 tasks and 50,000 edges (a random DAG). Times the in-memory search alone and the whole
// check as PATCH /api/tasks/:id runs it (lock, id check, loading the user's edges, search,
// rewriting the edges) inside a transaction that is rolled back.
//   npx node bench/graph.ts [--tasks 10000] [--edges 50000] [--runs 30]
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../src/log.ts';
import { openDatabase } from '../src/models/db.ts';
import { startEmbeddedPostgres } from '../src/models/embedded.ts';
import { sqlOfEm } from '../src/store/sql.ts';
import { loadUserEdges } from '../src/models/task-graph.ts';
import { findCycle, graphFromBytes } from '../src/scheduler/graph.ts';
import { setDependencies } from '../src/scheduler/set-dependencies.ts';
import { machine, pct, table } from './lib.ts';

const { values } = parseArgs({ options: { tasks: { type: 'string', default: '10000' }, edges: { type: 'string', default: '50000' }, runs: { type: 'string', default: '30' } } });
const TASKS = Number(values.tasks);
const EDGES = Number(values.edges);
const RUNS = Number(values.runs);

const logger = createLogger('warn', false);
const dir = await mkdtemp(join(tmpdir(), 'tickler-graph-'));
await chmod(dir, 0o755);
const server = await startEmbeddedPostgres({ dataDir: dir, logger });
const db = await openDatabase({ url: server.url, logger, migrate: true, poolSize: 4 });

try {
  const pool = db.pool;
  const { rows: u } = await pool.query<{ id: string }>(`insert into users (name) values ('graph-bench') returning id::text as id`);
  const userId = u[0]?.id as string;
  const { rows: ids } = await pool.query<{ id: string }>(
    `insert into tasks (user_id, name, schedule, timezone, next_run_at)
     select $1, 'task ' || i, '{"kind":"cron","cron":"0 6 * * *"}', 'UTC', null from generate_series(1, $2) i
     returning id::text as id`,
    [userId, TASKS],
  );
  const id = (i: number) => ids[i]?.id as string;
  // A DAG: each edge points from a task to one created before it (it runs after an older task),
  // mostly to near predecessors, so chains are long and ancestries wide.
  await pool.query(
    `insert into task_dependencies (user_id, task_id, depends_on_id)
     select $1, $2::bigint + t, $2::bigint + greatest(0, t - 1 - floor(random() * least(t, case when random() < 0.8 then 50 else t end)))::int
       from (select 1 + floor(random() * ($3 - 1))::int as t from generate_series(1, $4 * 2)) s
     on conflict do nothing`,
    [userId, id(0), TASKS, EDGES],
  );
  await pool.query(
    `delete from task_dependencies where ctid in (select ctid from task_dependencies offset $1)`,
    [EDGES],
  );
  await pool.query('vacuum analyze task_dependencies');
  const { rows: n } = await pool.query<{ n: number }>(`select count(*)::int as n from task_dependencies where user_id = $1`, [userId]);
  const edgeCount = n[0]?.n ?? 0;

  // The worst cases for the search: the newest task (nothing depends on it) made to run after 20
  // of the newest others explores their whole ancestry and finds no cycle; the oldest task made to
  // run after the newest finds the long way back.
  const sink = id(TASKS - 1);
  const sources = Array.from({ length: 20 }, (_, i) => id(TASKS - 2 - i));
  const root = id(0);

  const packed = await loadUserEdges(sqlOfEm(db.orm.em.fork()), userId);
  const deps = graphFromBytes(packed.bytes, packed.width, packed.base);
  const dfs: number[] = [];
  const dfsCycle: number[] = [];
  let cycleLength = 0;
  for (let i = 0; i < RUNS; i++) {
    let t0 = performance.now();
    if (findCycle(deps, sink, sources) !== null) throw new Error('unexpected cycle');
    dfs.push(performance.now() - t0);
    t0 = performance.now();
    cycleLength = findCycle(deps, root, [id(TASKS - 2)])?.length ?? 0;
    dfsCycle.push(performance.now() - t0);
  }

  const load: number[] = [];
  const whole: number[] = [];
  const wholeCycle: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const em = db.orm.em.fork();
    let t0 = performance.now();
    const edges = await loadUserEdges(sqlOfEm(em), userId);
    graphFromBytes(edges.bytes, edges.width, edges.base);
    load.push(performance.now() - t0);
    await em.begin();
    t0 = performance.now();
    await setDependencies(sqlOfEm(em), { id: sink, userId }, sources);
    whole.push(performance.now() - t0);
    await em.rollback();
    await em.begin();
    t0 = performance.now();
    const refused = await setDependencies(sqlOfEm(em), { id: root, userId }, [id(TASKS - 2)]).then(
      () => false,
      () => true,
    );
    wholeCycle.push(performance.now() - t0);
    await em.rollback();
    if (!refused) throw new Error('expected the cycle to be refused');
  }

  const row = (what: string, xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return [what, pct(s, 50).toFixed(2), pct(s, 95).toFixed(2), (s[s.length - 1] ?? Number.NaN).toFixed(2)];
  };
  console.log(`\n## Cycle check: ${TASKS.toLocaleString('en-US')} tasks, ${edgeCount.toLocaleString('en-US')} edges (${RUNS} runs each; target < 50 ms)\n`);
  console.log(machine());
  console.log();
  console.log(
    table(
      ['what', 'p50 ms', 'p95 ms', 'max ms'],
      [
        row('search only, no cycle (20 new deps, whole ancestry)', dfs),
        row(`search only, cycle found (${cycleLength - 1} tasks long)`, dfsCycle),
        row("load the user's edges (one binary row) + build the graph", load),
        row('whole check, no cycle (lock, ids, load, search, rewrite edges)', whole),
        row('whole check, cycle refused (with names for the message)', wholeCycle),
      ],
    ),
  );
} finally {
  await db.close();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
