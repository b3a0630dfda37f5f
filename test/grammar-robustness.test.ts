/**
 * S2.4 robustness: no input, however long, deep, binary or malformed, makes
 * parseFilter or parsePolicy throw, hang or overflow the stack; each returns
 * an error with a column inside the input. (Time is not asserted: each case
 * should take well under a second.)
 */
import test from 'ava';
import { caret, parseFilter, parsePolicy, type FilterResult, type PolicyResult } from '../src/grammar/index.ts';
import { syscallTable } from '../src/x86/table.ts';
import { MAX_USER_TEXT } from '../src/x86/prctl.ts';

const READ = syscallTable('x86_64').byNr(0)!.args;
const MB = 1 << 20;

/** A deterministic byte soup: xorshift32. */
function binary(n: number, seed: number): string {
  let x = seed >>> 0 || 1;
  let s = '';
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    s += String.fromCharCode(x & 0xff);
  }
  return s;
}
/** Random UTF-16 code units, lone surrogates included. */
function utf16(n: number, seed: number): string {
  let x = seed >>> 0 || 1;
  const units: number[] = [];
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    units.push(x >>> 16);
  }
  let s = '';
  for (let i = 0; i < units.length; i += 4096) s += String.fromCharCode(...units.slice(i, i + 4096));
  return s;
}

const INPUTS: readonly (readonly [string, string])[] = [
  ['1 MB of a', 'a'.repeat(MB)],
  ['1 MB of spaces and one predicate', `${' '.repeat(MB)}fd == 1${' '.repeat(MB)}`],
  [
    '1 MB valid-looking chain',
    Array(MB / 8)
      .fill('fd == 1')
      .join('||'),
  ],
  ['1 MB of digits', `fd == ${'9'.repeat(MB)}`],
  ['10,000 nested parentheses', `${'('.repeat(10_000)}fd == 1${')'.repeat(10_000)}`],
  ['10,000 open parentheses', '('.repeat(10_000)],
  ['10,000 close parentheses', ')'.repeat(10_000)],
  ['10,000 nots', `${'!'.repeat(10_000)}fd == 1`],
  ['deep parens within 255 characters', `${'('.repeat(124)}fd==1${')'.repeat(124)}`],
  ['deep nots within 255 characters', `${'!'.repeat(249)}fd==1`],
  ['deep nots and parens within 255 characters', `${'!('.repeat(83)}fd==1${')'.repeat(83)}`],
  ['NUL bytes', '\0'.repeat(1000)],
  ['NUL inside', 'fd == 1\0 && count > 2'],
  ['lone high surrogate', 'fd == 1 \ud800'],
  ['lone low surrogate', '\udc00fd == 1'],
  ['surrogates only', '\ud800\udfff\udfff\ud800'.repeat(1000)],
  ['random binary 64 KiB', binary(64 * 1024, 1)],
  ['random binary 200 B', binary(200, 7)],
  ['random UTF-16 64 Ki units', utf16(64 * 1024, 3)],
  ['random UTF-16 100 units', utf16(100, 9)],
  ['operators only', '&&||==!=<=>=&|!'.repeat(100)],
  ['empty', ''],
  ['BOM', '\ufeff'],
];

const checkFilter = (t: { true: (v: boolean, m?: string) => void }, s: string, r: FilterResult): void => {
  if (!r.ok)
    t.true(
      Number.isInteger(r.error.column) && r.error.column >= 0 && r.error.column <= s.length,
      `column ${r.error.column} of ${s.length}`,
    );
};
const checkPolicy = (t: { true: (v: boolean, m?: string) => void }, s: string, r: PolicyResult): void => {
  if (r.ok) return;
  const lines = s.split('\n');
  t.true(r.errors.length >= 1);
  for (const e of r.errors) {
    t.true(Number.isInteger(e.line) && e.line >= 1 && e.line <= lines.length, `line ${e.line} of ${lines.length}`);
    const src = lines[e.line - 1]!;
    t.true(e.source === src, 'source is the line');
    t.true(e.column >= 0 && e.column <= src.length, `column ${e.column} of ${src.length}`);
    caret(e.source, e.column);
  }
};

for (const [name, s] of INPUTS) {
  test(`S2.4 parseFilter survives: ${name}`, (t) => {
    let r: FilterResult | undefined;
    t.notThrows(() => {
      r = parseFilter(s, READ);
    });
    checkFilter(t, s, r!);
    if (name !== '1 MB of spaces and one predicate' && name !== 'deep parens within 255 characters')
      t.false(r!.ok, 'an error');
  });
  test(`S2.4 parsePolicy survives: ${name}`, (t) => {
    for (const text of [s, `sys_read: ${s}`, `sys_read: 1\n${s}\nsys_write: 1`, `${s}: 1`]) {
      for (const abi of ['x86_64', 'ia32'] as const) {
        let r: PolicyResult | undefined;
        t.notThrows(() => {
          r = parsePolicy(text, abi);
        });
        checkPolicy(t, text, r!);
      }
    }
  });
}

test('S2.4 the results of the extreme inputs are the expected errors', (t) => {
  const long = parseFilter('a'.repeat(MB), READ);
  t.deepEqual(long, { ok: false, error: { message: 'Filter string too long (at most 255 characters)', column: 255 } });
  const spaced = parseFilter(`${' '.repeat(MB)}fd == 1${' '.repeat(MB)}`, READ);
  t.true(spaced.ok, 'whitespace is trimmed before the length check (C1)');
  const deep = parseFilter(`${'('.repeat(124)}fd==1${')'.repeat(124)}`, READ);
  t.true(deep.ok);
  const nots = parseFilter(`${'!'.repeat(249)}fd==1`, READ);
  t.deepEqual(nots, { ok: false, error: { message: 'Too many terms in predicate expression', column: 32 } });
});

test('S2.4 a 64 KiB policy (the largest a prctl reads, S5.2) of valid lines parses', (t) => {
  // 1 MB of valid lines takes ~2.5 s through ohm; the kernel never reads more than 64 KiB.
  const n = Math.floor(MAX_USER_TEXT / 29);
  const text = 'sys_read: fd == 0 || fd == 2\n'.repeat(n);
  const r = parsePolicy(text, 'x86_64');
  t.true(r.ok);
  if (r.ok) t.is(r.policy.entries.length, n);
});

test('S2.4 a 1 MB policy of blank and comment lines parses empty', (t) => {
  const r = parsePolicy('\n'.repeat(MB / 2) + '# c\r\n'.repeat(MB / 10), 'ia32');
  t.deepEqual(r, { ok: true, policy: { abi: 'ia32', entries: [], onNextSyscall: false } });
});

test('S2.4 a 1 MB policy of unknown names stays bounded (suggestions included)', (t) => {
  const r = parsePolicy(`${'sys_reed: 1\n'.repeat(MB / 12)}`, 'x86_64');
  t.false(r.ok);
  if (!r.ok) t.true(r.errors.length <= 100);
});

test('S2.4 a policy line of 1 MB name characters before the colon', (t) => {
  const text = `${'a'.repeat(MB)}: 1`;
  const r = parsePolicy(text, 'x86_64');
  t.false(r.ok);
  checkPolicy(t, text, r);
});

test('S2.4 a policy name of 64 and 65 characters (the lookup limit)', (t) => {
  for (const n of [63, 64, 65, 80, 81]) {
    const text = `${'q'.repeat(n)}: 1`;
    const r = parsePolicy(text, 'x86_64');
    t.false(r.ok);
    checkPolicy(t, text, r);
  }
});
