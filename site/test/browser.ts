/**
 * The browser the site tests drive: Debian's Chromium (or CHROMIUM_PATH),
 * through playwright-core, never a browser playwright downloads. Pages load
 * from disk (file://), the stricter of the two ways the site is used.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

const CANDIDATES = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The Chromium executable, or an error saying how to install it. */
export function chromiumPath(): string {
  const found = CANDIDATES.find((p): p is string => p !== undefined && p !== '' && existsSync(p));
  if (found === undefined) throw new Error('no Chromium: apt-get install -y chromium (or set CHROMIUM_PATH)');
  return found;
}

/** A headless Chromium; --no-sandbox because CI runs as root. */
export const launch = (): Promise<Browser> =>
  chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'], headless: true });

/** The file:// URL of a page of site-dist/. */
export const pageUrl = (page: string): string => new URL(`../../site-dist/${page}`, import.meta.url).href;

/** Open a page and collect its uncaught errors and console errors. */
export async function open(
  browser: Browser,
  page: string,
): Promise<{ readonly page: Page; readonly errors: string[] }> {
  const p = await browser.newPage();
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(e.message));
  p.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await p.goto(pageUrl(page));
  return { page: p, errors };
}
