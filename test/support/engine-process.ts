import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./engine-child.ts', import.meta.url));

/** Scheduler replicas in their own processes (engine-child.ts); kill them all after each test. */
export const children = new Set<ChildProcess>();

/** Starts a scheduler replica in its own process and waits until it is ready. */
export async function spawnEngine(url: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  const log = process.env.ENGINE_LOG ? openSync(process.env.ENGINE_LOG, 'a') : 'inherit';
  const child = spawn(process.execPath, [CHILD], { env: { ...process.env, DATABASE_URL: url, ...env }, stdio: ['ignore', 'pipe', log] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('engine process did not start')), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      if (typeof log === 'number') writeSync(log, d);
      if (d.toString().includes('ready')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`engine process exited early (${code})`)));
  });
  return child;
}

export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}
