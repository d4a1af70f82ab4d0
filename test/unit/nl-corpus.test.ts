// Runs every line of the shared dev corpus through parseRules and scores the answers with the
// corpus' own score.mjs (the judge the parser is finally measured by, on a larger unseen set).
// Fails on any wrong answer and below 90% accuracy.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { parseRules } from '../../src/nl-parser/rules.ts';
import type { RulesOutcome } from '../../src/nl-parser/types.ts';
import { checkSpec } from '../../src/scheduler/schedule.ts';

// ../shared beside the checkout; a worktree sits one level deeper than the main checkout.
const sharedDir = ['../../../shared/nl-corpus/', '../../../../shared/nl-corpus/']
  .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
  .find((dir) => existsSync(join(dir, 'dev.jsonl')));
const corpusPath = join(sharedDir ?? '', 'dev.jsonl');
const scorePath = join(sharedDir ?? '', 'score.mjs');
const present = existsSync(corpusPath) && existsSync(scorePath);
if (!present) console.warn(`nl-corpus: ${corpusPath} or score.mjs not found; skipping the corpus score`);

interface Entry {
  id: string;
  text: string;
  timezone: string | null;
  now: string;
}

/** The prediction shape score.mjs reads. */
function prediction(outcome: RulesOutcome): Record<string, unknown> {
  if (!outcome.ok) return { kind: 'reject', reason: `${outcome.kind}: ${outcome.reason}` };
  const s = outcome.schedule;
  if (s.kind === 'cron') return { kind: 'cron', cron: s.cron, timezone: s.timezone };
  if (s.kind === 'interval') return { kind: 'interval', seconds: s.everySeconds };
  if (s.kind === 'rrule') return { kind: 'rrule', rrule: s.rrule, dtstart: s.dtstart };
  return { kind: 'once', at: s.at };
}

describe.skipIf(!present)('the dev corpus', () => {
  it('is scored with no wrong answer and at least 90% accuracy', () => {
    const entries = readFileSync(corpusPath, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Entry);
    const lines: string[] = [];
    for (const e of entries) {
      const timezone = e.timezone ?? 'UTC';
      const now = DateTime.fromISO(e.now, { zone: timezone }).toJSDate();
      const outcome = parseRules(e.text, { timezone, now });
      if (outcome.ok) expect(checkSpec(outcome.schedule, { now }).ok, e.text).toBe(true);
      lines.push(JSON.stringify({ id: e.id, result: prediction(outcome) }));
    }
    // score.mjs imports croner and luxon, which ../shared does not install (CI checks out no
    // node_modules there): run a copy from inside our node_modules so it resolves ours.
    const cache = fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url));
    mkdirSync(cache, { recursive: true });
    const dir = mkdtempSync(join(cache, 'nl-corpus-'));
    try {
      const predictions = join(dir, 'predictions.jsonl');
      writeFileSync(predictions, `${lines.join('\n')}\n`);
      const scorer = join(dir, 'score.mjs');
      copyFileSync(scorePath, scorer);
      const run = spawnSync(process.execPath, [scorer, corpusPath, predictions, '--verbose'], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      const output = run.stdout.trim();
      const last = output.split('\n').pop() ?? '';
      console.log(last);
      const m = /^accuracy ([\d.]+)% \((\d+)\/(\d+)\), wrong (\d+), declined (\d+)$/.exec(last);
      expect(m, output).not.toBeNull();
      const [, accuracy, , , wrong] = m as RegExpExecArray;
      expect(Number(wrong), output).toBe(0);
      expect(Number(accuracy), output).toBeGreaterThanOrEqual(90);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
