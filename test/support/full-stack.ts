// The whole of tickler in one test process, as `npm start` wires it: the API with the real parser
// (rules; no LLM configured), the event hub, the web UI, the system jobs declared in code, and an
// engine whose runs go through the real runner to the fake chat server (system jobs' runs to their
// handlers). Run now → engine → runner → steps → events → page.
import { type Config, loadConfig } from '../../src/config.ts';
import { createLlm } from '../../src/llm/client.ts';
import { createLogger } from '../../src/log.ts';
import type { Database } from '../../src/models/db.ts';
import { createParser } from '../../src/nl-parser/index.ts';
import { createResultNotices, type ResultNotices } from '../../src/runner/result-notices.ts';
import { createRunner } from '../../src/runner/runner.ts';
import type { Engine } from '../../src/scheduler/engine.ts';
import type { RunFn } from '../../src/scheduler/runner-port.ts';
import { builtinSystemJobs, createSystemJobRunner } from '../../src/scheduler/system-jobs.ts';
import { syncSystemJobs } from '../../src/scheduler/system-jobs-sync.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { startEngine } from './engine.ts';
import { type FakeOpenAI, startFakeOpenAI } from './fake-openai.ts';
import { testNet } from './net.ts';
import { startWebApp, type WebTestApp } from './web-app.ts';

export interface FullStack {
  tdb: TestDatabase;
  db: Database;
  fake: FakeOpenAI;
  app: WebTestApp;
  engine: Engine;
  /** Result notifications ("Tell me the result"), wired to the engine as main.ts does. */
  notices: ResultNotices;
  /** Another API instance on the same database (what a second replica would be). */
  secondApp(): Promise<WebTestApp>;
  close(): Promise<void>;
}

/** `env` configures the API; `runnerEnv` adds to the runner's configuration (e.g. HTTP_TOOL_ALLOWED_HOSTS). */
export async function startFullStack(env: Record<string, string> = {}, runnerEnv: Record<string, string> = {}): Promise<FullStack> {
  const tdb = await createTestDatabase();
  const db = await tdb.open(20);
  const fake = await startFakeOpenAI();
  const logger = createLogger(process.env.TEST_LOG ?? 'silent', false);
  // Rules only: phrases they cannot read are declined, as on a server without OPENAI_API_KEY.
  const parser = createParser({ llm: createLlm(loadConfig({}).openai), logger });
  // The runner below reaches the fake chat server: the API says so too (no "no LLM" banner), unless `env` says otherwise.
  const appEnv = { AUTH_MODE: 'local', OPENAI_BASE_URL: fake.url, ...env };
  const app = await startWebApp(db, { parser, env: appEnv });
  const runnerConfig: Config = loadConfig({ DATABASE_URL: db.url, OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'sk-test', OPENAI_MODEL: 'fake-model', LOG_LEVEL: 'silent', ...runnerEnv });
  const runTask = createRunner({ db, clock: app.deps.clock, logger, config: runnerConfig, fetchDeps: testNet().deps });
  const jobs = builtinSystemJobs(runnerConfig);
  await syncSystemJobs(db.pool, jobs, app.deps.clock.now());
  const runJob = createSystemJobRunner(jobs, { db, clock: app.deps.clock, logger, config: runnerConfig });
  const run: RunFn = (req) => (req.execution.systemJob ? runJob(req) : runTask(req));
  const engine = await startEngine(db, run);
  const notices = createResultNotices({ pool: db.pool, clock: app.deps.clock, logger });
  engine.events.on('recorded', (finishes) => void notices.record(finishes));
  const others: WebTestApp[] = [];
  return {
    tdb,
    db,
    fake,
    app,
    engine,
    notices,
    async secondApp() {
      const other = await startWebApp(db, { parser, env: appEnv });
      others.push(other);
      return other;
    },
    async close() {
      await engine.stop(500);
      for (const o of others) await o.close();
      await app.close();
      await fake.close();
      await tdb.drop();
    },
  };
}
