// Scores the shared dev corpus and our own conventions corpus (test/nl-corpus/conventions.jsonl,
// phrases written from the conventions of everyday English) through POST /api/schedules/parse with
// no LLM configured, judged by the corpus' own score.mjs: the way the parser is measured from
// outside. Prints each corpus' accuracy line; fails on any wrong answer, any status other than
// 200/422, the dev corpus below 100% and ours below 90%.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLlm } from '../../src/llm/client.ts';
import { createLogger } from '../../src/log.ts';
import type { Database } from '../../src/models/db.ts';
import { createParser } from '../../src/nl-parser/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** ../shared/nl-corpus beside the checkout (a worktree may sit one level deeper than the main checkout). */
function sharedCorpus(): string | null {
  for (const dir of [process.env.NL_CORPUS_DIR, join(repo, '../shared/nl-corpus'), join(repo, '../../shared/nl-corpus')]) {
    if (dir && existsSync(join(dir, 'dev.jsonl')) && existsSync(join(dir, 'score.mjs'))) return dir;
  }
  return null;
}

const shared = sharedCorpus();
if (!shared) console.warn('nl-corpus: ../shared/nl-corpus (dev.jsonl, score.mjs) not found; skipping the corpus score through the API');

interface Entry {
  id: string;
  text: string;
  timezone: string | null;
  now: string;
  locale?: string;
}

const readJsonl = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Entry);

let tdb: TestDatabase;
let db: Database;
let app: TestApp;
let key: string;
let work: string;

beforeAll(async () => {
  if (!shared) return;
  tdb = await createTestDatabase();
  db = await tdb.open();
  const logger = createLogger('silent', false);
  app = await startTestApp(db, { parser: createParser({ llm: createLlm(loadConfig({}).openai), logger }) });
  key = (await app.user()).apiKey;
  // score.mjs imports croner and luxon, which ../shared does not install: run a copy from inside
  // our node_modules so it resolves ours.
  const cache = join(repo, 'node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  work = mkdtempSync(join(cache, 'nl-corpus-api-'));
  copyFileSync(join(shared, 'score.mjs'), join(work, 'score.mjs'));
});

afterAll(async () => {
  await app?.close();
  await tdb?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Each phrase through the API, as the prediction lines score.mjs reads. */
async function predict(entries: readonly Entry[]): Promise<string[]> {
  const lines: string[] = [];
  for (const e of entries) {
    const timezone = e.timezone ?? 'UTC';
    const now = DateTime.fromISO(e.now, { zone: timezone }).toUTC().toISO() as string;
    const res = await app.request('POST', '/api/schedules/parse', { key, body: { text: e.text, timezone, now, ...(e.locale ? { locale: e.locale } : {}) } });
    expect([200, 422], `${e.id} "${e.text}" → ${res.status} ${JSON.stringify(res.body)}`).toContain(res.status);
    let result: Record<string, unknown>;
    if (res.status !== 200) result = { kind: 'reject', reason: res.body.reason };
    else {
      const s = res.body.schedule;
      result = s.kind === 'cron' ? { kind: 'cron', cron: s.cron, timezone: s.timezone } : s.kind === 'interval' ? { kind: 'interval', seconds: s.everySeconds } : { kind: 'once', at: s.at };
    }
    lines.push(JSON.stringify({ id: e.id, result }));
  }
  return lines;
}

/** Runs score.mjs; returns its accuracy and wrong count, printing its last line. */
function score(name: string, corpus: string, lines: string[]): { accuracy: number; wrong: number; output: string } {
  const predictions = join(work, `${name}.predictions.jsonl`);
  writeFileSync(predictions, `${lines.join('\n')}\n`);
  const run = spawnSync(process.execPath, [join(work, 'score.mjs'), corpus, predictions, '--verbose'], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  const output = run.stdout.trim();
  const last = output.split('\n').pop() ?? '';
  console.log(`${name}: ${last}`);
  const m = /^accuracy ([\d.]+)% \((\d+)\/(\d+)\), wrong (\d+), declined (\d+)$/.exec(last);
  expect(m, output).not.toBeNull();
  const [, accuracy, , , wrong] = m as RegExpExecArray;
  return { accuracy: Number(accuracy), wrong: Number(wrong), output };
}

describe.skipIf(!shared)('the phrase corpora through POST /api/schedules/parse, rules only', () => {
  it('reads the shared dev corpus with every answer right', async () => {
    const corpus = join(shared as string, 'dev.jsonl');
    const r = score('dev', corpus, await predict(readJsonl(corpus)));
    expect(r.wrong, r.output).toBe(0);
    expect(r.accuracy, r.output).toBe(100);
  });

  it('reads our conventions corpus with no wrong answer and at least 90% right', async () => {
    const corpus = join(repo, 'test/nl-corpus/conventions.jsonl');
    const entries = readJsonl(corpus);
    expect(entries.length).toBeGreaterThanOrEqual(300);
    const r = score('conventions', corpus, await predict(entries));
    expect(r.wrong, r.output).toBe(0);
    expect(r.accuracy, r.output).toBeGreaterThanOrEqual(90);
  });
});
