/**
 * Every page of the spec site in Chromium: each seccomp-example and
 * replay-example runs and reports that it held, on the model and on the
 * engine, and there are as many on the page as the tests' runner extracts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { extractExamples, extractReplayExamples } from '../../src/spec-runner/index.ts';
import { launch, open } from './browser.ts';

const SPEC = new URL('../../spec/', import.meta.url);
const files = readdirSync(SPEC)
  .filter((f) => f.endsWith('.md'))
  .sort();
const pageOf = (f: string): string => (f === 'README.md' ? 'index.html' : f.replace(/\.md$/, '.html'));

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser.close();
});

for (const f of files) {
  const text = readFileSync(new URL(f, SPEC), 'utf8');
  const expected = extractExamples(text).length + extractReplayExamples(text, f).length;
  test(`spec/${f}: ${expected} examples, each held on the model and the engine`, async () => {
    const { page, errors } = await open(browser, pageOf(f));
    assert.equal(await page.locator('.example').count(), expected);
    if (expected > 0) {
      for (const backend of ['model', 'engine']) {
        await page.selectOption('#backend', backend);
        await page.waitForSelector(`body[data-examples]`);
        await page.waitForFunction(() => !/running/.test(document.querySelector('#summary')?.textContent ?? 'running'));
        const bad = await page.$$eval('.example:not([data-status=held])', (els) =>
          els.map((e) =>
            `${e.getAttribute('data-file')}:${e.getAttribute('data-line')} ${e.textContent ?? ''}`.slice(0, 400),
          ),
        );
        assert.deepEqual(bad, [], `${backend}: examples that did not hold`);
        const lines = await page.$$eval('.line.failed, .line.not-run', (els) => els.length);
        assert.equal(lines, 0);
        const statuses = await page.$$eval('.example[data-kind=seccomp-example] .status', (els) =>
          els.map((e) => e.textContent ?? ''),
        );
        assert.ok(
          statuses.every((t) => t === `held (${backend})`),
          `${backend}: ${statuses.join(', ')}`,
        );
        assert.match((await page.textContent('#summary')) ?? '', new RegExp(`all ${expected} held`));
      }
    }
    assert.deepEqual(errors, []);
    await page.close();
  });
}

test('an edited example that no longer holds shows the failing line and why, and runs again', async () => {
  const { page } = await open(browser, '03-evaluation.html');
  await page.waitForSelector('body[data-examples]');
  const box = page.locator('.example[data-kind=seccomp-example]').first();
  await box.locator('button.edit').click();
  await box.locator('textarea').fill('call getpid -> 1\ncall getpid -> 2\ncall getpid -> 1');
  await box.locator('button.run').click();
  await page.waitForFunction(
    () => document.querySelector('.example[data-kind=seccomp-example]')?.getAttribute('data-status') === 'failed',
  );
  assert.deepEqual(await box.locator('.line').evaluateAll((ls) => ls.map((l) => l.className.replace('line ', ''))), [
    'held',
    'failed',
    'not-run',
  ]);
  assert.match((await box.locator('.line.failed .why').textContent()) ?? '', /expected .*got/);
  await box.locator('button.edit').click();
  await box.locator('textarea').fill('call getpid -> 1');
  await box.locator('button.run').click();
  await page.waitForFunction(
    () => document.querySelector('.example[data-kind=seccomp-example]')?.getAttribute('data-status') === 'held',
  );
  await page.close();
});

test('rule numbers are anchors (S1.1 on the ABIs page), and every rule link of every page resolves', async () => {
  const ids = new Map<string, ReadonlySet<string>>();
  const refs: string[] = [];
  for (const f of files) {
    const { page } = await open(browser, pageOf(f));
    ids.set(pageOf(f), new Set(await page.$$eval('[id]', (els) => els.map((e) => e.id))));
    const hrefs = await page.$$eval('a.rule-ref', (as) => as.map((a) => a.getAttribute('href') ?? ''));
    refs.push(...hrefs.map((href) => (href.startsWith('#') ? `${pageOf(f)}${href}` : href)));
    await page.close();
  }
  assert.ok(ids.get('01-abis.html')?.has('S1.1'));
  assert.ok(refs.length > 50, `only ${refs.length} rule links`);
  const broken = refs.filter((r) => {
    const [page = '', id = ''] = r.split('#');
    return ids.get(page)?.has(id) !== true;
  });
  assert.deepEqual(broken, []);
});
