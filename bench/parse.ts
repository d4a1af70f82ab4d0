// Times parseRules over the dev corpus and our conventions corpus (the new forms: anchored
// periods, one-off days, parts of the day, office hours, durations, locales, misspellings):
// p50/p99 per phrase, after a warm-up pass, for each corpus and for both together.
//   node bench/parse.ts [--rounds 20]
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { parseRules } from '../src/nl-parser/rules.ts';
import type { ParseOptions } from '../src/nl-parser/types.ts';

// ../shared beside the checkout; a worktree sits one level deeper than the main checkout.
const devPath = ['../../shared/nl-corpus/dev.jsonl', '../../../shared/nl-corpus/dev.jsonl'].map((p) => new URL(p, import.meta.url)).find((u) => existsSync(u));
if (!devPath) {
  console.error('corpus not found: ../shared/nl-corpus/dev.jsonl');
  process.exit(1);
}
const conventionsPath = new URL('../test/nl-corpus/conventions.jsonl', import.meta.url);
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' } } });
const rounds = Math.max(1, Number(values.rounds));

interface Entry {
  text: string;
  timezone: string | null;
  now: string;
  locale?: string;
}
function load(path: URL): { text: string; opts: ParseOptions }[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Entry)
    .map((e) => {
      const timezone = e.timezone ?? 'UTC';
      return { text: e.text, opts: { timezone, now: DateTime.fromISO(e.now, { zone: timezone }).toJSDate(), ...(e.locale ? { locale: e.locale } : {}) } };
    });
}
const corpora = { dev: load(devPath), conventions: load(conventionsPath) };
const entries = [...corpora.dev, ...corpora.conventions];

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
function report(label: string, rows: number[][]) {
  const calls = sorted(rows.flat());
  const medians = sorted(rows.map((xs) => at(sorted(xs), 0.5)));
  console.log(`${label.padEnd(12)} ${String(rows.length).padStart(4)} phrases  per phrase (median of its rounds): p50 ${fmt(at(medians, 0.5))}  p99 ${fmt(at(medians, 0.99))}  max ${fmt(medians[medians.length - 1] ?? 0)}  |  per call: p50 ${fmt(at(calls, 0.5))}  p99 ${fmt(at(calls, 0.99))}`);
}
console.log(`parseRules × ${rounds} rounds`);
report('dev', perPhrase.slice(0, corpora.dev.length));
report('conventions', perPhrase.slice(corpora.dev.length));
report('all', perPhrase);
