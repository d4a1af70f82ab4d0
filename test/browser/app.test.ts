// The web app in a real browser over the real stack (see test/support/full-stack.ts). The tests
// share one page and run in order, as one person's session: compose, tasks, a live run, the inbox.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, type LaunchedBrowser, launchChromium, screenshot } from '../support/browser.ts';
import { reply } from '../support/fake-openai.ts';
import { type FullStack, startFullStack } from '../support/full-stack.ts';
import { until } from '../support/poll.ts';

const run = browserAvailable();
const PHRASE = 'every weekday at 9am, summarize the top Hacker News stories';

describe.skipIf(!run)('the web app', () => {
  let stack: FullStack;
  let chromium: LaunchedBrowser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [stack, chromium] = await Promise.all([startFullStack(), launchChromium()]);
    context = await chromium.browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'en-US', timezoneId: 'Europe/Paris', reducedMotion: 'reduce' });
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // Failed requests are logged as console errors too; those are expected (a 422 decline, a dropped stream).
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
    });
    await page.goto(stack.app.url);
    await page.locator('#live[data-state="live"]').waitFor();
  });
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
  });

  const tasksInDb = async () => (await stack.db.pool.query<{ id: string; name: string; enabled: boolean; tools: string[] }>("select id::text, name, enabled, tools from tasks where kind = 'user' order by id")).rows;

  it('reads a phrase as it is typed, shows the schedule, the next runs and who read it, and creates the task on confirm', async () => {
    // The text box has the focus on arrival: typing starts at once.
    await page.keyboard.type(PHRASE, { delay: 2 });
    const card = page.locator('.reply-ok');
    await card.waitFor();
    await expect.poll(() => card.locator('.schedule-description').textContent()).toBe('At 9:00 AM, Monday through Friday');
    expect(await card.locator('.pill-rules').textContent()).toBe('Read by the rules');
    expect(await card.locator('.instruction').textContent()).toBe('Summarize the top Hacker News stories');
    expect(await card.locator('.runs li').count()).toBe(5);
    // In the browser's zone (Europe/Paris), 09:00 local; the en-US browser reads 12-hour, description included.
    expect(await card.locator('.runs li .run-abs').first().textContent()).toMatch(/ 9:00 AM/);
    await screenshot(page, 'compose-desktop');

    // A double click cannot create twins (one Idempotency-Key per draft).
    await page.locator('#confirm-create').dblclick();
    await page.waitForURL(/#\/tasks\?new=\d+$/);
    const created = page.locator('.task-card.just-created');
    await created.waitFor();
    expect(await created.locator('h2').textContent()).toMatch(/Hacker News/);
    expect(await created.locator('.schedule').textContent()).toMatch(/At 9:00 AM, Monday through Friday · Europe\/Paris/);
    expect(await created.locator('.next').textContent()).toMatch(/^Next run (in \d+ (minutes?|hours?|days?)|tomorrow) \(.+ 9:00 AM\)$/); // the distance depends on when the suite runs
    expect(await tasksInDb()).toHaveLength(1);
  });

  it('explains a phrase it cannot read and offers phrases that work', async () => {
    await page.goto(`${stack.app.url}/#/`);
    await page.locator('#compose-text').fill('every couple of days');
    const declined = page.locator('.reply-declined');
    await declined.waitFor();
    expect(await declined.locator('.reason').textContent()).toMatch(/vague/);
    await screenshot(page, 'compose-declined-desktop');
    await declined.getByRole('button', { name: 'every monday at 8:30am, remind me to water the plants' }).click();
    await expect.poll(() => page.locator('.reply-ok .schedule-description').textContent()).toBe('At 8:30 AM, only on Monday');
    expect(await page.locator('#compose-text').inputValue()).toBe('every monday at 8:30am, remind me to water the plants');
  });

  it('creates a task from an explicit cron expression (the advanced path)', async () => {
    await page.getByText('Advanced: a cron expression').click();
    await page.getByLabel('Name').fill('Standup notes');
    await page.getByLabel('Instruction').fill('Collect yesterday’s commits');
    await page.getByLabel('Cron expression').fill('30 7 * * 1-5');
    await page.locator('#adv-cron-preview', { hasText: 'At 7:30 AM, Monday through Friday' }).waitFor();
    await page.locator('.advanced').getByRole('button', { name: 'Create task' }).click();
    const card = page.locator('.task-card.just-created');
    await card.waitFor();
    expect(await card.locator('h2').textContent()).toBe('Standup notes');
    expect(await card.locator('.prompt').textContent()).toBe('Collect yesterday’s commits');
  });

  it('edits a task, runs it now, and shows the run live with its steps', async () => {
    const task = (await tasksInDb()).find((t) => t.name.includes('Hacker News'));
    await page.goto(`${stack.app.url}/#/tasks/${task?.id}`);
    await page.locator('h1', { hasText: 'Hacker News' }).waitFor();
    // Made in the compose box, it has the notify tool already; give it memory_set through the edit dialog, keyboard only.
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('edit-name');
    expect(await dialog.locator('input[value="notify"]').isChecked()).toBe(true);
    await dialog.locator('input[value="memory_set"]').focus();
    await page.keyboard.press('Space');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await until(async () => (await tasksInDb()).find((t) => t.id === task?.id)?.tools.includes('memory_set'), 3000, 'the tool saved');

    stack.fake.script(
      reply.delayed(400, reply.toolCall('notify', { title: 'Top stories', message: '1. Show HN: tickler', onlyIfChanged: false }, { usage: { promptTokens: 310, completionTokens: 24 } })),
      reply.delayed(300, reply.text('Here are today’s top stories: Show HN: tickler.', { usage: { promptTokens: 420, completionTokens: 15 } })),
    );
    // Marks this document: if it survives, nothing below reloaded the page.
    await page.evaluate(() => Object.assign(window, { stillTheSamePage: true }));
    await page.getByRole('button', { name: 'Run now' }).click();
    const row = page.locator('.executions details').first();
    await row.waitFor();
    await row.locator('.status-running').waitFor();
    await row.locator('summary').click();
    await row.locator('.status-succeeded').waitFor({ timeout: 10_000 });
    const steps = row.locator('.steps > li');
    await expect.poll(() => steps.count(), { timeout: 5000 }).toBe(3);
    expect(await steps.nth(0).textContent()).toMatch(/LLM call.*fake-model.*asked for 1 tool call.*310 in · 24 out tokens/);
    expect(await steps.nth(1).locator('code').textContent()).toBe('notify');
    expect(await steps.nth(1).locator('pre').first().textContent()).toContain('"title": "Top stories"');
    expect(await steps.nth(1).locator('pre').nth(1).textContent()).toContain('"delivered": true');
    expect(await row.locator('pre.output').textContent()).toBe('Here are today’s top stories: Show HN: tickler.');
    expect(await row.locator('.x-summary').textContent()).toMatch(/Manual run.*769 tokens/);
    expect(await page.evaluate(() => (window as unknown as { stillTheSamePage?: boolean }).stillTheSamePage)).toBe(true);
    await screenshot(page, 'history-desktop');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'history-desktop-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('cancels a dry run while it is running', async () => {
    stack.fake.script(reply.delayed(10_000, reply.text('too late')));
    await page.getByRole('button', { name: 'Dry run' }).click();
    const row = page.locator('.executions details').first();
    await row.locator('.status-running').waitFor();
    expect(await row.locator('.x-trigger').textContent()).toBe('Manual run · dry run');
    await row.locator('summary').click();
    await row.getByRole('button', { name: 'Cancel this run' }).click();
    await row.locator('.x-summary .status-cancelled').waitFor();
    expect(await row.locator('.error-text').textContent()).toMatch(/cancelled by the user/);
    await row.locator('summary').click();
  });

  it('shows the notification and the run’s result in the inbox with an unread badge, and marks them read', async () => {
    // The notify tool's message, and the result (the task was made in the compose box: "Tell me the result").
    const badge = page.locator('#unread');
    await expect.poll(() => badge.textContent()).toBe('2');
    await page.getByRole('link', { name: /Inbox/ }).click();
    const note = page.locator('.note.unread', { has: page.locator('h2', { hasText: /^Top stories$/ }) });
    await note.waitFor();
    expect(await note.locator('.note-body').textContent()).toBe('1. Show HN: tickler');
    const result = page.locator('.note.unread', { hasText: ': done' });
    expect(await result.locator('.note-body').textContent()).toBe('Here are today’s top stories: Show HN: tickler.');
    await screenshot(page, 'inbox-desktop');
    await note.getByRole('button', { name: 'Mark read' }).click();
    await expect.poll(() => badge.textContent()).toBe('1');
    await result.getByRole('button', { name: 'Mark read' }).click();
    await page.locator('.note.unread').waitFor({ state: 'detached' });
    await expect.poll(() => badge.isHidden()).toBe(true);
  });

  it('pauses and resumes from the keyboard, keeping the focus on the button', async () => {
    await page.getByRole('link', { name: 'Tasks', exact: true }).click();
    const card = page.locator('.task-card').filter({ hasText: 'Hacker News' });
    await card.waitFor();
    await card.getByRole('button', { name: 'Pause' }).focus();
    await page.keyboard.press('Enter');
    await card.locator('.status-paused').waitFor();
    expect(await card.locator('.next').textContent()).toMatch(/Paused/);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Resume');
    expect((await tasksInDb())[0]?.enabled).toBe(false);
    await page.keyboard.press('Enter');
    await card.getByRole('button', { name: 'Pause' }).waitFor();
    expect(await card.locator('.next').textContent()).toMatch(/^Next run in/);
    expect((await tasksInDb())[0]?.enabled).toBe(true);
    await screenshot(page, 'tasks-desktop');
  });

  it('shows live what another API instance on the same database did', async () => {
    const other = await stack.secondApp();
    const res = await other.request('POST', '/api/tasks', { body: { text: 'every day at 7am, send me the weather in Lyon', timezone: 'Europe/Paris' } });
    expect(res.status).toBe(201);
    const card = page.locator(`.task-card[data-task-id="${res.body.id}"]`);
    await card.waitFor({ timeout: 5000 });
    await other.request('PATCH', `/api/tasks/${res.body.id}`, { body: { name: 'Lyon weather' } });
    await expect.poll(() => card.locator('h2').textContent()).toBe('Lyon weather');
  });

  it('reconnects after a drop and catches up on what happened meanwhile', async () => {
    stack.app.server.closeAllConnections();
    await page.locator('#live[data-state="offline"]').waitFor();
    const other = await stack.secondApp();
    const res = await other.request('POST', '/api/tasks', { body: { text: 'every friday at 5pm, list what I finished this week', timezone: 'Europe/Paris' } });
    await page.locator('#live[data-state="live"]').waitFor({ timeout: 10_000 });
    await page.locator(`.task-card[data-task-id="${res.body.id}"]`).waitFor({ timeout: 5000 });
  });

  it('deletes a task only after confirming in a dialog', async () => {
    const card = page.locator('.task-card').filter({ hasText: 'Lyon weather' });
    await card.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    // The safe answer has the focus; Escape cancels.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await card.count()).toBe(1);
    await card.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Delete task' }).click();
    await card.waitFor({ state: 'detached' });
    expect((await tasksInDb()).map((t) => t.name)).not.toContain('Lyon weather');
  });

  it('labels every control and fits a phone screen (screenshots at 375 px)', async () => {
    // A phone: overlay scrollbars, touch, the page's meta viewport honoured.
    const phone = await chromium.browser.newContext({ viewport: { width: 375, height: 800 }, isMobile: true, hasTouch: true, locale: 'en-US', timezoneId: 'Europe/Paris', reducedMotion: 'reduce' });
    page = await phone.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const [task] = await tasksInDb();
    for (const [hash, name] of [
      ['#/', 'compose'],
      ['#/tasks', 'tasks'],
      [`#/tasks/${task?.id}`, 'history'],
      ['#/inbox', 'inbox'],
    ] as const) {
      await page.goto(`${stack.app.url}/${hash}`);
      await page.locator('main h1').waitFor();
      await page.locator('#live[data-state="live"]').waitFor();
      if (name === 'compose') {
        await page.locator('#compose-text').fill(PHRASE);
        await page.locator('.reply-ok').waitFor();
      }
      if (name === 'history') {
        await page.locator('.executions details').filter({ has: page.locator('.x-summary .status-succeeded') }).locator('summary').tap();
        await page.locator('.steps').waitFor();
      }
      if (name === 'tasks') await page.locator('.task-card').first().waitFor();
      if (name === 'inbox') await page.locator('.note').first().waitFor();
      const unlabelled = await page.evaluate(() =>
        Array.from(document.querySelectorAll<HTMLInputElement>('input, select, textarea, button'))
          .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.textContent?.trim()))
          .map((el) => el.outerHTML.slice(0, 80)),
      );
      expect(unlabelled).toEqual([]);
      // Nothing wider than the screen.
      const wide = await page.evaluate(() => {
        const w = document.documentElement.clientWidth;
        return Array.from(document.querySelectorAll('*')).filter((el) => el.getBoundingClientRect().right > w + 0.5).map((el) => `${el.tagName}.${el.className} ${Math.round(el.getBoundingClientRect().right)}/${w}`).slice(0, 8);
      });
      expect(wide).toEqual([]);
      await screenshot(page, `${name}-phone`);
    }
    expect(pageErrors).toEqual([]);
  });
});
