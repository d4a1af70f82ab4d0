// axe-core finds no violations on any screen, at desktop and at phone width, and no page is wider
// than the viewport with a 300-character unbroken word in a task (desktop here; phone.test.ts does
// the phone). The context bypasses the page's CSP only so that axe's script can be injected.
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, type LaunchedBrowser, launchChromium, screenshot } from '../support/browser.ts';
import { type FullStack, startFullStack } from '../support/full-stack.ts';

const run = browserAvailable();
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const WORD = `https://example.com/${'y'.repeat(280)}`;

interface Violation {
  id: string;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

async function violations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document): Promise<{ violations: Violation[] }> } }).axe;
    return (await axe.run(document)).violations;
  });
  return found.map((v) => `${v.id} (${v.help}): ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

describe.skipIf(!run)('accessibility and width on every screen', () => {
  let stack: FullStack;
  let chromium: LaunchedBrowser;
  let taskId: string;
  let runId: string;

  beforeAll(async () => {
    [stack, chromium] = await Promise.all([startFullStack(), launchChromium()]);
    const created = await stack.app.request('POST', '/api/tasks', {
      body: { name: `Read ${WORD}`.slice(0, 200), prompt: `Fetch ${WORD} and tell me what it says`, schedule: { cron: '0 9 * * *' }, timezone: 'Europe/Paris', tools: ['notify'] },
    });
    expect(created.status).toBe(201);
    taskId = created.body.id;
    const queued = await stack.app.request('POST', `/api/tasks/${taskId}/run`, { body: {} });
    expect(queued.status).toBeLessThan(300);
    runId = queued.body.id;
  });
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
  });

  const screens: Array<[string, () => string, string, ((page: Page) => Promise<void>)?]> = [
    ['compose', () => '#/', '#compose-text'],
    [
      'confirm card',
      () => '#/',
      '#compose-text',
      async (page) => {
        await page.locator('#compose-text').fill(`every weekday at 9am, read ${WORD}`);
        await page.locator('.reply-ok').waitFor();
      },
    ],
    ['task list', () => '#/tasks', '.task-card'],
    ['task page', () => `#/tasks/${taskId}`, '.task-head'],
    // A task's page with one run opened onto its output, error and steps.
    ['run page', () => `#/tasks/${taskId}/runs/${runId}`, 'details[open] .execution-body .facts'],
    ['all runs', () => '#/runs', '.executions .x-task'],
    [
      'all runs, a run opened',
      () => '#/runs',
      '.executions .x-task',
      async (page) => {
        await page.locator('.executions summary').first().click();
        await page.locator('details[open] .execution-body .facts').waitFor();
      },
    ],
    ['inbox', () => '#/inbox', 'main h1'],
    [
      'edit dialog',
      () => `#/tasks/${taskId}`,
      '.task-head',
      async (page) => {
        await page.locator('.task-head').getByRole('button', { name: 'Edit', exact: true }).first().click();
        await page.locator('dialog[open]').waitFor();
      },
    ],
  ];

  for (const [width, height] of [
    [1280, 900],
    [390, 844],
  ] as const) {
    describe(`${width}×${height}`, () => {
      let page: Page;
      beforeAll(async () => {
        const context = await chromium.browser.newContext({ bypassCSP: true, viewport: { width, height }, locale: 'en-US', timezoneId: 'America/New_York', reducedMotion: 'reduce', ...(width < 500 ? { isMobile: true, hasTouch: true } : {}) });
        page = await context.newPage();
      });

      it.each(screens)('%s: no axe violations, no wider than the viewport', async (name, hash, ready, then) => {
        await page.goto(`${stack.app.url}/${hash()}`);
        await page.reload();
        await page.locator(ready).first().waitFor();
        await then?.(page);
        const w = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, viewport: window.innerWidth }));
        expect(w.page, `${name}: page ${w.page}px in a ${w.viewport}px viewport`).toBeLessThanOrEqual(w.viewport);
        expect(await violations(page)).toEqual([]);
        await screenshot(page, `axe-${width}-${name.replaceAll(' ', '-')}`);
      });
    });
  }
});
