import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./engine-child.ts', import.meta.url));

/** Scheduler replicas in their own processes (engine-child.ts); kill them all after each test. */
export const children = new Set<ChildProcess>();

/**
 * How long a replica gets to boot: a fresh Node process loading the TypeScript sources, migrating
 * and syncing. Seconds on an idle machine, but the suite runs real processes beside each other on
 * shared cores, where one boot has been seen to take over 20 s: generous, and still bounded.
 */
const START_MS = 90_000;
/** How long a SIGTERMed replica gets to stop (its shutdown grace plus handing back its fires) before SIGKILL. */
const STOP_MS = 30_000;

/** Starts a scheduler replica in its own process and waits until it is ready. */
export async function spawnEngine(url: string, env: Record<string, string> = {}, startMs = START_MS): Promise<ChildProcess> {
  const log = process.env.ENGINE_LOG ? openSync(process.env.ENGINE_LOG, 'a') : 'inherit';
  const child = spawn(process.execPath, [CHILD], { env: { ...process.env, DATABASE_URL: url, ...env }, stdio: ['ignore', 'pipe', log] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`engine process did not start within ${startMs} ms`));
    }, startMs);
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

/** Sends `signal` and waits for the exit; a process still up after STOP_MS is SIGKILLed (and waited for). */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const late = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), STOP_MS)))]);
  clearTimeout(timer);
  if (late) {
    child.kill('SIGKILL');
    await exited;
  }
}
