// Times the rrule form's next fire (what the claimer computes per claimed fire) against cron's,
// over typical rules in a DST zone, from instants spread over five years: p50/p99 per call; then
// the claimer's common case, many tasks with one rule due at one instant.
//   node bench/rrule.ts [--calls 20000]
import { parseArgs } from 'node:util';
import { nextRun, type ScheduleSpec, toSpec } from '../src/scheduler/schedule.ts';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '20000' } } });
const calls = Math.max(100, Number(values.calls));
const zone = 'America/New_York';
const now = new Date('2026-12-06T12:00:00Z');

function spec(input: { cron: string } | { rrule: string; dtstart?: string }): ScheduleSpec {
  const r = toSpec(input, zone, { now });
  if (!r.ok) throw new Error(`${JSON.stringify(input)}: ${r.error.message}`);
  return r.value;
}

const sets: Record<string, ScheduleSpec[]> = {
  rrule: [
    spec({ rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0', dtstart: '2026-01-05T09:00' }),
    spec({ rrule: 'FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=17;BYMINUTE=0', dtstart: '2026-01-01T00:00' }),
    spec({ rrule: 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;BYHOUR=18;BYMINUTE=0', dtstart: '2026-01-01T00:00' }),
    spec({ rrule: 'FREQ=DAILY;BYHOUR=9,17;BYMINUTE=30', dtstart: '2026-01-01T00:00' }),
    spec({ rrule: 'FREQ=MINUTELY;INTERVAL=15', dtstart: '2026-01-01T00:00' }),
    spec({ rrule: 'FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24;BYHOUR=18;BYMINUTE=0', dtstart: '2026-01-01T00:00' }),
  ],
  cron: [spec({ cron: '0 9 * * 1' }), spec({ cron: '0 17 * * 5L' }), spec({ cron: '0 18 L * *' }), spec({ cron: '30 9,17 * * *' }), spec({ cron: '*/15 * * * *' }), spec({ cron: '0 18 24 12 *' })],
};

for (const [name, specs] of Object.entries(sets)) {
  const times: number[] = [];
  for (let i = 0; i < calls + 1000; i++) {
    const s = specs[i % specs.length] as ScheduleSpec;
    const after = new Date(now.getTime() + ((i * 7919) % (5 * 365 * 1440)) * 60_000);
    const t0 = performance.now();
    nextRun(s, after);
    if (i >= 1000) times.push(performance.now() - t0); // the first 1,000 warm up the JIT and caches
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => ((times[Math.floor(p * (times.length - 1))] as number) * 1000).toFixed(0);
  console.log(`${name}: next fire p50 ${q(0.5)} µs, p99 ${q(0.99)} µs over ${times.length} calls`);
}

// 1,000 tasks with the same rule due at one instant, as the claimer sees them.
const shared = sets.rrule?.[2] as ScheduleSpec;
const at = new Date('2027-03-01T12:00:00Z');
const t0 = performance.now();
for (let i = 0; i < 1000; i++) nextRun(shared, at);
console.log(`rrule: 1,000 tasks sharing a BYSETPOS rule, next fire at one instant: ${(performance.now() - t0).toFixed(1)} ms in all`);
