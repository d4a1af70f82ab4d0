// At phone width (390 × 844) a task with a 300-character unbroken word in its name and instruction
// widens no page, and its title is a finger-sized target.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, type LaunchedBrowser, launchChromium, screenshot } from '../support/browser.ts';
import { type FullStack, startFullStack } from '../support/full-stack.ts';

const run = browserAvailable();
const WORD = `https://example.com/${'x'.repeat(280)}`;

describe.skipIf(!run)('phone width', () => {
  let stack: FullStack;
  let chromium: LaunchedBrowser;
  let page: Page;
  let taskId: string;

  beforeAll(async () => {
    [stack, chromium] = await Promise.all([startFullStack(), launchChromium()]);
    const created = await stack.app.request('POST', '/api/tasks', { body: { name: WORD.slice(0, 200), prompt: `Fetch ${WORD} and summarize it`, schedule: { cron: '0 9 * * *' }, tools: ['http_fetch'] } });
    expect(created.status).toBe(201);
    taskId = created.body.id;
    const context = await chromium.browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US', timezoneId: 'Europe/Paris', reducedMotion: 'reduce', hasTouch: true, isMobile: true });
    page = await context.newPage();
  });
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
  });

  const width = () => page.evaluate(() => ({ page: document.documentElement.scrollWidth, viewport: window.innerWidth }));

  it.each([
    ['the task list', '#/tasks', '.task-card'],
    ['the task page', () => `#/tasks/${taskId}`, '.task-head'],
    ['the compose page', '#/', '#compose-text'],
  ])('%s is no wider than the viewport', async (name, hash, ready) => {
    await page.goto(`${stack.app.url}/${typeof hash === 'function' ? hash() : hash}`);
    await page.locator(ready as string).first().waitFor();
    if (name === 'the compose page') {
      await page.locator('#compose-text').fill(`every day at 9am, read ${WORD}`);
      await page.locator('.reply-ok').waitFor();
    }
    const w = await width();
    expect(w.page, `${name}: page ${w.page}px in a ${w.viewport}px viewport`).toBeLessThanOrEqual(w.viewport);
    await screenshot(page, `phone-${name.replaceAll(' ', '-')}`);
  });

  it('shows no "no language model" banner when the server has one', async () => {
    await page.goto(`${stack.app.url}/#/tasks`);
    await page.locator('.task-card').first().waitFor();
    expect(await page.locator('#no-llm').isHidden()).toBe(true);
  });

  it('gives task titles a tap target of at least 44 px', async () => {
    await page.goto(`${stack.app.url}/#/tasks`);
    const title = page.locator('.task-card h2 a').first();
    await title.waitFor();
    const box = await title.boundingBox();
    expect(box?.height ?? 0).toBeGreaterThanOrEqual(44);
  });
});
