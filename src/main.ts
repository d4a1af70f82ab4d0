import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './api/app.ts';
import { createMetricsApp } from './api/metrics-server.ts';
import { answerClientErrors } from './api/problem.ts';
import { ensureLocalUser } from './api/auth.ts';
import { createEventHub } from './api/events.ts';
import { createKeyCache, watchKeyRevocations } from './api/key-cache.ts';
import { eventRoutes } from './api/routes/events.ts';
import { webUi } from './api/web.ts';
import { systemClock } from './clock.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { openInfra } from './infra.ts';
import { isLoopbackHost } from './loopback.ts';
import { createLogger, type Logger } from './log.ts';
import { createLlm } from './llm/client.ts';
import { createParser } from './nl-parser/index.ts';
import { createMetrics } from './metrics.ts';
import { createEngine, type Engine } from './scheduler/engine.ts';
import { createResultNotices } from './runner/result-notices.ts';
import { createRunWebhookDispatcher } from './webhooks/run-dispatcher.ts';
import { systemFetchDeps } from './runner/http/net.ts';
import { instrumentEngine } from './scheduler/metrics.ts';
import type { RunFn } from './scheduler/runner-port.ts';
import { createActionRunner } from './actions/action-runner.ts';
import { createAmqpConnection } from './actions/amqp-connection.ts';
import { createAmqpPublisher } from './actions/amqp-publisher.ts';
import { builtinSystemJobs, createSystemJobRunner } from './scheduler/system-jobs.ts';
import { syncSystemJobs } from './scheduler/system-jobs-sync.ts';
import { createRunner } from './runner/runner.ts';

const MODES = ['all', 'api', 'scheduler'] as const;
type Mode = (typeof MODES)[number];

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tickler: ${err.message}\nSee .env.example for every variable.\n`);
      process.exit(1);
    }
    throw err;
  }
}

async function listen(server: Server, host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function main(): Promise<void> {
  const mode = (process.argv[2] ?? 'all') as Mode;
  if (!MODES.includes(mode)) {
    process.stderr.write(`tickler: unknown mode "${mode}"; use one of ${MODES.join(', ')}\n`);
    process.exit(1);
  }
  const config = readConfig();
  const logger: Logger = createLogger(config.logLevel);
  // A stray rejection or exception is logged, never fatal: one bad request must not take down the fleet.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  process.on('uncaughtException', (err) => logger.error({ err }, 'uncaught exception'));

  // Signals are handled from the first moment: a SIGTERM during start-up stops what has started
  // so far (the embedded database included) instead of killing the process mid-way.
  const cleanup: Array<() => Promise<void>> = [];
  let stopping = false;
  let starting: Promise<unknown> = Promise.resolve();
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await starting.catch(() => undefined);
    for (const step of cleanup) await step().catch((err) => logger.error({ err }, 'shutdown step failed'));
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  const step = <T>(p: Promise<T>): Promise<T> => {
    starting = p;
    return p;
  };
  const infra = await step(openInfra(config, logger));
  cleanup.push(() => infra.close());
  if (stopping) return;
  const clock = systemClock;
  // One client for the parser and the runner: one connection pool to the LLM endpoint.
  const llm = createLlm(config.openai);
  const metrics = createMetrics();
  let ready = false;
  // One broker connection per process (AMQP_URL), shared by the API's checks and the publisher.
  const amqp = config.amqpUrl ? createAmqpConnection({ url: config.amqpUrl, clock, logger }) : undefined;
  if (amqp) cleanup.push(() => amqp.close());

  if (config.metrics.listener) {
    // In every mode: a scheduler-only process has metrics too, and no API to serve them on.
    const { host, port } = config.metrics.listener;
    const metricsServer = createServer(createMetricsApp({ metrics, token: config.metrics.token, logger, loopbackOnly: isLoopbackHost(host) }).callback());
    answerClientErrors(metricsServer);
    await step(listen(metricsServer, host, port));
    cleanup.unshift(
      () =>
        new Promise<void>((resolve) => {
          metricsServer.close(() => resolve());
          metricsServer.closeAllConnections();
        }),
    );
    const bound = (metricsServer.address() as AddressInfo).port;
    logger.info({ url: `http://${host}:${bound}/metrics`, token: config.metrics.token !== undefined }, 'metrics listening');
  }
  if (stopping) return;

  if (mode === 'all' || mode === 'api') {
    const localUserId = config.authMode === 'local' ? await step(ensureLocalUser(infra.db.pool)) : undefined;
    const parser = createParser({ llm, logger });
    // Keys revoked on any replica leave this one's auth cache when their NOTIFY arrives.
    const keyCache = createKeyCache();
    const keyWatch = watchKeyRevocations({ url: infra.db.url, logger, cache: keyCache });
    cleanup.unshift(() => keyWatch.close());
    // One LISTEN connection per API process feeds every SSE client connected to it.
    const hub = createEventHub({ db: infra.db, logger });
    await step(hub.start());
    cleanup.unshift(() => hub.close());
    const app = createApp({ config, db: infra.db, logger, clock, parser, localUserId, isReady: () => ready, metrics, keyCache, ...(amqp ? { amqp } : {}) }, { extraRoutes: eventRoutes(hub), after: [webUi()] });
    const server: Server = createServer(app.callback());
    server.keepAliveTimeout = 65_000;
    answerClientErrors(server);
    await step(listen(server, config.host, config.port));
    logger.info({ url: `http://${config.host}:${config.port}`, mode, auth: config.authMode }, 'tickler listening');
    // Event streams end first (hub.close), so open SSE connections do not hold the server's close.
    cleanup.splice(
      1,
      0,
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 5_000).unref();
        }),
    );
  }
  if (stopping) return;
  if (mode === 'scheduler') {
    // No API here, but probes and scrapers still need /healthz, /readyz and /metrics on PORT.
    const ops = createApp({ config, db: infra.db, logger, clock, parser: createParser({ llm, logger }), isReady: () => ready, metrics, ...(amqp ? { amqp } : {}) }, { only: 'ops' });
    const server: Server = createServer(ops.callback());
    answerClientErrors(server);
    await step(listen(server, config.host, config.port));
    logger.info({ url: `http://${config.host}:${config.port}`, mode, routes: ['/healthz', '/readyz', '/metrics'] }, 'tickler listening');
    cleanup.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
  }
  if (stopping) return;
  if (mode === 'all' || mode === 'scheduler') {
    // System jobs are upserted before the engine claims anything; their runs go to their handlers.
    const jobs = builtinSystemJobs(config);
    const synced = await step(syncSystemJobs(infra.db.pool, jobs, clock.now()));
    logger.info(synced, 'system jobs synced');
    const runJob = createSystemJobRunner(jobs, { db: infra.db, clock, logger, config });
    const runTask = createRunner({ db: infra.db, clock, logger, config, llm });
    const runLlm: RunFn = (req) => (req.execution.systemJob ? runJob(req) : runTask(req));
    // amqp fires go to the outbox and this process's publisher; http fires are POSTed; the rest run as before.
    const publisher = amqp ? createAmqpPublisher({ db: infra.db, clock, logger, connection: amqp }) : undefined;
    publisher?.start();
    if (publisher) cleanup.unshift(() => publisher.stop());
    const run = createActionRunner({
      db: infra.db,
      logger,
      llm: runLlm,
      publisher,
      http: { deps: systemFetchDeps, allowedHosts: config.runner.httpAllowedHosts },
      clock,
    });
    const engine: Engine = createEngine({ db: infra.db, clock, logger, run, config: config.scheduler, mode, sendBacklog: runTask.backlog });
    instrumentEngine(engine, metrics);
    // Run webhooks are enqueued with each finish (a trigger); this replica sends its share of them.
    const webhooks = createRunWebhookDispatcher({
      pool: infra.db.pool,
      clock,
      logger,
      http: { deps: systemFetchDeps, allowedHosts: config.runner.httpAllowedHosts },
    });
    engine.events.on('recorded', () => webhooks.kick());
    // "Tell me the result": each final finish of a task that asks for it reaches the inbox.
    const notices = createResultNotices({ pool: infra.db.pool, clock, logger });
    engine.events.on('recorded', (finishes) => void notices.record(finishes));
    engine.events.on('missed', () => webhooks.kick());
    webhooks.start();
    cleanup.unshift(() => webhooks.stop());
    // Stop claiming and drain before the database goes away; /healthz answers during sync, /readyz after.
    cleanup.unshift(() => engine.stop());
    await step(engine.start());
  }
  ready = true;
}

main().catch((err) => {
  process.stderr.write(`tickler: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  if (err instanceof Error && err.cause) process.stderr.write(`  cause: ${String((err.cause as Error).message ?? err.cause)}\n`);
  process.exit(1);
});
