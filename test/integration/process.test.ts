import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reply, startFakeOpenAI } from '../support/fake-openai.ts';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

async function freePort(): Promise<number> {
  return await new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface Started {
  child: ChildProcess;
  output: () => string;
}

/** Starts the real server (`node src/main.ts`) and waits for it to listen. */
async function startServer(env: Record<string, string>, args: string[] = []): Promise<Started> {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000);
    const check = setInterval(() => {
      if (out.includes('tickler listening')) {
        clearInterval(check);
        clearTimeout(t);
        resolve();
      }
    }, 20);
    child.once('exit', (code) => {
      clearInterval(check);
      clearTimeout(t);
      reject(new Error(`server exited (${code}):\n${out}`));
    });
  });
  return { child, output: () => out };
}

/** The server listens before the engine's start-up sync ends (/readyz says when): wait for it. */
async function ready(base: string, ms = 30_000): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const status = (await fetch(`${base}/readyz`)).status;
    if (status === 200 || Date.now() > deadline) return status;
    // Another process's readiness: polled, bounded by the deadline.
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(s: Started): Promise<number | null> {
  if (s.child.exitCode !== null) return s.child.exitCode;
  const exited = new Promise<number | null>((r) => s.child.once('exit', (code) => r(code)));
  s.child.kill('SIGTERM');
  return await exited;
}

describe('the server process', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tickler-proc-'));
    await chmod(dir, 0o755); // as root, the embedded server runs as "postgres" and must enter it
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits at once with every configuration problem listed', async () => {
    const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', PORT: 'x', AUTH_MODE: 'nobody' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (d) => {
      err += d;
    });
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(1);
    expect(err).toMatch(/invalid configuration/);
    expect(err).toMatch(/PORT/);
    expect(err).toMatch(/AUTH_MODE/);
  });

  it('serves on the embedded database with no setup, keeps a task across a restart, and shuts down cleanly', { timeout: 90_000 }, async () => {
    const port = await freePort();
    const env = { DATA_DIR: join(dir, 'data'), PORT: String(port) };
    const first = await startServer(env);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await ready(base)).toBe(200);
    // local auth mode: no key needed on loopback with the embedded database
    const created = await fetch(`${base}/api/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'digest', prompt: 'Summarize HN', schedule: { cron: '0 9 * * 1-5' }, timezone: 'Europe/Paris' }),
    });
    expect(created.status).toBe(201);
    const task = (await created.json()) as { id: string; nextRunAt: string };
    expect(await stop(first)).toBe(0);
    expect(first.output()).toMatch(/stopped/);

    const second = await startServer(env);
    try {
      expect(await ready(base)).toBe(200);
      const again = (await (await fetch(`${base}/api/tasks/${task.id}`)).json()) as { id: string; nextRunAt: string };
      expect(again.nextRunAt).toBe(task.nextRunAt);
      const status = (await (await fetch(`${base}/api/scheduler/status`)).json()) as { instances: unknown[] };
      expect(status.instances.length).toBe(1);
    } finally {
      expect(await stop(second)).toBe(0);
    }
  });

  it('runs the API and the scheduler as separate processes on one database', { timeout: 90_000 }, async () => {
    const dbDir = join(dir, 'split');
    const port = await freePort();
    // The first process owns the embedded database; the second joins it by URL.
    const api = await startServer({ DATA_DIR: dbDir, PORT: String(port), AUTH_MODE: 'local' }, ['api']);
    try {
      const state = JSON.parse(await (await import('node:fs/promises')).readFile(join(dbDir, 'postgres.json'), 'utf8')) as { port: number; password: string };
      const url = `postgres://postgres:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/postgres`;
      const fake = await startFakeOpenAI({ handler: () => reply.text('Here is your summary.') });
      const scheduler = spawn(process.execPath, [MAIN, 'scheduler'], {
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: url, LOG_LEVEL: 'info', OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      scheduler.stdout?.on('data', (d) => {
        out += d;
      });
      try {
        const base = `http://127.0.0.1:${port}`;
        const t = (await (
          await fetch(`${base}/api/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ schedule: { every: '1h' } }) })
        ).json()) as { id: string };
        const x = (await (await fetch(`${base}/api/tasks/${t.id}/run`, { method: 'POST' })).json()) as { id: string };
        const deadline = Date.now() + 30_000;
        let status = '';
        while (Date.now() < deadline && status !== 'succeeded') {
          status = ((await (await fetch(`${base}/api/executions/${x.id}`)).json()) as { status: string }).status;
          // The run happens in the server process: polled over HTTP, bounded by the deadline.
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(status, out).toBe('succeeded');
        const done = (await (await fetch(`${base}/api/executions/${x.id}`)).json()) as { output: string; steps: Array<{ kind: string }> };
        expect(done.output).toBe('Here is your summary.');
        expect(done.steps.map((st) => st.kind)).toEqual(['llm']);
        expect(fake.requests).toHaveLength(1);
        const s = (await (await fetch(`${base}/api/scheduler/status`)).json()) as { instances: Array<{ mode: string }> };
        expect(s.instances.map((i) => i.mode)).toEqual(['scheduler']);
      } finally {
        const exited = new Promise((r) => scheduler.once('exit', r));
        scheduler.kill('SIGTERM');
        await exited;
        await fake.close();
      }
    } finally {
      await stop(api);
    }
  });
});
