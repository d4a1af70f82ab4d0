import { z } from 'zod';
import { isLoopbackHost } from './loopback.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const intIn = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

// Empty strings count as unset: `.env` files and shells often export `FOO=`.
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const metricsListener = (env: { METRICS_HOST?: string | undefined; METRICS_PORT?: number | undefined }) =>
  env.METRICS_HOST !== undefined || env.METRICS_PORT !== undefined;
const RATE_UNITS: Record<string, number> = { s: 1_000, sec: 1_000, second: 1_000, m: 60_000, min: 60_000, minute: 60_000, h: 3_600_000, hour: 3_600_000 };

/** `"10/min"`: a bucket of 10 that refills 10 per minute, evenly; `"0"` or `"off"`: no limit. */
export interface RateLimit {
  capacity: number;
  periodMs: number;
}

const rateLimit = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx): RateLimit | null => {
      const s = v.trim().toLowerCase();
      if (s === '0' || s === 'off') return null;
      const m = /^(\d{1,9})\s*\/\s*([a-z]+)$/.exec(s);
      const periodMs = m ? RATE_UNITS[m[2] as string] : undefined;
      if (!m || periodMs === undefined || Number(m[1]) < 1) {
        ctx.addIssue({ code: 'custom', message: 'must be "N/s", "N/min" or "N/h" (N ≥ 1), or "off"' });
        return z.NEVER;
      }
      return { capacity: Number(m[1]), periodMs };
    });

const schema = z
  .object({
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: intIn(0, 65535, 3000),
    DATABASE_URL: optionalString.pipe(
      z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
    ),
    DATA_DIR: z.string().min(1).default('.data'),
    DB_POOL_SIZE: intIn(2, 200, 20),
    AUTH_MODE: z.enum(['local', 'apikey']).optional(),
    ADMIN_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
    OPENAI_API_KEY: optionalString,
    OPENAI_BASE_URL: optionalString.pipe(z.url().optional()),
    OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
    OPENAI_MODELS: z
      .string()
      .optional()
      .transform((v) => (v ?? '').split(',').map((m) => m.trim()).filter(Boolean)),
    OPENAI_TIMEOUT_MS: intIn(100, 600_000, 30_000),
    OPENAI_MAX_CONNECTIONS: intIn(1, 10_000, 256),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    MAX_TASKS_PER_USER: intIn(1, 1_000_000_000, 50),
    MIN_INTERVAL_SECONDS: intIn(1, 31_536_000, 300),
    BODY_LIMIT_BYTES: intIn(1024, 100 * 1024 * 1024, 1024 * 1024),
    RUNNER_CONCURRENCY: intIn(1, 100_000, 500),
    SCHEDULER_LOOKAHEAD_MS: intIn(500, 60_000, 5_000),
    SCHEDULER_LEASE_SECONDS: intIn(1, 3600, 30),
    SCHEDULER_HEARTBEAT_MS: intIn(100, 60_000, 2_000),
    SCHEDULER_REPLICA_DEAD_MS: intIn(300, 600_000, 6_000),
    SHUTDOWN_GRACE_SECONDS: intIn(0, 3600, 20),
    RUN_MAX_STEPS: intIn(1, 100, 10),
    RUN_TIMEOUT_SECONDS: intIn(1, 3600, 120),
    RUN_MAX_TOKENS: intIn(100, 10_000_000, 100_000),
    HTTP_TOOL_ALLOWED_HOSTS: z
      .string()
      .optional()
      .transform((v) => (v ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean)),
    EXECUTION_RETENTION_DAYS: intIn(1, 3650, 30),
    NOTIFICATION_RETENTION_DAYS: intIn(1, 3650, 30),
    AMQP_URL: optionalString.pipe(z.url({ protocol: /^amqps?$/, error: 'must be an amqp:// or amqps:// URL' }).optional()),
    METRICS_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
    METRICS_HOST: optionalString,
    METRICS_PORT: optionalString.pipe(z.coerce.number<string | undefined>().int().min(0).max(65535).optional()),
    RATE_LIMIT_CREATE: rateLimit('60/min'),
    RATE_LIMIT_EDIT: rateLimit('120/min'),
    RATE_LIMIT_RUN_NOW: rateLimit('30/min'),
    RATE_LIMIT_PARSE: rateLimit('60/min'),
  })
  .superRefine((env, ctx) => {
    if (metricsListener(env) && env.METRICS_PORT === env.PORT && env.PORT !== 0 && (env.METRICS_HOST ?? '127.0.0.1') === env.HOST) {
      ctx.addIssue({ code: 'custom', path: ['METRICS_PORT'], message: `must differ from PORT (${env.PORT}): /metrics gets a listener of its own` });
    }
    // One late heartbeat (a GC pause, a slow query) must not make a live replica look dead.
    if (env.SCHEDULER_REPLICA_DEAD_MS < 2 * env.SCHEDULER_HEARTBEAT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['SCHEDULER_REPLICA_DEAD_MS'],
        message: `must be at least twice SCHEDULER_HEARTBEAT_MS (${env.SCHEDULER_HEARTBEAT_MS})`,
      });
    }
    // Keyless requests act as an admin user: that is only safe where nobody else can connect.
    if (env.AUTH_MODE === 'local' && !isLoopbackHost(env.HOST)) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_MODE'],
        message: `local (keyless) mode needs a loopback HOST (127.0.0.1, localhost or ::1), but HOST=${env.HOST} can be reached from other machines: set AUTH_MODE=apikey or bind HOST to loopback`,
      });
    }
  })
  .transform((env) => {
    const embedded = env.DATABASE_URL === undefined;
    const loopback = isLoopbackHost(env.HOST);
    return {
      host: env.HOST,
      port: env.PORT,
      databaseUrl: env.DATABASE_URL,
      dataDir: env.DATA_DIR,
      dbPoolSize: env.DB_POOL_SIZE,
      // Local mode (no key needed) only makes sense when nobody else can reach the server and the
      // data is this machine's own; anything else defaults to real keys.
      authMode: env.AUTH_MODE ?? (embedded && loopback ? 'local' : 'apikey'),
      adminToken: env.ADMIN_TOKEN,
      openai: {
        apiKey: env.OPENAI_API_KEY,
        baseURL: env.OPENAI_BASE_URL,
        model: env.OPENAI_MODEL,
        // The models a task may name; the server's own model is always one of them (a task
        // without a model runs on it anyway).
        models: [...new Set([env.OPENAI_MODEL, ...env.OPENAI_MODELS])],
        timeoutMs: env.OPENAI_TIMEOUT_MS,
        maxConnections: env.OPENAI_MAX_CONNECTIONS,
      },
      logLevel: env.LOG_LEVEL,
      limits: {
        maxTasksPerUser: env.MAX_TASKS_PER_USER,
        minIntervalSeconds: env.MIN_INTERVAL_SECONDS,
        bodyLimitBytes: env.BODY_LIMIT_BYTES,
      },
      // Per user and per replica (token buckets in memory): null disables one.
      rateLimits: {
        create: env.RATE_LIMIT_CREATE,
        edit: env.RATE_LIMIT_EDIT,
        runNow: env.RATE_LIMIT_RUN_NOW,
        parse: env.RATE_LIMIT_PARSE,
      },
      scheduler: {
        runnerConcurrency: env.RUNNER_CONCURRENCY,
        lookaheadMs: env.SCHEDULER_LOOKAHEAD_MS,
        leaseSeconds: env.SCHEDULER_LEASE_SECONDS,
        heartbeatMs: env.SCHEDULER_HEARTBEAT_MS,
        replicaDeadMs: env.SCHEDULER_REPLICA_DEAD_MS,
        shutdownGraceSeconds: env.SHUTDOWN_GRACE_SECONDS,
        retentionDays: env.EXECUTION_RETENTION_DAYS,
        notificationRetentionDays: env.NOTIFICATION_RETENTION_DAYS,
      },
      runner: {
        maxSteps: env.RUN_MAX_STEPS,
        timeoutSeconds: env.RUN_TIMEOUT_SECONDS,
        maxTokens: env.RUN_MAX_TOKENS,
        httpAllowedHosts: env.HTTP_TOOL_ALLOWED_HOSTS,
      },
      // Set: amqp actions publish there and create validates their exchanges (src/actions/).
      amqpUrl: env.AMQP_URL,
      metrics: {
        token: env.METRICS_TOKEN,
        // Set: /metrics is served there and not on HOST:PORT.
        listener: metricsListener(env) ? { host: env.METRICS_HOST ?? '127.0.0.1', port: env.METRICS_PORT ?? 9464 } : undefined,
      },
    } as const;
  });

export type Config = Readonly<z.output<typeof schema>>;

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Parses the environment into a frozen, typed config, or throws a ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  return Object.freeze(result.data);
}
