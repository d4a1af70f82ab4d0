// The Jobs view, for admins (local mode's user is one), over the real stack with the system jobs
// declared in code: read-only but for Run now, whose run appears in the job's history though no
// live event reaches this user (the view re-reads itself); every user's tasks with their owner.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, type LaunchedBrowser, launchChromium, screenshot } from '../support/browser.ts';
import { type FullStack, startFullStack } from '../support/full-stack.ts';

const run = browserAvailable();

describe.skipIf(!run)('the Jobs view (admins)', () => {
  let stack: FullStack;
  let chromium: LaunchedBrowser;
  let page: Page;
  let bob: { id: string; apiKey: string };
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [stack, chromium] = await Promise.all([startFullStack(), launchChromium()]);
    bob = await stack.app.user('bob');
    const res = await stack.app.request('POST', '/api/tasks', { key: bob.apiKey, body: { name: 'Bob’s digest', schedule: { cron: '0 9 * * 1' }, timezone: 'America/New_York' } });
    expect(res.status).toBe(201);
    // What a start-up does to a job no longer declared in code.
    await stack.db.pool.query(`update tasks set orphaned = true, enabled = false, next_run_at = null where system_name = 'prune-notifications'`);
    const context = await chromium.browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'en-US', timezoneId: 'Europe/Paris', reducedMotion: 'reduce' });
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
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

  const jobCard = (name: string) => page.locator('.job-card').filter({ has: page.getByRole('heading', { name, exact: true }) });

  it('lists the system jobs with their schedule, zone, status and next run, and everyone’s tasks with their owner', async () => {
    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    await page.locator('h1', { hasText: 'Jobs' }).waitFor();
    expect(await page.locator('[data-nav="jobs"]').getAttribute('aria-current')).toBe('page');
    const prune = jobCard('prune-executions');
    await prune.waitFor();
    expect(await page.locator('.job-card').count()).toBe(4);
    expect(await prune.locator('.job-description').textContent()).toMatch(/older than 30 days/);
    expect(await prune.locator('.status').first().textContent()).toBe('Active');
    const facts = await prune.locator('dd').allTextContents();
    expect(facts[0]).toMatch(/^At 3:17 AM.* 17 3 \* \* \*$/);
    expect(facts[1]).toBe('UTC');
    // Relative, then absolute in the reader's zone (03:17 UTC is 04:17 in Paris in November).
    expect(facts[2]).toMatch(/^in \d+ (hours?|minutes?) \(.+ 4:17 AM\)$/);
    expect(facts[3]).toBe('Not run yet');

    // Orphaned: said so, and no Run now.
    const orphan = jobCard('prune-notifications');
    expect(await orphan.locator('.status').first().textContent()).toBe('Orphaned');
    expect(await orphan.locator('.job-next').textContent()).toBe('Never: it is no longer declared in code');
    expect(await orphan.getByRole('button', { name: 'Run now' }).count()).toBe(0);

    const row = page.locator('.job-row', { hasText: 'Bob’s digest' });
    expect(await row.locator('p.muted').textContent()).toMatch(new RegExp(`^Owner: user ${bob.id} · task \\d+$`));
    expect(await row.getByRole('button').count()).toBe(0);
    await screenshot(page, 'jobs-desktop');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'jobs-desktop-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('runs a system job now; the run appears in its history, with its output', async () => {
    const card = jobCard('prune-idempotency-keys');
    await card.getByRole('button', { name: 'Run now' }).click();
    // No event reaches this user for a system job's run: the list re-reads itself after Run now.
    await card.locator('.job-last .status-succeeded').waitFor({ timeout: 10_000 });
    await card.getByRole('link', { name: 'History' }).click();
    await page.locator('h1', { hasText: 'prune-idempotency-keys' }).waitFor();
    const row = page.locator('.executions details').first();
    await row.locator('.status-succeeded').waitFor();
    expect(await row.locator('.x-trigger').textContent()).toBe('Manual run');

    // Run now from its page: the run is on top at once, and succeeds there.
    await page.getByRole('button', { name: 'Run now' }).click();
    await expect.poll(() => page.locator('.executions details').count()).toBe(2);
    const latest = page.locator('.executions details').first();
    await latest.locator('.x-summary .status-succeeded').waitFor({ timeout: 10_000 });
    await latest.locator('summary').click();
    expect(await latest.locator('pre.output').textContent()).toBe('deleted 0 idempotency keys older than 24 hours');
    // An admin cannot cancel it from here, and a system job records no steps.
    expect(await latest.locator('.steps, button').count()).toBe(0);
    const executions = await stack.db.pool.query(`select x.trigger, x.status from executions x join tasks t on t.id = x.task_id where t.system_name = 'prune-idempotency-keys'`);
    expect(executions.rows).toEqual([
      { trigger: 'manual', status: 'succeeded' },
      { trigger: 'manual', status: 'succeeded' },
    ]);
    await screenshot(page, 'job-history-desktop');
  });

  it('fits a phone (screenshots at 375 px), every control labelled', async () => {
    const phone = await chromium.browser.newContext({ viewport: { width: 375, height: 800 }, isMobile: true, hasTouch: true, locale: 'en-US', timezoneId: 'Europe/Paris', reducedMotion: 'reduce' });
    const p = await phone.newPage();
    p.on('pageerror', (err) => pageErrors.push(err.message));
    for (const [hash, name, ready] of [
      ['#/jobs', 'jobs-phone', '.job-card'],
      [`#/jobs/system/${await systemId('prune-idempotency-keys')}`, 'job-history-phone', '.executions details'],
    ] as const) {
      await p.goto(`${stack.app.url}/${hash}`);
      await p.locator(ready).first().waitFor();
      const unlabelled = await p.evaluate(() =>
        Array.from(document.querySelectorAll<HTMLInputElement>('input, select, textarea, button'))
          .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.textContent?.trim()))
          .map((el) => el.outerHTML.slice(0, 80)),
      );
      expect(unlabelled).toEqual([]);
      const wide = await p.evaluate(() => {
        const w = document.documentElement.clientWidth;
        return Array.from(document.querySelectorAll('*')).filter((el) => el.getBoundingClientRect().right > w + 0.5).map((el) => `${el.tagName}.${el.getAttribute('class')}`).slice(0, 8);
      });
      expect(wide).toEqual([]);
      await screenshot(p, name);
    }
    await phone.close();
    expect(pageErrors).toEqual([]);
  });

  async function systemId(name: string): Promise<string> {
    const { rows } = await stack.db.pool.query<{ id: string }>('select id::text as id from tasks where system_name = $1', [name]);
    return rows[0]?.id as string;
  }
});
