// "Edit in words" on a task's page, in a real browser over the real stack: a proposal that
// changes nothing, then Apply; and a change the rules cannot read, shown with its reason.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, type LaunchedBrowser, launchChromium, screenshot } from '../support/browser.ts';
import { type FullStack, startFullStack } from '../support/full-stack.ts';

const run = browserAvailable();

describe.skipIf(!run)('edit in words', () => {
  let stack: FullStack;
  let chromium: LaunchedBrowser;
  let context: BrowserContext;
  let page: Page;
  let taskId: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [stack, chromium] = await Promise.all([startFullStack(), launchChromium()]);
    const created = await stack.app.request('POST', '/api/tasks', { body: { name: 'Digest', prompt: 'Summarize', schedule: { cron: '0 9 * * *' }, timezone: 'Europe/Paris' } });
    taskId = created.body.id;
    context = await chromium.browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/Paris', reducedMotion: 'reduce' });
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${stack.app.url}/#/tasks/${taskId}`);
    await page.locator('h1', { hasText: 'Digest' }).waitFor();
  });
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
  });

  const cronInDb = async () => (await stack.db.pool.query<{ cron: string }>('select schedule->>\'cron\' as cron from tasks where id = $1', [taskId])).rows[0]?.cron;

  it('shows what would change, saves nothing until Apply, then applies it', async () => {
    await page.getByLabel('Edit in words').fill('move it to 10am and skip weekends');
    await page.getByRole('button', { name: 'Preview change' }).click();
    // Two changes in one message are not read by the rules: the reason is shown, nothing changes.
    await page.locator('.edit-proposal .error').waitFor();
    expect(await cronInDb()).toBe('0 9 * * *');

    await page.getByLabel('Edit in words').fill('skip weekends');
    await page.keyboard.press('Enter');
    const proposal = page.locator('.edit-proposal');
    await proposal.locator('h3', { hasText: 'Proposed change' }).waitFor();
    expect(await proposal.locator('dt').allTextContents()).toEqual(['Schedule']);
    expect(await proposal.locator('del').textContent()).toBe('At 09:00');
    expect(await proposal.locator('ins').textContent()).toBe('At 09:00, Monday through Friday');
    expect(await proposal.locator('.edit-runs li').count()).toBe(5);
    await screenshot(page, 'edit-words-proposal');
    expect(await cronInDb()).toBe('0 9 * * *');

    await proposal.getByRole('button', { name: 'Apply' }).click();
    await page.locator('.task-head .schedule', { hasText: 'Monday through Friday' }).waitFor();
    expect(await cronInDb()).toBe('0 9 * * 1-5');
    expect(await page.getByLabel('Edit in words').inputValue()).toBe('');
    expect(pageErrors).toEqual([]);
  });

  it('Cancel drops a proposal and keeps the task as it was', async () => {
    await page.getByLabel('Edit in words').fill('move it to 7pm');
    await page.getByRole('button', { name: 'Preview change' }).click();
    const proposal = page.locator('.edit-proposal');
    await proposal.getByRole('button', { name: 'Cancel' }).click();
    await proposal.locator('h3').waitFor({ state: 'detached' });
    expect(await cronInDb()).toBe('0 9 * * 1-5');
  });
});
