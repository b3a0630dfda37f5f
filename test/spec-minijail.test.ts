/**
 * Runs every ```minijail-example block of spec/17-minijail.md: files read
 * with the minijail reader, calls decided by the decision form, errors,
 * rules, warnings and frequencies compared exactly. The format:
 *
 *   abi ia32                    read the policy for ia32 (default x86_64)
 *   file PATH                   a file; its text is the indented lines below (the first is the main file)
 *   call [ABI] NAME ARGS -> ACTION   the action for a call of the task's ABI
 *   error                       the rendered errors are exactly the indented lines below
 *   rules                       `check --dialect minijail`'s lines are exactly the indented lines below
 *   warning TEXT                some warning contains TEXT
 *   frequencies                 `nr: count` lines below, exactly
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { formatAction } from '../src/action/index.ts';
import { ruleLines } from '../src/cli/commands/check.ts';
import { renderMinijailError } from '../src/cli/dialect.ts';
import { parseMinijail, type MinijailPolicy } from '../src/minijail/index.ts';
import { decideRules } from '../src/ruleset/index.ts';
import { syscallTable, type Abi } from '../src/x86/table.ts';
import { loadUapi } from '../src/x86/uapi.ts';
import { blocks, body } from './support/spec-blocks.ts';

const TAG = 'minijail-example';
const spec = readFileSync(new URL('../spec/17-minijail.md', import.meta.url), 'utf8');

const all = blocks(spec, TAG);

test('spec/17-minijail.md has examples for every rule it states', (t) => {
  t.true(all.length >= 12, `${all.length} examples`);
  for (const rule of ['M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M7', 'M8', 'M9', 'M10', 'M11', 'M-K1'])
    t.true(spec.includes(`**${rule}**`), rule);
});

for (const b of all) {
  test(`spec/17-minijail.md:${b.line}`, async (t) => {
    let abi: Abi = 'x86_64';
    let policy: MinijailPolicy | undefined;
    const files = new Map<string, string>();
    const checks: (() => void)[] = [];
    let expectError: string[] | undefined;
    for (let k = 0; k < b.lines.length;) {
      const l = b.lines[k]!;
      const [word = '', ...rest] = l.trim().split(/\s+/);
      if (word === 'abi') {
        abi = rest[0] as Abi;
        k++;
      } else if (word === 'file') {
        const [text, next] = body(b.lines, k);
        files.set(rest[0]!, `${text.join('\n')}\n`);
        k = next;
      } else if (word === 'error') {
        const [text, next] = body(b.lines, k);
        expectError = text;
        k = next;
      } else if (word === 'rules' || word === 'frequencies') {
        const [text, next] = body(b.lines, k);
        checks.push(() => {
          const p = policy!;
          const got = word === 'rules' ? ruleLines(p.ruleSet, abi) : [...p.frequencies].map(([nr, n]) => `${nr}: ${n}`);
          t.deepEqual(
            got,
            text.filter((x) => x !== ''),
            `line ${b.line + k + 1}`,
          );
        });
        k = next;
      } else if (word === 'warning') {
        const want = l.trim().slice('warning '.length);
        checks.push(() =>
          t.true(
            policy!.warnings.some((w) => w.message.includes(want)),
            want,
          ),
        );
        k++;
      } else if (word === 'call') {
        const m = /^call(?: (x86_64|ia32))? (\S+)((?: \S+)*) -> (\S+)$/.exec(l.trim());
        if (m === null) throw new Error(`bad call line: ${l}`);
        const task = (m[1] ?? 'x86_64') as Abi;
        const nr = syscallTable(task).resolve(m[2]!) ?? Number(m[2]);
        const args = (m[3] ?? '')
          .trim()
          .split(' ')
          .filter((x) => x !== '')
          .map((x) => BigInt(x));
        checks.push(() =>
          t.is(
            formatAction(decideRules(policy!.ruleSet, task, nr, [...args, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6)).action),
            m[4]!,
            l,
          ),
        );
        k++;
      } else throw new Error(`unknown line in the example at ${b.line + k + 1}: ${l}`);
    }
    const [main, text] = [...files][0]!;
    const r = parseMinijail(text, await loadUapi(abi), { abi, file: main, readFile: (p) => files.get(p) });
    if (expectError !== undefined) {
      t.false(r.ok, 'expected an error');
      if (!r.ok)
        t.deepEqual(
          r.errors.flatMap((e) => renderMinijailError(e).trimEnd().split('\n')),
          expectError.filter((x) => x !== ''),
        );
      return;
    }
    if (!r.ok) {
      t.fail(r.errors.map(renderMinijailError).join(''));
      return;
    }
    policy = r.policy;
    for (const c of checks) c();
  });
}
