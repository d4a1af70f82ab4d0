// An RRULE in the web app: typed in the advanced form (previewed as plain English with its next
// runs), created, shown on the task's card, and edited back in the task dialog.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, type LaunchedBrowser, launchChromium, screenshot } from '../support/browser.ts';
import { until } from '../support/poll.ts';
import { type FullStack, startFullStack } from '../support/full-stack.ts';

const run = browserAvailable();

describe.skipIf(!run)('rrule schedules in the web app', () => {
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
    await page.goto(stack.app.url);
    await page.locator('#live[data-state="live"]').waitFor();
  });
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
  });

  const scheduleOf = async (name: string) =>
    (await stack.db.pool.query<{ schedule: { kind: string; rrule?: string; dtstart?: string } }>('select schedule from tasks where name = $1', [name])).rows[0]?.schedule;

  it('previews an RRULE in plain English with its next runs, refuses a bad part, and creates the task', async () => {
    await page.getByText('Advanced: a cron expression or RRULE').click();
    await page.getByLabel('Name').fill('Fortnightly review');
    await page.getByLabel('Instruction').fill('Summarize the last two weeks');
    const field = page.getByLabel('Cron expression or RRULE');
    await field.fill('FREQ=MONTHLY;BYDAY=9FR');
    await page.locator('#adv-cron-preview', { hasText: 'BYDAY: bad ordinal 9FR' }).waitFor();
    await field.fill('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0');
    await page.locator('#adv-cron-preview', { hasText: 'Every 2 weeks on Monday at 9:00 AM' }).waitFor();
    const runs = page.locator('#adv-cron-preview .runs li');
    expect(await runs.count()).toBe(3);
    expect(await runs.first().textContent()).toMatch(/Mon.* 9:00 AM/);
    await screenshot(page, 'rrule-preview');
    await page.locator('.advanced').getByRole('button', { name: 'Create task' }).click();
    const card = page.locator('.task-card.just-created');
    await card.waitFor();
    expect(await card.locator('.schedule').textContent()).toMatch(/^Every 2 weeks on Monday at 9:00 AM · Europe\/Paris$/);
    expect(await scheduleOf('Fortnightly review')).toMatchObject({ kind: 'rrule', rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0;BYSECOND=0' });
  });

  it('shows the rule in the edit dialog and saves an edited rule in the same INTERVAL phase', async () => {
    const before = await scheduleOf('Fortnightly review');
    const { rows } = await stack.db.pool.query<{ id: string }>("select id::text as id from tasks where name = 'Fortnightly review'");
    await page.goto(`${stack.app.url}/#/tasks/${rows[0]?.id}`);
    await page.locator('h1', { hasText: 'Fortnightly review' }).waitFor();
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    const schedule = dialog.locator('#edit-schedule');
    expect(await schedule.inputValue()).toBe('RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0;BYSECOND=0');
    await schedule.fill('RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=10;BYMINUTE=0');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await until(async () => (await scheduleOf('Fortnightly review'))?.rrule?.includes('BYHOUR=10'), 3000, 'the edited rule');
    expect((await scheduleOf('Fortnightly review'))?.dtstart).toBe(before?.dtstart);
    await page.locator('.schedule', { hasText: 'Every 2 weeks on Monday at 10:00 AM' }).first().waitFor();
    expect(pageErrors).toEqual([]);
  });
});
