// A server with no LLM endpoint says so on every page: runs and unusual phrases need one.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, type LaunchedBrowser, launchChromium, screenshot } from '../support/browser.ts';
import { type FullStack, startFullStack } from '../support/full-stack.ts';

const run = browserAvailable();

describe.skipIf(!run)('no LLM configured', () => {
  let stack: FullStack;
  let chromium: LaunchedBrowser;
  let page: Page;

  beforeAll(async () => {
    [stack, chromium] = await Promise.all([startFullStack({ OPENAI_BASE_URL: '' }), launchChromium()]);
    page = await (await chromium.browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'en-US' })).newPage();
  });
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
  });

  it('shows a banner naming what to set, on every page', async () => {
    expect((await stack.app.request('GET', '/api/session')).body.llmConfigured).toBe(false);
    for (const hash of ['#/', '#/tasks', '#/inbox']) {
      await page.goto(`${stack.app.url}/${hash}`);
      const banner = page.locator('#no-llm');
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(/No language model is configured.*OPENAI_API_KEY.*OPENAI_BASE_URL/s);
    }
    await screenshot(page, 'no-llm-banner');
  });
});
