// Browser tests drive Debian's `chromium` (never a downloaded browser) through playwright-core.
// Without it they are skipped with a message, unless REQUIRE_BROWSER_TESTS=1 (set by .ci/run).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

/** The absolute path of `chromium` on PATH (playwright does not resolve a bare name), or null. */
export function chromiumPath(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

export const SKIP_MESSAGE = 'browser tests skipped: Debian’s chromium is not installed (apt-get install -y chromium to run the browser tests)';

/** Whether to run; throws when they are required (CI) and chromium is missing. */
export function browserAvailable(): boolean {
  if (chromiumPath()) return true;
  if (process.env.REQUIRE_BROWSER_TESTS === '1') throw new Error(`REQUIRE_BROWSER_TESTS=1 but ${SKIP_MESSAGE}`);
  process.stderr.write(`\n${SKIP_MESSAGE}\n`);
  return false;
}

export interface LaunchedBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Launches chromium with exactly CHROMIUM_FLAGS plus a fresh profile directory. Playwright's own
 * defaults are turned off; --remote-debugging-pipe is how it talks to the browser.
 */
export async function launchChromium(extraArgs: string[] = []): Promise<LaunchedBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'tickler-chromium-'));
  const browser = await chromium.launch({
    executablePath: chromiumPath() as string,
    ignoreDefaultArgs: true,
    args: [...CHROMIUM_FLAGS, ...extraArgs, `--user-data-dir=${profile}`, '--remote-debugging-pipe'],
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A full-page screenshot under test/artifacts/ (git-ignored), for people to review; of the
 * viewport only with `fullPage: false` (a modal dialog sits in the viewport, not on the page).
 */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Toasts float over whatever is under them; the review is of the screen beneath.
  await page.evaluate(() => document.getElementById('toasts')?.replaceChildren());
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: opts.fullPage ?? true });
}
