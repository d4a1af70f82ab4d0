// The task list narrows by name and by status, and a task can be duplicated from its card.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, type LaunchedBrowser, launchChromium, screenshot } from '../support/browser.ts';
import { type FullStack, startFullStack } from '../support/full-stack.ts';

const run = browserAvailable();

describe.skipIf(!run)('task list search, filter and duplicate', () => {
  let stack: FullStack;
  let chromium: LaunchedBrowser;
  let page: Page;

  beforeAll(async () => {
    [stack, chromium] = await Promise.all([startFullStack(), launchChromium()]);
    const make = async (name: string, cron: string) => {
      const r = await stack.app.request('POST', '/api/tasks', { body: { name, prompt: `${name}: say hello`, schedule: { cron }, timezone: 'Europe/Paris', tools: ['notify'] } });
      expect(r.status).toBe(201);
      return r.body.id as string;
    };
    await make('Water the plants', '0 9 * * *');
    await make('Weekly report', '0 17 * * 5');
    const paused = await make('Stretch break', '*/30 * * * *');
    expect((await stack.app.request('POST', `/api/tasks/${paused}/pause`)).status).toBe(200);
    page = await (await chromium.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Europe/Paris' })).newPage();
  });
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
  });

  const names = () => page.locator('.task-card h2').allTextContents();

  it('searches by name and filters by status', async () => {
    await page.goto(`${stack.app.url}/#/tasks`);
    await page.locator('.task-card').nth(2).waitFor();
    expect((await names()).sort()).toEqual(['Stretch break', 'Water the plants', 'Weekly report']);

    await page.getByLabel('Search tasks').fill('week');
    await expect.poll(names, { timeout: 5000 }).toEqual(['Weekly report']);
    expect(await page.locator('.view.tasks > p.muted').textContent()).toBe('1 of 3 tasks match');

    await page.getByLabel('Search tasks').fill('');
    await page.getByLabel('Status').selectOption('paused');
    await expect.poll(names, { timeout: 5000 }).toEqual(['Stretch break']);
    await page.getByLabel('Status').selectOption('active');
    await expect.poll(async () => (await names()).sort(), { timeout: 5000 }).toEqual(['Water the plants', 'Weekly report']);
    await page.getByLabel('Status').selectOption('completed');
    await expect.poll(names, { timeout: 5000 }).toEqual([]);
    await screenshot(page, 'task-list-filtered');
    await page.getByLabel('Status').selectOption('all');
  });

  it('duplicates a task with its schedule, zone and tools', async () => {
    await page.goto(`${stack.app.url}/#/tasks`);
    const card = page.locator('.task-card', { hasText: 'Weekly report' });
    await card.getByRole('button', { name: 'Duplicate' }).click();
    const copy = page.locator('.task-card', { hasText: 'Copy of Weekly report' });
    await copy.waitFor({ timeout: 5000 });
    const list = await stack.app.request('GET', '/api/tasks?limit=200');
    const made = list.body.items.find((t: { name: string }) => t.name === 'Copy of Weekly report');
    const original = list.body.items.find((t: { name: string }) => t.name === 'Weekly report');
    expect(made).toBeDefined();
    expect(made.schedule.cron).toBe(original.schedule.cron);
    expect(made.timezone).toBe('Europe/Paris');
    expect(made.tools).toEqual(['notify']);
    expect(made.prompt).toBe(original.prompt);
    expect(made.nextRunAt).toBe(original.nextRunAt);
  });
});
