import type { AmqpConnection } from '../../src/actions/amqp-connection.ts';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { createApp, type CreateAppOptions } from '../../src/api/app.ts';
import { ensureLocalUser, createUser } from '../../src/api/auth.ts';
import type { AppDeps } from '../../src/api/deps.ts';
import type { KeyCache } from '../../src/api/key-cache.ts';
import { answerClientErrors } from '../../src/api/problem.ts';
import { type Clock, systemClock } from '../../src/clock.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import type { Database } from '../../src/models/db.ts';
import type { ScheduleParser } from '../../src/nl-parser/parser.ts';
import { NOT_UNDERSTOOD } from '../../src/nl-parser/parser.ts';

export interface TestApp {
  url: string;
  config: Config;
  deps: AppDeps;
  server: Server;
  /** fetch against the app; `key` sets Authorization: Bearer. JSON bodies are serialised for you. */
  request(method: string, path: string, opts?: { key?: string; body?: unknown; raw?: string | Buffer; headers?: Record<string, string> }): Promise<TestResponse>;
  /** A new user with its API key. */
  user(name?: string): Promise<{ id: string; apiKey: string }>;
  close(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export const decliningParser: ScheduleParser = {
  async parse() {
    return { ok: false, reason: NOT_UNDERSTOOD, status: 422 };
  },
};

export interface TestAppOptions {
  env?: Record<string, string>;
  parser?: ScheduleParser;
  clock?: Clock;
  app?: CreateAppOptions;
  /** The auth cache of keys (a test that watches revocations shares it with the watcher). */
  keyCache?: KeyCache;
  /** The broker connection amqp actions are checked against (and /readyz reports). */
  amqp?: AmqpConnection;
}

/** Starts the real Koa app on 127.0.0.1:<random> over a test database. */
export async function startTestApp(db: Database, opts: TestAppOptions = {}): Promise<TestApp> {
  const config = loadConfig({
    DATABASE_URL: db.url,
    AUTH_MODE: 'apikey',
    ADMIN_TOKEN: 'admin-token-for-tests-0123456789',
    LOG_LEVEL: 'silent',
    MIN_INTERVAL_SECONDS: '60',
    // Suites drive one user hard; the rate-limit tests turn the buckets on themselves.
    RATE_LIMIT_CREATE: 'off',
    RATE_LIMIT_EDIT: 'off',
    RATE_LIMIT_RUN_NOW: 'off',
    RATE_LIMIT_PARSE: 'off',
    ...opts.env,
  });
  const logger = createLogger('silent', false);
  const localUserId = config.authMode === 'local' ? await ensureLocalUser(db.pool) : undefined;
  const deps: AppDeps = {
    config,
    db,
    logger,
    clock: opts.clock ?? systemClock,
    parser: opts.parser ?? decliningParser,
    localUserId,
    isReady: () => true,
    metrics: createMetrics(),
    ...(opts.keyCache ? { keyCache: opts.keyCache } : {}),
    ...(opts.amqp ? { amqp: opts.amqp } : {}),
  };
  const app = createApp(deps, opts.app);
  const server = createServer(app.callback());
  answerClientErrors(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let n = 0;
  return {
    url,
    config,
    deps,
    server,
    async request(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.key) headers.authorization = `Bearer ${o.key}`;
      let body: string | Buffer | undefined = o.raw;
      if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(url + path, { method, headers, body: body as BodyInit | undefined });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
    async user(name) {
      const u = await createUser(db.pool, name ?? `user${++n}`);
      return { id: u.id, apiKey: u.apiKey };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
