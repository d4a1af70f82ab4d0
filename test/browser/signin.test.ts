// apikey mode: the page asks for a key once, keeps it in the browser, and streams only that
// user's events over an Authorization header.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, type LaunchedBrowser, launchChromium, screenshot } from '../support/browser.ts';
import { type FullStack, startFullStack } from '../support/full-stack.ts';

const run = browserAvailable();

describe.skipIf(!run)('signing in (apikey mode)', () => {
  let stack: FullStack;
  let chromium: LaunchedBrowser;
  let page: Page;
  let alice: { id: string; apiKey: string };
  let bob: { id: string; apiKey: string };

  beforeAll(async () => {
    [stack, chromium] = await Promise.all([startFullStack({ AUTH_MODE: 'apikey' }), launchChromium()]);
    alice = await stack.app.user('alice');
    bob = await stack.app.user('bob');
    const context = await chromium.browser.newContext({ viewport: { width: 1000, height: 800 }, locale: 'en-US', timezoneId: 'America/New_York' });
    page = await context.newPage();
  });
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
  });

  const createTask = (key: string, text: string) => stack.app.request('POST', '/api/tasks', { key, body: { text, timezone: 'America/New_York' } });

  it('asks for a key, refuses a wrong one, and signs in with the keyboard alone', async () => {
    await page.goto(stack.app.url);
    await page.locator('h1', { hasText: 'Sign in to tickler' }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('api-key');
    expect(await page.locator('#app-nav').isHidden()).toBe(true);
    await screenshot(page, 'signin-desktop');
    await page.keyboard.type('tk_wrong-key');
    await page.keyboard.press('Enter');
    await page.locator('#signin-error', { hasText: 'not accepted' }).waitFor();
    await page.locator('#api-key').fill('');
    await page.keyboard.type(alice.apiKey);
    await page.keyboard.press('Enter');
    await page.locator('h1', { hasText: 'What should tickler do' }).waitFor();
    await page.locator('#live[data-state="live"]').waitFor();
    expect(await page.locator('#signout').isVisible()).toBe(true);
    // The key stays in this browser, never in a URL.
    expect(await page.evaluate(() => localStorage.getItem('tickler.apiKey'))).toBe(alice.apiKey);
    // The zone comes from the browser.
    expect(await page.locator('#compose-zone').inputValue()).toBe('America/New_York');
  });

  it('shows the user’s own tasks live, never another user’s', async () => {
    await page.getByRole('link', { name: 'Tasks', exact: true }).click();
    await page.locator('.empty').waitFor();
    const bobs = await createTask(bob.apiKey, 'every day at 6am, wake bob up');
    const alices = await createTask(alice.apiKey, 'every day at 7am, wake alice up');
    await page.locator(`.task-card[data-task-id="${alices.body.id}"]`).waitFor();
    expect(await page.locator(`.task-card[data-task-id="${bobs.body.id}"]`).count()).toBe(0);
    expect(await page.locator('.task-card').count()).toBe(1);
  });

  it('shows no Jobs to a user who is not an admin', async () => {
    expect(await page.locator('#nav-jobs').isHidden()).toBe(true);
    expect(await page.getByRole('link', { name: 'Jobs' }).count()).toBe(0);
    // Typed in by hand, the route says why there is nothing; the API refuses too.
    await page.goto(`${stack.app.url}/#/jobs`);
    await page.locator('main', { hasText: 'Only admins can see jobs.' }).waitFor();
    expect((await stack.app.request('GET', '/api/jobs', { key: alice.apiKey })).status).toBe(403);
    await page.goto(`${stack.app.url}/#/tasks`);
    await page.locator('.task-card').first().waitFor();
  });

  it('keeps the key across a reload, and forgets it on sign-out', async () => {
    await page.reload();
    await page.locator('.task-card').first().waitFor();
    await page.locator('#signout').click();
    await page.locator('h1', { hasText: 'Sign in to tickler' }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('tickler.apiKey'))).toBeNull();
  });

  it('moves through the page in a sensible order with Tab', async () => {
    await page.locator('#api-key').fill(alice.apiKey);
    await page.keyboard.press('Enter');
    await page.locator('#compose-text').waitFor();
    await page.locator('#skip').focus();
    const order: string[] = ['skip'];
    for (let i = 0; i < 9; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        return el.id || el.textContent?.trim().slice(0, 20) || el.tagName;
      }));
    }
    expect(order).toEqual(['skip', 'tickler', 'New task', 'Tasks', 'All runs', 'Inbox', 'signout', 'compose-text', 'Preview', 'compose-zone']);
  });
});
