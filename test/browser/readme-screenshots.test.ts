// The README's screenshots (docs/img/), taken from the real stack in Debian's chromium at 1280×900:
// the task list and the confirm card. Only with UPDATE_SCREENSHOTS=1 (`npm run screenshots`): the
// committed images change when someone means them to, not on every test run.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, type LaunchedBrowser, launchChromium } from '../support/browser.ts';
import { reply } from '../support/fake-openai.ts';
import { type FullStack, startFullStack } from '../support/full-stack.ts';

const IMG = fileURLToPath(new URL('../../docs/img/', import.meta.url));
const run = process.env.UPDATE_SCREENSHOTS === '1' && browserAvailable();

describe.skipIf(!run)('README screenshots', () => {
  let stack: FullStack;
  let chromium: LaunchedBrowser;
  let page: Page;

  beforeAll(async () => {
    [stack, chromium] = await Promise.all([startFullStack(), launchChromium()]);
    stack.fake.setHandler(() => reply.text('3 stories today: a Postgres job queue, a cron parser in Rust, and a tiny scheduler.'));
    const make = async (name: string, prompt: string, cron: string, extra: Record<string, unknown> = {}) => {
      const r = await stack.app.request('POST', '/api/tasks', { body: { name, prompt, schedule: { cron }, timezone: 'Europe/Paris', tools: ['notify'], notifyResult: true, ...extra } });
      expect(r.status).toBe(201);
      return r.body.id as string;
    };
    await make('Water the plants', 'Remind me to water the plants', '0 8 * * 1');
    await make('Weekly report', 'Draft the weekly report from this week’s notes', '0 17 * * 5');
    const hn = await make('Hacker News digest', 'Summarize the top Hacker News stories', '0 9 * * 1-5');
    const done = new Promise<void>((resolve) => stack.notices.events.once('delivered', () => resolve()));
    expect((await stack.app.request('POST', `/api/tasks/${hn}/run`, { body: {} })).status).toBe(202);
    await done;
    const context = await chromium.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Europe/Paris', reducedMotion: 'reduce', colorScheme: 'light' });
    page = await context.newPage();
    mkdirSync(IMG, { recursive: true });
  });
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
  });

  const clean = () => page.evaluate(() => document.getElementById('toasts')?.replaceChildren());

  it('the task list', async () => {
    await page.goto(`${stack.app.url}/#/tasks`);
    await page.locator('.task-card .last-output').first().waitFor();
    await clean();
    await page.screenshot({ path: `${IMG}task-list.png` });
  });

  it('the confirm card', async () => {
    await page.goto(`${stack.app.url}/#/`);
    await page.locator('#compose-text').fill('every weekday at 9am, summarize the top Hacker News stories');
    await page.locator('.reply-ok').waitFor();
    await clean();
    await page.screenshot({ path: `${IMG}confirm-card.png` });
  });
});
