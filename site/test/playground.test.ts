/**
 * The playground in Chromium: a policy error with its caret, the fix, an
 * allowed and a killed call with their explanation, the state in the URL,
 * bundled traces replayed (one killed, one not), and a large dropped log
 * replayed in a worker with progress.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launch, open } from './browser.ts';

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser.close();
});

const GOOD = 'sys_read: fd == 0\nsys_write: fd == 1\nsys_exit_group: 1\n';

async function setCall(page: Page, name: string, args: Readonly<Record<string, string>>): Promise<void> {
  await page.fill('#call-name', name);
  for (const [k, v] of Object.entries(args)) await page.fill(`#call-args input[data-arg="${k}"]`, v);
}

/** The decision once the page has settled on `want` (allowed, killed or none). */
async function decision(page: Page, want: string): Promise<string> {
  await page.waitForSelector(`body:not([data-busy]) #decision .decision[data-decision="${want}"]`);
  return (await page.textContent('#decision')) ?? '';
}

/**
 * The BPF pane agrees with the engine, and the highlighted path starts at
 * the program's first instruction, ends at the `return` that decided, and
 * is drawn in the control-flow graph too.
 */
async function bpfPath(page: Page, last: RegExp): Promise<void> {
  assert.match((await page.textContent('#bpf .bpf-stats')) ?? '', /agrees with the engine/);
  const taken = await page.$$eval('#bpf .disasm div.taken', (ds) =>
    ds.map((d) => [Number(d.getAttribute('data-pc')), d.textContent ?? ''] as const),
  );
  assert.ok(taken.length >= 3, `path of ${taken.length} instructions`);
  assert.equal(taken[0]?.[0], 0);
  assert.match(taken.at(-1)?.[1] ?? '', last);
  const executed = /after (\d+) instructions/.exec((await page.textContent('#bpf .bpf-stats')) ?? '')?.[1];
  assert.equal(Number(executed), taken.length);
  assert.ok((await page.locator('#bpf svg g.node.taken').count()) >= 2);
  assert.ok((await page.locator('#bpf svg path.edge.taken').count()) >= 1);
}

test('a policy error shows its message with a caret under the column; the fix clears it', async () => {
  const { page, errors } = await open(browser, 'playground.html');
  await page.fill('#policy', 'sys_read: fd == 0\nsys_write: fd = 1\n');
  const diag = page.locator('#diagnostics .diag.error');
  await diag.waitFor();
  assert.match((await diag.textContent()) ?? '', /^2:15: error: Invalid operator/);
  const caret = ((await diag.locator('pre.caret').textContent()) ?? '').split('\n');
  assert.equal(caret[0], 'sys_write: fd = 1');
  assert.equal(caret[1], `${' '.repeat(14)}^`);
  await decision(page, 'none');
  await page.fill('#policy', GOOD);
  await page.locator('#diagnostics .diag.ok').waitFor();
  assert.equal(await page.locator('#diagnostics .diag.error').count(), 0);
  await page.fill('#policy', `${GOOD}sys_execve: 1\n`);
  await page.locator('#diagnostics .diag.warning').waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test('an allowed and a killed call: decision, entry, the predicate that decided and its values', async () => {
  const { page, errors } = await open(browser, 'playground.html');
  await page.fill('#policy', GOOD);
  await setCall(page, 'write', { fd: '1', count: '5' });
  const allowed = await decision(page, 'allowed');
  assert.match(allowed, /ALLOWED/);
  assert.equal(await page.textContent('#decision .entry'), 'write: fd == 1');
  assert.equal(await page.textContent('#decision .reason'), '`fd == 1` is true because fd = 1');
  await bpfPath(page, /return ALLOW$/);
  await setCall(page, 'write', { fd: '2' });
  await decision(page, 'killed');
  assert.equal(await page.textContent('#decision .reason'), '`fd == 1` is false because fd = 2');
  assert.match((await page.textContent('#decision .outcome')) ?? '', /^killed/);
  await bpfPath(page, /return KILL_PROCESS$/);
  await setCall(page, 'open', {});
  await decision(page, 'killed');
  assert.match((await page.textContent('#decision .reason')) ?? '', /no entry for sys_open/);
  assert.equal(await page.textContent('#decision .entry'), 'none');
  const names = await page.$$eval('#call-names option', (os) => os.map((o) => o.getAttribute('value')));
  assert.ok(names.includes('openat') && names.length > 300, 'completion lists the table');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the URL holds policy, ABI and call: opening it again shows the same decision', async () => {
  const { page, errors } = await open(browser, 'playground.html');
  await page.fill('#policy', 'sys_read: fd == 0\n');
  await page.selectOption('#abi', 'ia32');
  await setCall(page, 'read', { fd: '3' });
  await decision(page, 'killed');
  const url = page.url();
  assert.match(url, /abi=ia32/);
  const again = await browser.newPage();
  await again.goto(url);
  await decision(again, 'killed');
  assert.equal(await again.inputValue('#policy'), 'sys_read: fd == 0\n');
  assert.equal(await again.inputValue('#abi'), 'ia32');
  assert.equal(await again.inputValue('#call-args input[data-arg="fd"]'), '3');
  assert.match((await again.textContent('#decision .verdict')) ?? '', /ia32, nr 3/);
  await bpfPath(again, /return KILL_PROCESS$/);
  assert.deepEqual(errors, []);
  await again.close();
  await page.close();
});

test('a bundled trace replays under a bundled policy: the kill is explained, the per-call table shown', async () => {
  const { page, errors } = await open(browser, 'playground.html');
  await page.selectOption('#policy-sample', 'true-breaks.txt');
  await page.selectOption('#trace-sample', 'true.strace');
  await page.waitForSelector('#trace-result[data-state=done]');
  assert.equal(await page.getAttribute('#trace-result .total', 'data-killed'), '1');
  const kill = (await page.textContent('#trace-result .task.kill')) ?? '';
  assert.match(kill, /KILLED at line 5/);
  assert.match(kill, /`flags == 0` is false because flags = 0x80000/);
  assert.ok((await page.locator('#trace-result table.calls tr.killed').count()) >= 1);
  assert.equal(await page.getAttribute('body', 'data-trace-runs-in'), 'worker');
  await page.selectOption('#policy-sample', 'true-allows.txt');
  await page.selectOption('#trace-sample', '');
  await page.selectOption('#trace-sample', 'true.strace');
  await page.waitForSelector('#trace-result[data-state=done] .total[data-killed="0"]');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a large dropped log is read in chunks and replayed in a worker, with progress, to its kill', async () => {
  const { page, errors } = await open(browser, 'playground.html');
  await page.fill('#policy', 'getpid: 1\nexit_group: 1\n');
  const calls = 120_000;
  const log = `1 execve(0x1, 0x2, 0x3) = 0\n${'1 getpid() = 1\n'.repeat(calls)}1 getppid() = 0\n1 exit_group(0) = ?\n1 +++ exited with 0 +++\n`;
  await page.setInputFiles('#trace-file', { name: 'big.strace', mimeType: 'text/plain', buffer: Buffer.from(log) });
  await page.waitForSelector('#trace-result[data-state=done]', { timeout: 120_000 });
  const phases = (await page.getAttribute('#trace-result', 'data-phases')) ?? '';
  assert.deepEqual(phases.split(' ').sort(), ['parse', 'read', 'replay']);
  assert.match(
    (await page.textContent('#trace-result .task.kill')) ?? '',
    new RegExp(`KILLED at line ${calls + 2} after ${calls + 1} allowed calls`),
  ); // execve, then the getpids
  assert.deepEqual(errors, []);
  await page.close();
});
