// A task's action in the web app: chosen in Create's Advanced section (a URL to POST to), refused
// with the server's reason when it cannot work here (RabbitMQ without AMQP_URL), and shown on the
// card for each kind (LLM, RabbitMQ, URL).
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTaskAction } from '../../src/store/task-actions.ts';
import { browserAvailable, type LaunchedBrowser, launchChromium, screenshot } from '../support/browser.ts';
import { type FullStack, startFullStack } from '../support/full-stack.ts';

const run = browserAvailable();

describe.skipIf(!run)('task actions in the web app', () => {
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

  const actionOf = async (name: string) => (await stack.db.pool.query<{ action: Record<string, unknown> }>('select action from tasks where name = $1', [name])).rows[0]?.action;

  it('creates a task that POSTs to a URL from the Advanced section, and its card says so without the secret', async () => {
    await page.getByText('Advanced: a cron expression or RRULE').click();
    await page.getByLabel('Name').fill('Ping the hook');
    await page.getByLabel('Cron expression or RRULE').fill('0 9 * * 1-5');
    const action = page.getByLabel('Action', { exact: true });
    expect(await action.inputValue()).toBe('llm');
    // The fields of other kinds stay hidden until their kind is chosen.
    expect(await page.getByLabel('Exchange').isVisible()).toBe(false);
    await action.selectOption('http');
    await page.getByLabel('URL', { exact: true }).fill('https://hooks.example.com/tickler');
    await page.getByLabel('Signing secret').fill('a-signing-secret-of-32-characters');
    await page.locator('.advanced').getByRole('button', { name: 'Create task' }).click();
    const card = page.locator('.task-card.just-created');
    await card.waitFor();
    const line = card.locator('.task-action');
    expect(await line.getAttribute('data-action')).toBe('http');
    expect(await line.textContent()).toBe('Action: URL · POST https://hooks.example.com/tickler');
    expect(await card.textContent()).not.toContain('a-signing-secret');
    await screenshot(page, 'task-action-url');
    expect(await actionOf('Ping the hook')).toEqual({ kind: 'http', url: 'https://hooks.example.com/tickler', secret: 'a-signing-secret-of-32-characters' });
  });

  it('shows why a RabbitMQ action is refused on a server without AMQP_URL, and creates nothing', async () => {
    await page.goto(`${stack.app.url}/#/`);
    await page.getByText('Advanced: a cron expression or RRULE').click();
    await page.getByLabel('Name').fill('To the workers');
    await page.getByLabel('Cron expression or RRULE').fill('0 9 * * *');
    await page.getByLabel('Action', { exact: true }).selectOption('amqp');
    await page.getByLabel('Exchange').fill('tickler.fires');
    await page.getByLabel('Routing key').fill('fire.daily');
    await page.locator('.advanced').getByRole('button', { name: 'Create task' }).click();
    await page.locator('.advanced .error', { hasText: 'AMQP_URL' }).waitFor();
    expect(await actionOf('To the workers')).toBeUndefined();
  });

  it('labels each card with its action: LLM, RabbitMQ (exchange and routing key) or URL', async () => {
    // A RabbitMQ task as a server with a broker would have stored it (this one has none).
    const { rows } = await stack.db.pool.query<{ id: string }>("select id::text as id from tasks where name = 'Ping the hook'");
    const id = rows[0]?.id as string;
    await setTaskAction(stack.db.pool, id, { kind: 'amqp', exchange: 'tickler.fires', routingKey: 'fire.daily' }, null);
    await page.goto(`${stack.app.url}/#/tasks`);
    const card = page.locator(`.task-card[data-task-id="${id}"]`);
    await card.locator('.task-action[data-action="amqp"]').waitFor();
    expect(await card.locator('.task-action').textContent()).toBe('Action: RabbitMQ · exchange tickler.fires, routing key fire.daily');
    await setTaskAction(stack.db.pool, id, { kind: 'llm' }, null);
    await page.reload();
    await card.locator('.task-action[data-action="llm"]').waitFor();
    expect(await card.locator('.task-action').textContent()).toBe('Action: LLM · runs the instruction');
    expect(pageErrors).toEqual([]);
  });
});
