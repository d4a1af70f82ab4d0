// The real server process (`node src/main.ts`) for tests of its wiring: what it refuses at start-up,
// what it listens on.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export async function freePort(): Promise<number> {
  return await new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface MainProcess {
  child: ChildProcess;
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

function spawnMain(env: Record<string, string>, args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  return { child, output: () => out };
}

/** Runs main.ts expecting it to exit by itself (a refused start), within `ms`. */
export async function runMainToExit(env: Record<string, string>, ms = 20_000): Promise<{ code: number | null; output: string }> {
  const { child, output } = spawnMain(env, []);
  const code = await new Promise<number | null>((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`main.ts did not exit within ${ms} ms:\n${output()}`));
    }, ms);
    child.once('exit', (c) => {
      clearTimeout(t);
      resolve(c);
    });
  });
  return { code, output: output() };
}

/** Starts main.ts and resolves once its log says `tickler listening` (within `ms`). */
export async function startMain(env: Record<string, string>, args: string[] = [], ms = 30_000): Promise<MainProcess> {
  const { child, output } = spawnMain(env, args);
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${ms} ms:\n${output()}`));
    }, ms);
    const onData = () => {
      if (output().includes('tickler listening')) {
        clearTimeout(t);
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`server exited (${code}):\n${output()}`));
    });
  });
  return {
    child,
    output,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      return await exited;
    },
  };
}
