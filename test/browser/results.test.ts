// Runs people hear about and can read at a glance, at desktop and phone width: the compose box
// makes tasks that reach the Inbox ("Tell me the result", notify), Edit says what each tool does, a
// run whose tool call failed is a warning with its reason (history, card), a failed run's card says
// why, the card quotes its last output, a task's history and "All runs" filter by status and stay
// live, Inbox items can pop up as browser notifications, and times follow the browser's clock style
// and name their zone when it is not the browser's.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, type LaunchedBrowser, launchChromium, screenshot } from '../support/browser.ts';
import { type FakeRequest, reply } from '../support/fake-openai.ts';
import { type FullStack, startFullStack } from '../support/full-stack.ts';

const run = browserAvailable();

/** The fake model's part: a tool call to a refused address when asked to "fetch", then an answer; "fail" gets a 401. */
function model(req: FakeRequest) {
  const messages = req.body.messages ?? [];
  const system = JSON.stringify(messages);
  if (system.includes('please fail')) return reply.unauthorized();
  const last = messages[messages.length - 1];
  if (system.includes('please fetch') && last?.role !== 'tool') return reply.toolCall('http_fetch', { url: 'http://127.0.0.1:9/secret', method: 'GET', headers: null, body: null });
  return reply.text('All good: 3 stories today.\nSecond line not shown on the card.');
}

describe.skipIf(!run)('results, failures and all runs', () => {
  let stack: FullStack;
  let chromium: LaunchedBrowser;

  beforeAll(async () => {
    [stack, chromium] = await Promise.all([startFullStack(), launchChromium()]);
    stack.fake.setHandler(model);
  });
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
  });

  const api = (method: string, path: string, body?: unknown) => stack.app.request(method, path, body === undefined ? {} : { body });

  /** Runs the task now through the API; resolves once the notifier has handled its final finish. */
  async function runNow(taskId: string): Promise<string> {
    let id: string | null = null;
    const done = new Promise<void>((resolve) => {
      const on = ({ executionIds }: { executionIds: string[] }) => {
        if (!id || !executionIds.includes(id)) return;
        stack.notices.events.off('delivered', on);
        resolve();
      };
      stack.notices.events.on('delivered', on);
    });
    const queued = await api('POST', `/api/tasks/${taskId}/run`);
    expect(queued.status).toBe(202);
    id = queued.body.id;
    await done;
    return id as string;
  }

  const make = async (name: string, prompt: string, extra: Record<string, unknown> = {}) => {
    const r = await api('POST', '/api/tasks', { name, prompt, schedule: { cron: '0 9 * * *' }, timezone: 'Europe/Paris', ...extra });
    expect(r.status).toBe(201);
    return r.body.id as string;
  };

  for (const [width, height] of [
    [1280, 900],
    [390, 844],
  ] as const) {
    describe(`${width}×${height}`, () => {
      let context: BrowserContext;
      let page: Page;
      const tag = `${width}`;
      beforeAll(async () => {
        context = await chromium.browser.newContext({
          viewport: { width, height },
          locale: 'en-US',
          timezoneId: 'Europe/Paris',
          reducedMotion: 'reduce',
          ...(width < 500 ? { isMobile: true, hasTouch: true } : {}),
        });
        page = await context.newPage();
        await page.goto(stack.app.url);
        await page.locator('#live[data-state="live"]').waitFor();
      });
      afterAll(async () => {
        await context?.close();
      });

      it('a task made in the compose box has notify and tells its result; the Inbox receives it', async () => {
        await page.goto(`${stack.app.url}/#/`);
        await page.locator('#compose-text').fill(`every day at 5:30pm, summarize the news ${tag}`);
        const card = page.locator('.reply-ok');
        await card.waitFor();
        // One clock style: the en-US browser reads 12-hour, in the description as in the runs.
        await expect.poll(() => card.locator('.schedule-description').textContent()).toBe('At 5:30 PM');
        expect(await card.locator('.runs li .run-abs').first().textContent()).toMatch(/ 5:30 PM$/);
        const toggle = card.getByRole('switch', { name: 'Tell me the result' });
        expect(await toggle.isChecked()).toBe(true);
        await screenshot(page, `results-${tag}-confirm`);
        await page.locator('#confirm-create').click();
        await page.waitForURL(/#\/tasks\?new=\d+$/);
        const id = /new=(\d+)/.exec(page.url())?.[1] as string;
        const task = (await api('GET', `/api/tasks/${id}`)).body;
        expect(task.tools).toEqual(['notify']);
        expect(task.notifyResult).toBe(true);

        await runNow(id);
        await page.goto(`${stack.app.url}/#/inbox`);
        const note = page.locator('.note', { hasText: `: done` }).first();
        await note.waitFor();
        expect(await note.locator('h2').textContent()).toMatch(new RegExp(`news ${tag}: done$`, 'i'));
        expect(await note.locator('.note-body').textContent()).toContain('All good: 3 stories today.');
      });

      it('Edit says in words what each tool does, and switches the result off', async () => {
        const id = await make(`Edited ${tag}`, 'say hi', { notifyResult: true, tools: ['notify'] });
        await page.goto(`${stack.app.url}/#/tasks/${id}`);
        await page.locator('.task-head').getByRole('button', { name: 'Edit', exact: true }).first().click();
        const dialog = page.locator('dialog[open]');
        await dialog.waitFor();
        const notify = dialog.getByRole('checkbox', { name: 'notify' });
        expect(await notify.getAttribute('aria-describedby')).toBe('edit-tool-notify-help');
        expect(await dialog.locator('#edit-tool-notify-help').textContent()).toMatch(/Inbox/);
        expect(await dialog.locator('#edit-tool-http_fetch-help').textContent()).toMatch(/web page/);
        expect(await dialog.locator('.tool-help').count()).toBe(5);
        // "Runs after" rows never overlap, even where a long name wraps (at 390 px it does).
        await dialog.locator('.after-option').first().waitFor();
        // A row squeezed below its text lets the text spill over the next one: its content is taller than its box.
        const spilled = await dialog.locator('.after-option').evaluateAll((els) => els.filter((e) => e.scrollHeight > e.clientHeight + 1).map((e) => e.textContent));
        expect(spilled).toEqual([]);
        const toggle = dialog.getByRole('switch', { name: 'Tell me the result' });
        expect(await toggle.isChecked()).toBe(true);
        await screenshot(page, `results-${tag}-edit`, { fullPage: false });
        await toggle.uncheck();
        await dialog.getByRole('button', { name: 'Save' }).click();
        await dialog.waitFor({ state: 'detached' }).catch(() => dialog.waitFor({ state: 'hidden' }));
        await expect.poll(async () => (await api('GET', `/api/tasks/${id}`)).body.notifyResult).toBe(false);
      });

      it('a failed tool call is a warning with its reason; a failed run says why; the card quotes the last output', async () => {
        const warned = await make(`Fetcher ${tag}`, 'please fetch the page', { tools: ['http_fetch'] });
        const failed = await make(`Failer ${tag}`, 'please fail', { maxAttempts: 1 });
        const fine = await make(`Fine ${tag}`, 'say something');
        await runNow(warned);
        await runNow(failed);
        await runNow(fine);

        await page.goto(`${stack.app.url}/#/tasks`);
        const warnCard = page.locator('.task-card', { hasText: `Fetcher ${tag}` });
        await warnCard.locator('.status-warning').waitFor();
        expect(await warnCard.locator('.last-run .status-warning').textContent()).toBe('Succeeded with errors');
        expect(await warnCard.locator('.last-reason').textContent()).toMatch(/^A tool call failed: .+/);
        const failCard = page.locator('.task-card', { hasText: `Failer ${tag}` });
        await failCard.locator('.last-reason').waitFor();
        expect(await failCard.locator('.last-reason').textContent()).toMatch(/API key|401|Incorrect/i);
        const fineCard = page.locator('.task-card', { hasText: `Fine ${tag}` });
        await fineCard.locator('.last-output').waitFor();
        expect(await fineCard.locator('.last-output').textContent()).toContain('“All good: 3 stories today.”');
        expect(await fineCard.locator('.last-output').textContent()).not.toContain('Second line');
        await screenshot(page, `results-${tag}-cards`);

        await page.goto(`${stack.app.url}/#/tasks/${warned}`);
        const row = page.locator('.executions .x-summary').first();
        await row.locator('.status-warning').waitFor();
        expect(await row.locator('.x-reason').textContent()).toMatch(/^A tool call failed: /);
        await page.goto(`${stack.app.url}/#/tasks/${failed}`);
        const failedRow = page.locator('.executions .x-summary').first();
        await failedRow.locator('.status-failed').waitFor();
        expect(await failedRow.locator('.x-reason').textContent()).toMatch(/API key|401|Incorrect/i);
        const w = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, viewport: window.innerWidth }));
        expect(w.page).toBeLessThanOrEqual(w.viewport);
      });

      it("a task's history filters by status", async () => {
        let calls = 0;
        stack.fake.setHandler((req) => (++calls === 1 ? reply.unauthorized() : model(req)));
        const id = await make(`Mixed ${tag}`, 'say something', { maxAttempts: 1 });
        await runNow(id);
        stack.fake.setHandler(model);
        await runNow(id);
        await page.goto(`${stack.app.url}/#/tasks/${id}`);
        await expect.poll(() => page.locator('.executions > li').count()).toBe(2);
        await page.getByLabel('Show').selectOption('failed');
        await expect.poll(() => page.locator('.executions > li').count()).toBe(1);
        expect(await page.locator('.executions .status').first().textContent()).toBe('Failed');
        await page.getByLabel('Show').selectOption('succeeded');
        await expect.poll(() => page.locator('.executions .status').allTextContents()).toEqual(['Succeeded']);
      });

      it('All runs lists runs across tasks, newest first, filters by status, and shows a new run live', async () => {
        await page.goto(`${stack.app.url}/#/runs`);
        await page.locator('.executions .x-task').first().waitFor();
        const tasks = await page.locator('.executions .x-task').allTextContents();
        expect(tasks).toContain(`Failer ${tag}`);
        expect(tasks).toContain(`Fetcher ${tag}`);
        const ids = await page.locator('.executions details').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.executionId)));
        expect(ids).toEqual([...ids].sort((a, b) => b - a));
        await page.getByLabel('Show').selectOption('failed');
        await expect.poll(async () => new Set(await page.locator('.executions .status').allTextContents())).toEqual(new Set(['Failed']));
        await page.getByLabel('Show').selectOption('');
        await page.locator('.executions .x-task').first().waitFor();
        await screenshot(page, `results-${tag}-all-runs`);

        // Live: a run started elsewhere appears on top without a reload.
        const id = await make(`Live ${tag}`, 'say something');
        const top = page.locator('.executions .x-task').first();
        await runNow(id);
        await expect.poll(() => top.textContent(), { timeout: 10_000 }).toBe(`Live ${tag}`);
        await expect.poll(() => page.locator('.executions .x-summary').first().locator('.status').textContent(), { timeout: 10_000 }).toBe('Succeeded');
      });

      it('Inbox items pop up as browser notifications once the switch is on (off by default)', async () => {
        await context.grantPermissions(['notifications'], { origin: stack.app.url });
        // Records each `new Notification` the page makes, before any of its scripts run.
        await page.addInitScript(() => {
          const Real = window.Notification;
          const calls: string[] = [];
          (window as unknown as { __notifications: string[] }).__notifications = calls;
          class Recording extends Real {
            constructor(title: string, opts?: NotificationOptions) {
              super(title, opts);
              calls.push(title);
            }
          }
          window.Notification = Recording as typeof Notification;
        });
        await page.goto(`${stack.app.url}/#/inbox`);
        await page.reload();
        await page.locator('#live[data-state="live"]').waitFor();
        const toggle = page.getByRole('switch', { name: 'Browser notifications' });
        expect(await toggle.isChecked()).toBe(false);
        const told = await make(`Popup ${tag}`, 'say something', { notifyResult: true });
        await runNow(told);
        await page.locator('.note', { hasText: `Popup ${tag}: done` }).waitFor();
        expect(await page.evaluate(() => (window as unknown as { __notifications: string[] }).__notifications)).toEqual([]);

        await toggle.check();
        await expect.poll(() => toggle.isChecked()).toBe(true);
        await runNow(told);
        await expect.poll(() => page.evaluate(() => (window as unknown as { __notifications: string[] }).__notifications), { timeout: 10_000 }).toEqual([`Popup ${tag}: done`]);
        await toggle.uncheck();
      });

      it('times name their zone when it is not the browser’s', async () => {
        const id = await make(`Zoned ${tag}`, 'say something');
        await page.goto(`${stack.app.url}/#/tasks`);
        const card = page.locator('.task-card', { hasText: `Zoned ${tag}` });
        await card.locator('.next').waitFor();
        // The browser's own zone (Europe/Paris): no zone name.
        expect(await card.locator('.next').textContent()).toMatch(/ 9:00 AM\)$/);
        await page.evaluate(() => localStorage.setItem('tickler.zone', 'America/New_York'));
        await page.reload();
        await card.locator('.next').waitFor();
        expect(await card.locator('.next').textContent()).toMatch(/ 3:00 AM (EST|EDT)\)$/);
        expect(await card.locator('.schedule').textContent()).toBe('At 9:00 AM · Europe/Paris');
        await page.evaluate(() => localStorage.removeItem('tickler.zone'));
        void id;
      });
    });
  }
});
