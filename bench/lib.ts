// Small helpers shared by the bench scripts.
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import pg from 'pg';
import { createLogger } from '../src/log.ts';
import { openDatabase } from '../src/models/db.ts';

/** A bench drives one user far past any sane per-user rate limit: every bucket off. */
export const NO_RATE_LIMITS = { RATE_LIMIT_CREATE: 'off', RATE_LIMIT_EDIT: 'off', RATE_LIMIT_RUN_NOW: 'off', RATE_LIMIT_PARSE: 'off' };

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Nearest-rank percentile of a sorted array. */
export function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export function machine() {
  return {
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.arch()} ${os.release()}`,
    at: new Date().toISOString(),
  };
}

/** A Markdown table. */
export function table(head: string[], rows: Array<Array<string | number>>): string {
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

/** One request to a server on 127.0.0.1 over `agent`; a body is a JSON string. Resolves with the status and the body read whole. */
export function httpRequest(agent: http.Agent, port: number, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, agent, headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {} },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The URL of database `name` on the server at `serverUrl`. */
export function dbUrl(serverUrl: string, name: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A new, migrated database `name` on the server at `serverUrl` (dropped first if a run left it); its URL. */
export async function freshDb(serverUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const db = await openDatabase({ url: dbUrl(serverUrl, name), logger: createLogger('warn', false), migrate: true, poolSize: 2 });
  await db.close();
  return dbUrl(serverUrl, name);
}

/** CPU seconds (user + system) a process and its children have used, from /proc (Linux). */
export async function cpuOfTree(rootPid: number): Promise<number> {
  const ticks = 100; // USER_HZ on Linux
  const stats = new Map<number, { ppid: number; cpu: number }>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(entry), { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / ticks });
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  for (const [pid, s] of stats) if (pid === rootPid || s.ppid === rootPid) total += s.cpu;
  return total;
}
