// A real RabbitMQ (Debian's rabbitmq-server) per test file: its own node name, ports, data dir,
// config and HOME (so its .erlang.cookie is its own), nothing shared with another test file or a
// system broker. Starting takes seconds: start once per file.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { freePort } from './main-process.ts';

// The Debian package's own start script; /usr/sbin/rabbitmq-server would switch to the rabbitmq user.
const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const START_MS = 60_000;

export const RABBITMQ_SKIP_MESSAGE = 'RabbitMQ tests skipped: Debian’s rabbitmq-server is not installed (apt-get install -y rabbitmq-server to run them)';

/** Whether to run; throws when they are required (CI) and the server is missing. */
export function rabbitmqAvailable(): boolean {
  if (existsSync(SERVER)) return true;
  if (process.env.REQUIRE_RABBITMQ_TESTS === '1') throw new Error(`REQUIRE_RABBITMQ_TESTS=1 but ${RABBITMQ_SKIP_MESSAGE}`);
  process.stderr.write(`\n${RABBITMQ_SKIP_MESSAGE}\n`);
  return false;
}

export interface TestRabbit {
  url: string;
  port: number;
  /** Stops the broker (data kept), e.g. to test an outage. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function waitReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + START_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`rabbitmq-server exited (${child.exitCode}) before accepting connections:\n${output().slice(-2000)}`);
    try {
      const c = await amqp.connect(url);
      await c.close();
      return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`rabbitmq-server did not accept connections within ${START_MS} ms:\n${output().slice(-2000)}`);
    // The polling interval: another process's start-up cannot be awaited.
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startRabbit(): Promise<TestRabbit> {
  const dir = mkdtempSync(join(tmpdir(), 'tickler-rabbit-'));
  const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  const name = `tickler${process.pid}x${port}@localhost`;
  writeFileSync(join(dir, 'rabbitmq.conf'), ['loopback_users = none', `listeners.tcp.1 = 127.0.0.1:${port}`, 'log.console = false', ''].join('\n'));
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    RABBITMQ_NODENAME: name,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
  };
  const url = `amqp://guest:guest@127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let out = '';

  async function start(): Promise<void> {
    out = '';
    const c = spawn(SERVER, [], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: false });
    child = c;
    c.stdout?.on('data', (d) => {
      out += d;
    });
    c.stderr?.on('data', (d) => {
      out += d;
    });
    await waitReady(url, c, () => out);
  }

  async function stop(): Promise<void> {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    // The port is free once the listener is gone (bounded: the kill above ends it).
    for (let i = 0; i < 100 && (await portOpen(port)); i++) await new Promise((r) => setTimeout(r, 50));
  }

  await start();
  return {
    url,
    port,
    stop,
    start,
    async close() {
      await stop();
      // epmd is started as a daemon by the node; this instance's epmd is on its own port.
      try {
        execFileSync('epmd', ['-kill'], { env: { ...env }, stdio: 'ignore', timeout: 5000 });
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
