// The app as main.ts builds it for people: the API, the event hub behind /api/events, the web UI.
import { createEventHub, type EventHub, type EventHubOptions } from '../../src/api/events.ts';
import { eventRoutes } from '../../src/api/routes/events.ts';
import { webUi } from '../../src/api/web.ts';
import { createLogger } from '../../src/log.ts';
import type { Database } from '../../src/models/db.ts';
import { startTestApp, type TestApp, type TestAppOptions } from './app.ts';

export interface WebTestApp extends TestApp {
  hub: EventHub;
}

export async function startWebApp(db: Database, opts: TestAppOptions & { hub?: Partial<EventHubOptions> } = {}): Promise<WebTestApp> {
  const hub = createEventHub({ db, logger: createLogger(process.env.TEST_LOG ?? 'silent', false), ...opts.hub });
  await hub.start();
  const app = await startTestApp(db, { ...opts, app: { extraRoutes: eventRoutes(hub), after: [webUi()], ...opts.app } });
  return {
    ...app,
    hub,
    async close() {
      await hub.close();
      await app.close();
    },
  };
}
