// Tasks that run after other tasks, in a real browser over the real stack: choosing them in the
// edit form, a cycle refused at its field, a fire waiting for its dependencies, the graph, the
// chain of runs a success sets off, and deleting a task others run after. One session, in order.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, type LaunchedBrowser, launchChromium, screenshot } from '../support/browser.ts';
import { until } from '../support/poll.ts';
import { reply } from '../support/fake-openai.ts';
import { type FullStack, startFullStack } from '../support/full-stack.ts';

const run = browserAvailable();

describe.skipIf(!run)('dependencies in the web app', () => {
  let stack: FullStack;
  let chromium: LaunchedBrowser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  // Fetch data → Build report → Send report, once the form has made them so.
  const ids = { fetch: '', build: '', send: '' };

  beforeAll(async () => {
    [stack, chromium] = await Promise.all([startFullStack(), launchChromium()]);
    for (const [key, name, cron] of [
      ['fetch', 'Fetch data', '0 6 * * *'],
      ['build', 'Build report', '0 7 * * *'],
      ['send', 'Send report', '0 8 * * *'],
    ] as const) {
      const res = await stack.app.request('POST', '/api/tasks', { body: { name, prompt: `${name}.`, schedule: { cron }, timezone: 'Europe/Paris' } });
      expect(res.status).toBe(201);
      ids[key] = res.body.id;
    }
    stack.fake.setHandler(() => reply.text('Done.'));
    context = await chromium.browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'en-US', timezoneId: 'Europe/Paris', reducedMotion: 'reduce' });
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
    });
    await page.goto(`${stack.app.url}/#/tasks`);
    await page.locator('#live[data-state="live"]').waitFor();
  });
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
  });

  const card = (id: string) => page.locator(`.task-card[data-task-id="${id}"]`);
  const depsOf = async (id: string) => (await stack.db.pool.query<{ id: string }>('select depends_on_id::text as id from task_dependencies where task_id = $1 order by 1', [id])).rows.map((r) => r.id);
  const openEditor = async (id: string) => {
    await card(id).getByRole('button', { name: 'Edit', exact: true }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.locator('#edit-after .after-option').first().waitFor();
    return dialog;
  };

  it('chooses the tasks a task runs after, how long it waits, and a task with no schedule', async () => {
    const dialog = await openEditor(ids.build);
    await dialog.getByRole('checkbox', { name: /^Fetch data/ }).check();
    await dialog.getByLabel('Wait up to').fill('30');
    await dialog.getByLabel('Unit of the wait').selectOption({ label: 'minutes' });
    await screenshot(page, 'edit-dependencies-desktop', { fullPage: false });
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => card(ids.build).locator('.runs-after').textContent()).toBe('Runs after: Fetch data · each run waits up to 30 minutes for them');
    expect(await depsOf(ids.build)).toEqual([ids.fetch]);

    // No schedule: the schedule box is disabled and the task runs only after Build report.
    const second = await openEditor(ids.send);
    await second.getByLabel(/No schedule/).check();
    expect(await second.locator('#edit-schedule').isDisabled()).toBe(true);
    expect(await second.getByLabel('Wait up to').isDisabled()).toBe(true);
    await second.getByRole('checkbox', { name: /^Build report/ }).check();
    await second.getByRole('button', { name: 'Save' }).click();
    await second.waitFor({ state: 'detached' });
    const send = card(ids.send);
    await expect.poll(() => send.locator('.schedule').textContent()).toBe('No schedule: runs after other tasks');
    expect(await send.locator('.runs-after').textContent()).toBe('Runs after: Build report');
    expect(await send.locator('.next').textContent()).toBe('Runs each time all the tasks it runs after have succeeded.');
    expect(await depsOf(ids.send)).toEqual([ids.build]);
  });

  it('shows a cycle at the “Runs after” field and keeps the dialog open', async () => {
    const dialog = await openEditor(ids.fetch);
    await dialog.getByRole('checkbox', { name: /^Send report/ }).check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    const error = dialog.locator('#edit-after-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/^Would close a cycle: #\d+ "Fetch data" → .*"Send report".*→ #\d+ "Fetch data"$/);
    // The focus is in the group, whose description includes the error.
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe('after');
    expect(await dialog.locator('#edit-after').getAttribute('aria-describedby')).toContain('edit-after-error');
    await screenshot(page, 'edit-cycle-desktop', { fullPage: false });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await depsOf(ids.fetch)).toEqual([]);
  });

  it('shows a scheduled fire waiting for its dependencies on the card and in the history', async () => {
    // What the engine writes when Build report's 07:00 comes and Fetch data has not succeeded.
    await stack.db.pool.query(
      `insert into executions (task_id, user_id, status, trigger, scheduled_for, wait_until)
       select id, user_id, 'waiting', 'schedule', now() - interval '1 minute', now() + interval '29 minutes' from tasks where id = $1`,
      [ids.build],
    );
    const build = card(ids.build);
    await build.locator('.status-waiting').waitFor();
    expect(await build.locator('.next').textContent()).toMatch(/^Waiting for its dependencies: the run due .+ starts once they succeed, or is skipped in 29 minutes \(.+\)\.$/);
    await build.getByRole('link', { name: 'Build report' }).click();
    const row = page.locator('.executions details').first();
    await row.locator('.status-waiting').waitFor();
    expect(await row.locator('.x-wait').textContent()).toMatch(/^Waits for its dependencies until .+ \(in 29 minutes\)$/);
    await screenshot(page, 'history-waiting-desktop');
    await page.goBack();
  });

  it('draws the graph; a success releases the waiting run, which sets off the next task', async () => {
    const graph = page.locator('.deps svg.graph');
    await graph.waitFor();
    expect(await graph.getAttribute('data-direction')).toBe('lr');
    expect(await graph.locator('.node').count()).toBe(3);
    expect(await graph.locator('.edge.edge-pending').count()).toBe(2);
    expect(await page.locator('.dep-list li').allTextContents()).toEqual([
      'Fetch data → runs before Build report · waiting for Fetch data to succeed',
      'Build report → runs before Send report · waiting for Build report to succeed',
    ]);

    await card(ids.fetch).getByRole('button', { name: 'Run now' }).click();
    // Fetch data succeeds → Build report's waiting fire runs → Send report runs after it.
    await card(ids.send).locator('.last-run .status-succeeded').waitFor({ timeout: 20_000 });
    await card(ids.build).locator('.last-run .status-succeeded').waitFor();
    await graph.locator(`.node-succeeded[data-node-id="${ids.send}"]`).waitFor();
    // The successes were consumed; a new one of Fetch data waits on its edge for Build report.
    await card(ids.fetch).getByRole('button', { name: 'Run now' }).click();
    // Attached, not visible: a straight arrow has a box of zero height, which Playwright calls hidden.
    await graph.locator(`.edge-satisfied[data-from="${ids.fetch}"][data-to="${ids.build}"]`).waitFor({ state: 'attached', timeout: 15_000 });
    expect(await page.locator('.dep-list li').first().textContent()).toBe('Fetch data → runs before Build report · satisfied: Fetch data has succeeded since Build report last ran');
    await screenshot(page, 'graph-desktop');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'graph-desktop-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    // A box is a link, reached with Tab (in layer order) and shown with a focus ring: Enter on
    // Send report opens it, where its run says what it ran after.
    await graph.locator(`.node[data-node-id="${ids.build}"]`).focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-node-id'))).toBe(ids.send);
    expect(await graph.locator(`.node[data-node-id="${ids.send}"] .node-focus`).evaluate((r) => getComputedStyle(r).stroke)).not.toBe('none');
    await screenshot(page, 'graph-focus-desktop', { fullPage: false });
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`#/tasks/${ids.send}$`));
    const row = page.locator('.executions details').first();
    await row.locator('.status-succeeded').waitFor();
    expect(await row.locator('.x-trigger').textContent()).toBe('After its dependencies');
    await row.locator('summary').click();
    const ranAfter = row.getByRole('link', { name: '“Build report”' });
    await ranAfter.waitFor();
    const buildRun = (await stack.db.pool.query<{ id: string }>(`select id::text as id from executions where task_id = $1 and status = 'succeeded'`, [ids.build])).rows[0]?.id;
    expect(await ranAfter.evaluate((a) => a.parentElement?.textContent)).toBe(`“Build report” run ${buildRun}`);
    // It leads to that run, opened, on Build report's page; it ran after Fetch data's first run.
    await ranAfter.click();
    await page.waitForURL(new RegExp(`#/tasks/${ids.build}/runs/${buildRun}$`));
    const opened = page.locator(`.executions details[open][data-execution-id="${buildRun}"]`);
    await opened.getByRole('link', { name: '“Fetch data”' }).waitFor();
    expect(await opened.locator('.x-trigger').textContent()).toBe('Scheduled');
  });

  it('fits the graph on a phone (drawn top to bottom, screenshots at 375 px)', async () => {
    const phone = await chromium.browser.newContext({ viewport: { width: 375, height: 800 }, isMobile: true, hasTouch: true, locale: 'en-US', timezoneId: 'Europe/Paris', reducedMotion: 'reduce' });
    const p = await phone.newPage();
    p.on('pageerror', (err) => pageErrors.push(err.message));
    await p.goto(`${stack.app.url}/#/tasks`);
    const graph = p.locator('.deps svg.graph');
    await graph.waitFor();
    expect(await graph.getAttribute('data-direction')).toBe('tb');
    const wide = await p.evaluate(() => {
      const w = document.documentElement.clientWidth;
      return Array.from(document.querySelectorAll('*')).filter((el) => el.getBoundingClientRect().right > w + 0.5).map((el) => `${el.tagName}.${el.getAttribute('class')}`).slice(0, 8);
    });
    expect(wide).toEqual([]);
    await screenshot(p, 'graph-phone');
    await phone.close();
  });

  it('lists the tasks that run after one being deleted (409), and deletes and detaches on request', async () => {
    await page.goto(`${stack.app.url}/#/tasks`);
    await card(ids.fetch).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Delete task' }).click();
    const dialog = page.locator('dialog[open]', { hasText: 'Other tasks run after “Fetch data”' });
    await dialog.waitFor();
    expect(await dialog.locator('.dependents li').allTextContents()).toEqual([`Build report (task ${ids.build})`]);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await screenshot(page, 'delete-dependents-desktop', { fullPage: false });
    await dialog.getByRole('button', { name: 'Delete and detach' }).click();
    await card(ids.fetch).waitFor({ state: 'detached' });
    await card(ids.build).locator('.runs-after').waitFor({ state: 'detached' });
    await until(async () => (await depsOf(ids.build)).length === 0, 3000, 'the edge removed');
    // Build report → Send report is all that is left to draw.
    await expect.poll(() => page.locator('.deps svg.graph .node').count()).toBe(2);
    expect(pageErrors).toEqual([]);
  });
});
