// Times parseRules over the dev corpus: p50/p99 per phrase, after a warm-up pass.
//   node bench/parse.ts [--rounds 20]
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { parseRules } from '../src/nl-parser/rules.ts';

const corpusPath = new URL('../../shared/nl-corpus/dev.jsonl', import.meta.url);
if (!existsSync(corpusPath)) {
  console.error(`corpus not found at ${corpusPath.pathname}`);
  process.exit(1);
}
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' } } });
const rounds = Math.max(1, Number(values.rounds));

interface Entry {
  text: string;
  timezone: string | null;
  now: string;
}
const entries = readFileSync(corpusPath, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Entry)
  .map((e) => {
    const timezone = e.timezone ?? 'UTC';
    return { text: e.text, opts: { timezone, now: DateTime.fromISO(e.now, { zone: timezone }).toJSDate() } };
  });

// Warm-up: JIT, luxon's zone caches and the scheduler's cron cache fill once, as in a server.
for (const e of entries) parseRules(e.text, e.opts);

// Each phrase is timed `rounds` times. Two views: every call, and each phrase's median call —
// the second filters out the scheduler preemptions and GC pauses a loaded machine adds at random.
const perPhrase: number[][] = entries.map(() => []);
for (let r = 0; r < rounds; r++) {
  entries.forEach((e, i) => {
    const start = process.hrtime.bigint();
    parseRules(e.text, e.opts);
    perPhrase[i]?.push(Number(process.hrtime.bigint() - start) / 1e6);
  });
}
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const at = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;
const fmt = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;
const calls = sorted(perPhrase.flat());
const medians = sorted(perPhrase.map((xs) => at(sorted(xs), 0.5)));
console.log(`parseRules over ${entries.length} phrases × ${rounds} rounds`);
console.log(`per phrase (median of its rounds): p50 ${fmt(at(medians, 0.5))}  p99 ${fmt(at(medians, 0.99))}  max ${fmt(medians[medians.length - 1] ?? 0)}`);
console.log(`per call (all ${calls.length}):            p50 ${fmt(at(calls, 0.5))}  p99 ${fmt(at(calls, 0.99))}  max ${fmt(calls[calls.length - 1] ?? 0)}`);
