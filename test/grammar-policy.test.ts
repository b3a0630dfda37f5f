/**
 * Policy texts (S2.5, S1.3, C7): lines `NAME: FILTER`, comments, blank
 * lines, CRLF, the on_next_syscall directive, names and numbers per ABI,
 * unknown names with suggestions, and whole-text rejection with every error.
 */
import test from 'ava';
import { MSG, ON_NEXT_SYSCALL, parsePolicy, printFilter, type Policy, type PolicyError } from '../src/grammar/index.ts';
import type { Abi } from '../src/x86/table.ts';

const ok = (text: string, abi: Abi = 'x86_64'): Policy => {
  const r = parsePolicy(text, abi);
  if (!r.ok)
    throw new Error(`${JSON.stringify(text)}: ${r.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join('; ')}`);
  return r.policy;
};
const errors = (text: string, abi: Abi = 'x86_64'): readonly PolicyError[] => {
  const r = parsePolicy(text, abi);
  if (r.ok) throw new Error(`${JSON.stringify(text)} parsed`);
  return r.errors;
};
const brief = (text: string, abi: Abi = 'x86_64'): [number, number, string][] =>
  errors(text, abi).map((e) => [e.line, e.column, e.message]);
const nrs = (p: Policy): number[] => p.entries.map((e) => e.nr);
const shown = (p: Policy): string[] => p.entries.map((e) => `${e.nr}: ${printFilter(e.filter)}`);

// ---------------------------------------------------------------- policies quoted in the brief and the seed

test('S2.5 the policies quoted in SEMANTICS.md and the seed cover letter parse', (t) => {
  t.deepEqual(shown(ok('sys_read: fd == 0 || fd == 2')), ['0: fd == 0 || fd == 2']);
  t.deepEqual(shown(ok('0: fd == 1')), ['0: fd == 1']);
  t.deepEqual(shown(ok('sys_newstat: 1\nstat: 1\nsys_read: 1')), ['4: 1', '4: 1', '0: 1']);
  t.deepEqual(shown(ok('on_next_syscall: 1\nsys_exit_group: 1')), ['231: 1']);
  t.true(ok('on_next_syscall: 1').onNextSyscall);
  // The 2011 proposal's documentation style.
  const doc = ok(
    [
      'sys_read: (fd == 0) || (fd == 3)',
      'sys_write: fd == 1 || fd == 2',
      'sys_exit_group: 1',
      'sys_rt_sigreturn: 1',
      'sys_brk: 1',
      'sys_mmap: 0',
      'sys_close: fd > 2',
    ].join('\n'),
  );
  t.deepEqual(shown(doc), [
    '0: fd == 0 || fd == 3',
    '1: fd == 1 || fd == 2',
    '231: 1',
    '15: 1',
    '12: 1',
    '9: 0',
    '3: fd > 2',
  ]);
  t.false(doc.onNextSyscall);
  t.is(doc.abi, 'x86_64');
});

test('S2.5 entries keep text order, line numbers and the name as written; repeats are not merged here', (t) => {
  const p = ok('\n# c\nsys_read: fd == 0\n  read : fd == 1\n0x0: 1\n');
  t.deepEqual(
    p.entries.map((e) => [e.line, e.name, e.nr]),
    [
      [3, 'sys_read', 0],
      [4, 'read', 0],
      [5, '0x0', 0],
    ],
  );
});

// ---------------------------------------------------------------- comments, blank lines, CRLF

test('S2.5 [ext] blank lines and `#` comment lines are ignored', (t) => {
  const p = ok('# first\n\n   \n\t# indented comment: with colon\n  #sys_read: garbage ((\nsys_write: 1\n\n#\n');
  t.deepEqual(nrs(p), [1]);
  t.deepEqual(ok('').entries, []);
  t.deepEqual(ok('\n\n\n').entries, []);
  t.deepEqual(ok('#').entries, []);
  t.false(ok('').onNextSyscall);
});

test('S2.5 a `#` after a filter is not a comment', (t) => {
  t.deepEqual(brief('sys_read: 1 # allow'), [[1, 12, MSG.invalidCharacter]]);
});

test('S2.5 CRLF line endings: the \\r is whitespace', (t) => {
  const p = ok('# c\r\nsys_read: fd == 0\r\n\r\nsys_write: 1\r\non_next_syscall: 1\r\n');
  t.deepEqual(nrs(p), [0, 1]);
  t.deepEqual(
    p.entries.map((e) => e.line),
    [2, 4],
  );
  t.true(p.onNextSyscall);
  t.deepEqual(brief('sys_read: 1\r\nsys_write: foo == 1\r\n'), [[2, 11, MSG.fieldNotFound]]);
});

test('S2.5 no trailing newline is fine; a final newline adds no line', (t) => {
  t.deepEqual(nrs(ok('sys_read: 1')), [0]);
  t.deepEqual(nrs(ok('sys_read: 1\n')), [0]);
});

// ---------------------------------------------------------------- on_next_syscall

test('S2.5 `on_next_syscall: 1` sets the flag, with any spacing, and may repeat', (t) => {
  for (const s of [
    'on_next_syscall: 1',
    'on_next_syscall:1',
    '  on_next_syscall  :  1  ',
    'on_next_syscall:\t1\r',
    'on_next_syscall: 1\non_next_syscall: 1',
  ]) {
    const p = ok(`sys_read: 1\n${s}`);
    t.true(p.onNextSyscall, JSON.stringify(s));
    t.deepEqual(nrs(p), [0], 'the directive is not an entry');
  }
  t.is(ON_NEXT_SYSCALL, 'on_next_syscall');
});

test('S2.5 `on_next_syscall` takes only the value 1', (t) => {
  t.deepEqual(brief('on_next_syscall: 0'), [[1, 17, MSG.badDirective]]);
  t.deepEqual(brief('on_next_syscall: 2'), [[1, 17, MSG.badDirective]]);
  t.deepEqual(brief('on_next_syscall: 01'), [[1, 17, MSG.badDirective]]);
  t.deepEqual(brief('on_next_syscall: 0x1'), [[1, 17, MSG.badDirective]]);
  t.deepEqual(brief('on_next_syscall: (1)'), [[1, 17, MSG.badDirective]]);
  t.deepEqual(brief('on_next_syscall: 1 1'), [[1, 17, MSG.badDirective]]);
  t.deepEqual(brief('on_next_syscall: nr == 1'), [[1, 17, MSG.badDirective]]);
  t.deepEqual(brief('on_next_syscall:'), [[1, 16, MSG.badDirective]]);
  t.deepEqual(brief('on_next_syscall:   '), [[1, 19, MSG.badDirective]]);
  t.is(errors('ON_NEXT_SYSCALL: 1')[0]!.message.startsWith(MSG.unknownSyscall), true, 'case matters');
});

// ---------------------------------------------------------------- names (S1.3)

test('S1.3 names as sys_<entry>, unistd names, decimal and 0x-hex numbers (x86_64)', (t) => {
  t.deepEqual(nrs(ok('sys_read: 1\nread: 1\n0: 1\n0x0: 1\n00: 1')), [0, 0, 0, 0, 0]);
  t.deepEqual(nrs(ok('sys_newstat: 1\nstat: 1\n4: 1\n0x4: 1')), [4, 4, 4, 4]);
  t.deepEqual(nrs(ok('sys_prctl: 1\nprctl: 1\n157: 1\n0x9d: 1\n0x9D: 1')), [157, 157, 157, 157, 157]);
  t.deepEqual(nrs(ok('sys_exit_group: 1\n231: 1')), [231, 231]);
  t.deepEqual(nrs(ok('sendfile: 1\nsys_sendfile64: 1')), [40, 40]);
});

test('S1.3 names resolve against the ABI: ia32 stat is 106 and sys_stat 18', (t) => {
  t.deepEqual(nrs(ok('stat: 1\nsys_stat: 1\nsys_newstat: 1', 'ia32')), [106, 18, 106]);
  t.deepEqual(nrs(ok('stat: 1\nsys_newstat: 1', 'x86_64')), [4, 4]);
  t.deepEqual(
    nrs(ok('sys_read: 1\nsys_write: 1\nsys_exit: 1\nsys_prctl: 1\nsys_sigreturn: 1', 'ia32')),
    [3, 4, 1, 172, 119],
  );
  t.deepEqual(nrs(ok('sys_fcntl64: 1\nfcntl64: 1', 'ia32')), [55, 221]);
  t.is(ok('sys_read: 1', 'ia32').abi, 'ia32');
  t.true(errors('sys_stat: 1', 'x86_64')[0]!.message.startsWith(MSG.unknownSyscall));
  t.true(errors('sys_sigreturn: 1', 'x86_64')[0]!.message.startsWith(MSG.unknownSyscall));
});

test("S1.3 the filter is resolved against the named call's own arguments, per ABI", (t) => {
  t.deepEqual(nrs(ok('sys_mmap: prot & 4 || flags == 2 || off == 0')), [9]);
  t.deepEqual(brief('sys_read: prot & 4'), [[1, 10, MSG.fieldNotFound]]);
  t.deepEqual(nrs(ok('stat: filename == 0 && statbuf != 0', 'ia32')), [106]);
  t.deepEqual(nrs(ok('sys_rt_sigreturn: nr == 15 && common_pid != -1')), [15]);
  t.deepEqual(brief('sys_rt_sigreturn: fd == 0'), [[1, 18, MSG.fieldNotFound]]);
});

test('S1.2 numbers of unlisted in-range slots resolve (sys_ni_syscall); out-of-range numbers do not', (t) => {
  t.deepEqual(nrs(ok('134: 1')), [134]);
  t.deepEqual(nrs(ok('17: 1', 'ia32')), [17]);
  t.deepEqual(nrs(ok('134: nr == 134')), [134], 'an unlisted slot has only nr and the common fields');
  t.deepEqual(brief('134: fd == 0'), [[1, 5, MSG.fieldNotFound]]);
  t.deepEqual(nrs(ok('469: 1')), [469]);
  for (const n of ['470', '0x1d6', '99999', '99999999999999999999999999']) {
    const e = errors(`${n}: 1`);
    t.is(e.length, 1);
    t.is(e[0]!.column, 0);
    t.true(e[0]!.message.startsWith(`${MSG.unknownSyscall} '${n}' for x86_64`), e[0]!.message);
  }
});

test('S1.3 unknown names are errors with the nearest names suggested', (t) => {
  const [e] = errors('sys_reed: 1');
  t.is(e!.line, 1);
  t.is(e!.column, 0);
  t.true(e!.message.startsWith(`${MSG.unknownSyscall} 'sys_reed' for x86_64`));
  t.true(e!.suggestions!.includes('sys_read'));
  t.true(e!.message.includes("'sys_read'"), 'the message names the suggestions');
  const [w] = errors('  wirte  : 1');
  t.is(w!.column, 2, 'column of the name');
  t.true(w!.suggestions!.includes('write'));
  const [i] = errors('sys_stta: 1', 'ia32');
  t.true(i!.message.includes('for ia32'));
  t.true(i!.suggestions!.includes('sys_stat'));
  const [z] = errors('zzzzzzzzzzzzzzzzzzzzzz: 1');
  t.deepEqual(z!.suggestions ?? [], []);
  t.false(z!.message.includes('did you mean'));
});

test('S2.5 malformed NAME parts: missing colon, empty name, bad characters, very long names', (t) => {
  t.deepEqual(brief('sys_read'), [[1, 8, MSG.missingColon]]);
  t.deepEqual(brief('  sys_read 1  '), [[1, 12, MSG.missingColon]]);
  t.deepEqual(brief(': 1'), [[1, 0, MSG.missingColon]]);
  t.deepEqual(brief('   : 1'), [[1, 3, MSG.missingColon]]);
  t.deepEqual(brief('sys-read: 1'), [[1, 3, MSG.badName]]);
  t.deepEqual(brief('sys_read fd: 1'), [[1, 9, MSG.badName]]);
  t.deepEqual(brief('-1: 1'), [[1, 0, MSG.badName]]);
  t.deepEqual(brief('sys_read\0: 1'), [[1, 8, MSG.nulByte]]);
  t.deepEqual(brief('\ufeffsys_read: 1'), [[1, 0, MSG.badName]]);
  const long = errors(`${'x'.repeat(100)}: 1`);
  t.is(long.length, 1);
  t.is(long[0]!.column, 0);
  const medium = errors(`${'x'.repeat(70)}: 1`);
  t.is(medium.length, 1);
  t.true(medium[0]!.message.startsWith(MSG.unknownSyscall));
  t.true(medium[0]!.message.length < 200, 'the name is cut in the message');
});

test('S2.5 filter errors are reported at their column within the line (0-based, C7)', (t) => {
  t.deepEqual(brief('sys_read: fd = 1'), [[1, 13, MSG.invalidOperator]]);
  t.deepEqual(brief('sys_read:fd == 08'), [[1, 15, MSG.illegalInteger]]);
  t.deepEqual(brief('  sys_read  :  (fd == 1'), [[1, 15, MSG.unbalancedParens]]);
  t.deepEqual(brief('sys_read:'), [[1, 9, MSG.meaningless]]);
  t.deepEqual(brief('sys_read: fd == 9 ||'), [[1, 20, MSG.meaningless]]);
  t.deepEqual(brief('sys_read:1:2'), [[1, 10, MSG.invalidCharacter]]);
  t.deepEqual(brief('sys_read: fd == 0\0'), [[1, 17, MSG.nulByte]]);
  t.deepEqual(brief(`sys_read: ${Array(17).fill('fd==1').join('||')}`), [[1, 122, MSG.tooManyTerms]]);
  t.deepEqual(brief(`sys_read: fd ==${' '.repeat(250)}1`), [[1, 265, MSG.filterTooLong]]);
  t.deepEqual(nrs(ok(`sys_read:  fd ==${' '.repeat(249)}1  `)), [0], '255 after trimming is fine');
});

// ---------------------------------------------------------------- whole-text rejection, every error

test('S2.5 one bad line rejects the whole text, with its line and column', (t) => {
  const r = parsePolicy('sys_read: 1\nsys_write: 1\nsys_open: fd == 1\nsys_close: 1\n', 'x86_64');
  t.false(r.ok);
  if (!r.ok) {
    t.deepEqual(
      r.errors.map((e) => [e.line, e.column, e.message, e.source]),
      [[3, 10, MSG.fieldNotFound, 'sys_open: fd == 1']],
    );
    t.false('policy' in r, 'no partial policy');
  }
});

test('S2.5 every bad line is reported, in line order', (t) => {
  const text = [
    'sys_reed: 1',
    'foo',
    ': 1',
    'read fd: 1',
    'sys_read: fd == 9 ||',
    'on_next_syscall: 2',
    'sys_write: 1',
    '# fine',
    'sys_close: fd = 1',
  ].join('\n');
  const es = errors(text);
  t.deepEqual(
    es.map((e) => [e.line, e.column]),
    [
      [1, 0],
      [2, 3],
      [3, 0],
      [4, 5],
      [5, 20],
      [6, 17],
      [9, 14],
    ],
  );
  t.deepEqual(
    es.map((e) => e.source),
    ['sys_reed: 1', 'foo', ': 1', 'read fd: 1', 'sys_read: fd == 9 ||', 'on_next_syscall: 2', 'sys_close: fd = 1'],
  );
  t.true(es[0]!.message.startsWith(MSG.unknownSyscall));
  t.is(es[1]!.message, MSG.missingColon);
  t.is(es[3]!.message, MSG.badName);
  t.is(es[4]!.message, MSG.meaningless);
  t.is(es[5]!.message, MSG.badDirective);
  t.is(es[6]!.message, MSG.invalidOperator);
});

test('S2.5 error sources keep a trailing \\r out of the line only as whitespace (CRLF columns unchanged)', (t) => {
  const [e] = errors('sys_read: fd = 1\r\n');
  t.is(e!.column, 13);
  t.is(e!.line, 1);
});

test('S2.5 a huge bad file reports a bounded number of errors', (t) => {
  const es = errors('bad\n'.repeat(10_000));
  t.true(es.length >= 1 && es.length <= 100, String(es.length));
  t.deepEqual(
    es.slice(0, 3).map((e) => e.line),
    [1, 2, 3],
  );
});
