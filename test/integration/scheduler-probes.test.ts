// A scheduler-only process (`npm start -- scheduler`) serves no API but can be probed: /healthz,
// /readyz and /metrics on PORT. Its /readyz 503s during start-up are not logged as errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { freePort, startMain } from '../support/main-process.ts';

let tdb: TestDatabase;
let db: Database;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open(4);
});
afterAll(async () => {
  await db?.close?.();
  await tdb?.drop();
});

describe('a scheduler-only process', () => {
  it('answers /healthz, /readyz and /metrics on PORT, and no API route', async () => {
    const port = await freePort();
    const main = await startMain({ DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' }, ['scheduler']);
    const base = `http://127.0.0.1:${port}`;
    try {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      // Ready once the engine's start-up sync is done: a real process, so this waits on it (bounded).
      const deadline = Date.now() + 20_000;
      let ready = await fetch(`${base}/readyz`);
      while (ready.status !== 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100)); // polling a child process's readiness, as a probe does
        ready = await fetch(`${base}/readyz`);
      }
      expect(ready.status).toBe(200);
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/^tickler_/m);
      for (const path of ['/api/tasks', '/api/schedules/parse', '/']) {
        const res = await fetch(`${base}${path}`);
        expect(res.status, path).toBe(404);
        expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      }
    } finally {
      expect(await main.stop()).toBe(0);
    }
    // Nothing above was logged as an error (a 503 from /readyz included).
    const errors = main.output().split('\n').filter((l) => /"level":(50|60)/.test(l));
    expect(errors).toEqual([]);
  });
});
