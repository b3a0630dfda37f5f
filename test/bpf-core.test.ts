/**
 * src/bpf: the vocabulary, raw encoding, the kernel-style validator, the
 * emulator, the constant-action cache check and the compiler's layout on
 * hand-picked policies and calls.
 */
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import {
  actionRet,
  ALLOW as ALLOW_A,
  errno,
  KILL_2011,
  KILL_PROCESS as KILL_PROCESS_A,
  KILL_THREAD,
  LOG,
  retAction,
  SECCOMP_RET,
  trace,
  trap,
  type Action,
} from '../src/action/index.ts';
import type { Cond, Rule, RuleSet } from '../src/ruleset/index.ts';
import {
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  BPF,
  compilePolicy,
  compileRules,
  compileState,
  constAllowed,
  decodeRaw,
  describeAction,
  disassemble,
  emulate,
  encodeRaw,
  validate,
  type CompileOptions,
  type Compiled,
  type Program,
  type SeccompData,
} from '../src/bpf/index.ts';
import { applyPolicy, INITIAL_STATE } from '../src/model/index.ts';
import { syscallTable } from '../src/x86/index.ts';

const ok = <A>(r: E.Either<unknown, A>): A => {
  if (E.isLeft(r)) throw new Error(`expected Right, got ${JSON.stringify(r.left)}`);
  return r.right;
};
const compile = (text: string, opts: Partial<CompileOptions> = {}): Compiled =>
  ok(compilePolicy(text, { abi: 'x86_64', ...opts }));
const call = (nr: number, args: readonly bigint[] = [], arch = AUDIT_ARCH_X86_64): SeccompData => ({
  nr,
  arch,
  instructionPointer: 0x401000n,
  args: [...args, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6),
});
const ret = (p: Program, d: SeccompData): number => emulate(p, d).ret;
const { ALLOW, KILL_PROCESS } = SECCOMP_RET;

test('actionRet and describeAction agree on every action', (t) => {
  t.is(actionRet({ kind: 'kill-process' }), 0x80000000);
  t.is(actionRet({ kind: 'kill-thread' }), 0);
  t.is(actionRet({ kind: 'errno', errno: 13 }), 0x0005000d);
  t.is(actionRet({ kind: 'trace', data: 0xffff }), 0x7ff0ffff);
  t.is(describeAction(0x80000000), 'KILL_PROCESS');
  t.is(describeAction(0), 'KILL_THREAD');
  t.is(describeAction(0x0005000d), 'ERRNO(13)');
  t.is(describeAction(0x7ff00007), 'TRACE(7)');
  t.is(describeAction(SECCOMP_RET.TRAP), 'TRAP');
  t.is(describeAction(SECCOMP_RET.LOG), 'LOG');
  t.is(describeAction(ALLOW), 'ALLOW');
  t.is(describeAction(0x12345678), '0x12345678');
});

test('encodeRaw is little-endian sock_filters and decodeRaw inverts it', (t) => {
  const p: Program = [
    { code: 0x20, jt: 0, jf: 0, k: 4 },
    { code: 0x15, jt: 1, jf: 2, k: AUDIT_ARCH_X86_64 },
    { code: 0x06, jt: 0, jf: 0, k: ALLOW },
  ];
  const raw = encodeRaw(p);
  t.deepEqual([...raw.slice(0, 16)], [0x20, 0, 0, 0, 4, 0, 0, 0, 0x15, 0, 1, 2, 0x3e, 0, 0, 0xc0]);
  t.deepEqual(ok(decodeRaw(raw)), p);
  t.true(E.isLeft(decodeRaw(new Uint8Array(0))));
  t.true(E.isLeft(decodeRaw(new Uint8Array(12))));
  t.true(E.isLeft(decodeRaw(new Uint8Array(8 * 4097))));
});

test('validate refuses what the kernel refuses, naming the instruction', (t) => {
  const r = (k: number) => ({ code: BPF.RET | BPF.K, jt: 0, jf: 0, k });
  const cases: readonly [Program, RegExp][] = [
    [[], /empty/],
    [[{ code: BPF.LD | BPF.W | BPF.ABS, jt: 0, jf: 0, k: 2 }, r(0)], /instruction 0: .*aligned/],
    [[{ code: BPF.LD | BPF.W | BPF.ABS, jt: 0, jf: 0, k: 64 }, r(0)], /outside struct seccomp_data/],
    [[{ code: BPF.LD | BPF.B | BPF.ABS, jt: 0, jf: 0, k: 0 }, r(0)], /opcode 0x30 is not allowed/],
    [[{ code: BPF.JMP | BPF.JEQ | BPF.K, jt: 1, jf: 0, k: 0 }, r(0)], /leaves the program/],
    [[{ code: BPF.JMP | BPF.JA, jt: 0, jf: 0, k: 1 }, r(0)], /leaves the program/],
    [[{ code: BPF.ALU | BPF.DIV | BPF.K, jt: 0, jf: 0, k: 0 }, r(0)], /division/],
    [[{ code: BPF.LD | BPF.MEM, jt: 0, jf: 0, k: 16 }, r(0)], /scratch word 16/],
    [[{ code: BPF.LD | BPF.MEM, jt: 0, jf: 0, k: 3 }, r(0)], /loads M\[3\] before any store/],
    [[{ code: BPF.LD | BPF.IMM, jt: 0, jf: 0, k: 3 }], /not a RET/],
    [[{ code: BPF.RET | BPF.K, jt: 0, jf: 0, k: 2 ** 32 }], /field out of range/],
    [Array.from({ length: 4097 }, () => r(0)), /BPF_MAXINSNS/],
  ];
  for (const [p, re] of cases) {
    const v = validate(p);
    t.true(E.isLeft(v) && re.test(v.left), `${JSON.stringify(p.slice(0, 2))}: ${E.isLeft(v) ? v.left : 'accepted'}`);
  }
  t.true(
    E.isRight(validate([{ code: BPF.ST, jt: 0, jf: 0, k: 3 }, { code: BPF.LDX | BPF.MEM, jt: 0, jf: 0, k: 3 }, r(0)])),
  );
});

test('emulate runs every seccomp opcode and stops an invalid program with KILL_PROCESS', (t) => {
  const s = (code: number, k = 0) => ({ code, jt: 0, jf: 0, k });
  const prog: Program = [
    s(BPF.LD | BPF.W | BPF.ABS, 16),
    s(BPF.ALU | BPF.ADD | BPF.K, 5),
    s(BPF.ALU | BPF.MUL | BPF.K, 3),
    s(BPF.ALU | BPF.SUB | BPF.K, 1),
    s(BPF.ALU | BPF.DIV | BPF.K, 2),
    s(BPF.ALU | BPF.OR | BPF.K, 0x100),
    s(BPF.ALU | BPF.LSH | BPF.K, 4),
    s(BPF.ALU | BPF.RSH | BPF.K, 2),
    s(BPF.ST, 0),
    s(BPF.MISC | BPF.TAX),
    s(BPF.LD | BPF.IMM, 1),
    s(BPF.ALU | BPF.ADD | BPF.X),
    s(BPF.STX, 1),
    s(BPF.LDX | BPF.MEM, 0),
    s(BPF.LD | BPF.MEM, 1),
    s(BPF.ALU | BPF.NEG),
    s(BPF.ALU | BPF.NEG),
    s(BPF.MISC | BPF.TXA),
    s(BPF.LD | BPF.W | BPF.LEN),
    s(BPF.LDX | BPF.W | BPF.LEN),
    s(BPF.ALU | BPF.XOR | BPF.X),
    s(BPF.JMP | BPF.JEQ | BPF.K, 0),
    s(BPF.RET | BPF.A),
  ].map((i, n) => (n === 21 ? { ...i, jt: 0, jf: 0 } : i));
  t.true(E.isRight(validate(prog)));
  // a0 = 1: ((1+5)*3-1)/2 = 8, |0x100 = 0x108, <<4 = 0x1080, >>2 = 0x420; X = 0x420; A = 1 + X = 0x421 -> M[1];
  // X = M[0] = 0x420; A = M[1] = 0x421, negated twice; A = X = 0x420; A = 64; X = 64; A ^= X -> 0.
  t.deepEqual(emulate(prog, call(0, [1n])), { ret: 0, executed: 23 });
  t.is(
    emulate([s(BPF.LD | BPF.IMM, 7), s(BPF.ALU | BPF.DIV | BPF.X), s(BPF.RET | BPF.K, ALLOW)], call(0)).ret,
    0,
    'division by X = 0 returns 0',
  );
  t.is(ret([s(BPF.LD | BPF.B | BPF.ABS, 0), s(BPF.RET | BPF.K, ALLOW)], call(0)), KILL_PROCESS);
  t.is(ret([s(BPF.LD | BPF.IMM, 0)], call(0)), KILL_PROCESS, 'running off the end');
  t.is(ret([s(BPF.ST, 99), s(BPF.RET | BPF.K, ALLOW)], call(0)), KILL_PROCESS);
  t.is(
    ret([s(BPF.LD | BPF.W | BPF.ABS, 12), s(BPF.RET | BPF.A)], {
      ...call(0),
      instructionPointer: 0xdead_beef_0000_0001n,
    }),
    0xdeadbeef,
  );
});

test('constAllowed follows the kernel: nr and arch loads, K jumps, AND, RET ALLOW; anything else is not cached', (t) => {
  const s = (code: number, k = 0, jt = 0, jf = 0) => ({ code, jt, jf, k });
  const p: Program = [
    s(BPF.LD | BPF.W | BPF.ABS, 4),
    s(BPF.JMP | BPF.JEQ | BPF.K, AUDIT_ARCH_X86_64, 1, 0),
    s(BPF.RET | BPF.K, KILL_PROCESS),
    s(BPF.LD | BPF.W | BPF.ABS, 0),
    s(BPF.ALU | BPF.AND | BPF.K, 0xff),
    s(BPF.JMP | BPF.JSET | BPF.K, 0x80, 3, 0),
    s(BPF.JMP | BPF.JGT | BPF.K, 10, 2, 0),
    s(BPF.JMP | BPF.JA, 0),
    s(BPF.RET | BPF.K, ALLOW),
    s(BPF.LD | BPF.W | BPF.ABS, 16),
    s(BPF.RET | BPF.K, ALLOW),
  ];
  t.true(constAllowed(p, AUDIT_ARCH_X86_64, 3, 400));
  t.false(constAllowed(p, AUDIT_ARCH_X86_64, 11, 400), 'the path loads an argument');
  t.false(constAllowed(p, AUDIT_ARCH_X86_64, 0x80, 400), 'jset to the argument load');
  t.false(constAllowed(p, AUDIT_ARCH_I386, 3, 400), 'KILL is not ALLOW');
  t.false(constAllowed(p, AUDIT_ARCH_X86_64, -1, 400), 'negative numbers are never cached');
  t.true(constAllowed(p, AUDIT_ARCH_X86_64, 3), "the bitmap of the arch's table by default");
  t.false(constAllowed(p, AUDIT_ARCH_X86_64, 500), 'past the table');
  t.false(constAllowed(p, 0xdead, 3), 'no bitmap for another arch');
  t.true(constAllowed(compile('getpid: 1\n', { abi: 'ia32' }).program, AUDIT_ARCH_I386, 20), 'the compat bitmap');
  t.false(constAllowed(p, AUDIT_ARCH_X86_64, 0x40000003, 400), 'x32 numbers are never cached');
  t.false(constAllowed([s(BPF.LD | BPF.IMM, 0), s(BPF.RET | BPF.K, ALLOW)], AUDIT_ARCH_X86_64, 3, 400));
  t.false(constAllowed([s(BPF.LD | BPF.W | BPF.ABS, 0), s(BPF.JMP | BPF.JEQ | BPF.X, 0)], AUDIT_ARCH_X86_64, 3, 400));
  t.false(constAllowed([s(BPF.JMP | BPF.JA, 0)], AUDIT_ARCH_X86_64, 3, 400), 'running off the end');
});

test('a compiled policy checks the arch, kills out-of-range and x32 numbers, and decides entries', (t) => {
  const { program, cacheable } = compile('read: fd == 0\nwrite: fd == 1 || fd == 2\nclose: 1\ngetpid: 1\n');
  t.true(E.isRight(validate(program)));
  t.is(ret(program, call(0, [0n])), ALLOW);
  t.is(ret(program, call(0, [1n << 32n])), KILL_PROCESS, 'the high word of fd counts on x86_64');
  t.is(ret(program, call(1, [2n])), ALLOW);
  t.is(ret(program, call(1, [3n])), KILL_PROCESS);
  t.is(ret(program, call(3, [99n])), ALLOW);
  t.is(ret(program, call(3, [], AUDIT_ARCH_I386)), KILL_PROCESS, 'another arch is killed (S6.4)');
  t.is(ret(program, call(0x40000003)), KILL_PROCESS, 'x32 numbers are killed');
  t.is(ret(program, call(-1)), KILL_PROCESS);
  t.is(ret(program, call(2)), KILL_PROCESS, 'no entry');
  t.deepEqual(cacheable, [3, 39]);
});

test('on ia32 only the low word of an argument is compared (S3.2)', (t) => {
  const { program } = compile('read: fd == 0\nwrite: count < 0x100000000\n', { abi: 'ia32' });
  const ia32 = (nr: number, args: readonly bigint[]) => ret(program, call(nr, args, AUDIT_ARCH_I386));
  t.is(ia32(3, [0xffff_ffff_0000_0000n]), ALLOW, 'upper half set by int $0x80 from 64-bit code');
  t.is(ia32(3, [1n]), KILL_PROCESS);
  t.is(ia32(4, [0n, 0n, 0xffff_ffff_ffff_ffffn]), ALLOW, 'every 32-bit count is below 2^32');
  t.is(ret(program, call(3, [0n])), KILL_PROCESS, 'a native call is another arch');
});

test('actions are options: errno on both sides never executes anything', (t) => {
  const { program, cacheable } = compile('getpid: 1\n', {
    kill: { kind: 'errno', errno: 1 },
    allow: { kind: 'errno', errno: 0 },
  });
  t.is(ret(program, call(39)), SECCOMP_RET.ERRNO);
  t.is(ret(program, call(40)), SECCOMP_RET.ERRNO | 1);
  t.deepEqual(cacheable, [], 'only ALLOW is cached');
});

test('compileState compiles a state merged by several prctl calls, and refuses other modes and ABIs', (t) => {
  const s1 = ok(applyPolicy(INITIAL_STATE, 'read: fd < 10\nwrite: 1\n', 'x86_64'));
  const s2 = ok(applyPolicy(s1, 'read: fd != 3\nwrite: fd == 1\n', 'x86_64'));
  const { program } = ok(compileState(s2, { abi: 'x86_64' }));
  t.is(ret(program, call(0, [2n])), ALLOW);
  t.is(ret(program, call(0, [3n])), KILL_PROCESS);
  t.is(ret(program, call(0, [10n])), KILL_PROCESS);
  t.is(ret(program, call(1, [2n])), KILL_PROCESS);
  const mode0 = compileState(INITIAL_STATE, { abi: 'x86_64' });
  t.true(E.isLeft(mode0) && /mode 0/.test(mode0.left.message));
  const other = compileState(s2, { abi: 'ia32' });
  t.true(E.isLeft(other) && /bound to x86_64/.test(other.left.message));
  const pending = ok(applyPolicy(INITIAL_STATE, 'on_next_syscall: 1\ngetpid: 1\n', 'x86_64'));
  t.true(pending.pending);
  t.is(
    ret(ok(compileState(pending, { abi: 'x86_64' })).program, call(59)),
    KILL_PROCESS,
    "the grant is the launcher's (spent at execve)",
  );
});

test('a policy that does not parse or install is an error with its line', (t) => {
  const bad = compilePolicy('read: 1\nwrite: fd = 1\n', { abi: 'x86_64' });
  t.true(E.isLeft(bad) && bad.left.line === 2 && /line 2, column 11: Invalid operator/.test(bad.left.message));
  const long = `read: ${Array.from({ length: 16 }, (_, i) => `fd == ${i}`).join(' || ')}`;
  const merged = compilePolicy(`${long}\n${long}\n`, { abi: 'x86_64' });
  t.true(E.isLeft(merged) && /E2BIG/.test(merged.left.message));
});

test('long jumps get trampolines; a program past 4096 instructions names the entry that made it too long', (t) => {
  // As many 64-bit equalities on the first argument as fit in 255 characters.
  // Distinct constants per entry, so no two entries share code.
  const expr = (arg: string, j: number): string =>
    Array.from(
      { length: 16 },
      (_, i) => `${arg} == 0x${(i + 1).toString(16)}0000${j.toString(16).padStart(4, '0')}`,
    ).reduce((acc, p) => (acc.length + p.length + 4 > 255 ? acc : `${acc} || ${p}`));
  const calls = syscallTable('x86_64').calls.filter((c) => c.args.length > 0);
  const names = calls.map((c) => c.name);
  const policy = (n: number) =>
    calls
      .slice(0, n)
      .map((c, j) => `${c.name}: ${expr(c.args[0]!.name, j)}`)
      .join('\n');
  const mid = compile(policy(40));
  t.true(E.isRight(validate(mid.program)));
  t.true(mid.program.length > 255);
  t.true(
    mid.program.some((i) => i.code === (BPF.JMP | BPF.JA)),
    'a trampoline',
  );
  const far = calls[20]!.nr;
  t.is(ret(mid.program, call(far, [0x2_0000_0000n + 20n])), ALLOW);
  t.is(ret(mid.program, call(far, [0x2_0000_0000n])), KILL_PROCESS);
  const huge = compilePolicy(policy(names.length), { abi: 'x86_64' });
  t.true(E.isLeft(huge));
  if (E.isLeft(huge)) {
    t.regex(huge.left.message, /more than BPF_MAXINSNS \(4096\); the entry for \w+ \(\d+\) makes it too long/);
    const upTo = names.indexOf(syscallTable('x86_64').byNr(huge.left.nr ?? -1)?.name ?? '');
    t.true(E.isRight(compilePolicy(policy(upTo), { abi: 'x86_64' })), 'without that entry it fits');
  }
});

test('disassemble writes every opcode in seccomp-tools style', (t) => {
  const s = (code: number, k = 0, jt = 0, jf = 0) => ({ code, jt, jf, k });
  const p: Program = [
    s(BPF.LD | BPF.W | BPF.ABS, 12),
    s(BPF.LD | BPF.W | BPF.ABS, 8),
    s(BPF.LD | BPF.W | BPF.ABS, 28),
    s(BPF.ALU | BPF.ADD | BPF.K, 5),
    s(BPF.ALU | BPF.SUB | BPF.X),
    s(BPF.ALU | BPF.NEG),
    s(BPF.ST, 2),
    s(BPF.STX, 3),
    s(BPF.LD | BPF.MEM, 2),
    s(BPF.LDX | BPF.MEM, 3),
    s(BPF.LD | BPF.IMM, 7),
    s(BPF.LDX | BPF.IMM, 8),
    s(BPF.LD | BPF.W | BPF.LEN),
    s(BPF.MISC | BPF.TAX),
    s(BPF.MISC | BPF.TXA),
    s(BPF.JMP | BPF.JA, 1),
    s(BPF.JMP | BPF.JSET | BPF.K, 4, 0, 1),
    s(BPF.JMP | BPF.JGT | BPF.X, 0, 1, 2),
    s(BPF.JMP | BPF.JGE | BPF.K, 3, 1, 0),
    s(BPF.LD | BPF.W | BPF.ABS, 4),
    s(BPF.JMP | BPF.JEQ | BPF.K, 0x12345678, 0, 0),
    s(BPF.LD | BPF.B | BPF.ABS, 0),
    s(BPF.RET | BPF.A),
    s(BPF.RET | BPF.K, SECCOMP_RET.ERRNO | 13),
  ];
  const text = disassemble(p, 'x86_64').split('\n');
  t.is(text[0], ' line  CODE  JT   JF      K');
  const body = text.slice(2).map((l) => l.slice(34));
  t.deepEqual(body.slice(0, 24), [
    'A = instruction_pointer >> 32',
    'A = instruction_pointer',
    'A = args[1] >> 32',
    'A += 0x5',
    'A -= X',
    'A = -A',
    'mem[2] = A',
    'mem[3] = X',
    'A = mem[2]',
    'X = mem[3]',
    'A = 0x7',
    'X = 0x8',
    'A = 64',
    'X = A',
    'A = X',
    'goto 0017',
    'if !(A & 0x4) goto 0018',
    'if (A > X) goto 0019 else goto 0020',
    'if (A >= 0x3) goto 0020',
    'A = arch',
    'if (A == 0x12345678) goto 0021',
    'A = ??? (opcode 0x30)',
    'return A',
    'return ERRNO(13)',
  ]);
});

test('disassemble names the call and its arguments where the number is known, and args[i] where code is shared', (t) => {
  const { program } = compile('read: fd == 0\nwrite: fd == 0\nclose: fd == 5\n');
  const text = disassemble(program, 'x86_64');
  t.regex(text, /A = args\[0\] >> 32\n/, 'read and write share their code');
  t.regex(text, /if \(A == close\) goto|if \(A >= close\) goto|if \(A != close\) goto/);
  const ia32 = disassemble(compile('read: fd == 0\n', { abi: 'ia32' }).program, 'ia32');
  t.regex(ia32, /A = fd # read\(fd, buf, count\)\n/);
  t.regex(ia32, /if \(A != ARCH_I386\) goto/);
});

const rule = (when: Cond, action: Action): Rule => ({ when, action, origin: { text: 'test' } });
const eq = (arg: number, value: bigint): Cond => ({ kind: 'cmp', arg, op: '==', value });

test('compileRules: one program for x86_64, x32 and ia32, each rule its own action, otherArch for the rest', (t) => {
  const rs: RuleSet = {
    arches: {
      x86_64: {
        calls: new Map([
          [39, [rule({ kind: 'true' }, ALLOW_A)]],
          [1, [rule(eq(0, 1n), ALLOW_A), rule({ kind: 'masked', arg: 0, mask: 0xffn, value: 2n }, errno(13))]],
          [2, [rule({ kind: 'true' }, trap(7))]],
        ]),
        otherwise: errno(1),
      },
      x32: { calls: new Map([[0x40000000 + 39, [rule({ kind: 'true' }, ALLOW_A)]]]), otherwise: trace(3) },
      ia32: { calls: new Map([[20, [rule({ kind: 'true' }, LOG)]]]), otherwise: KILL_2011 },
    },
    otherArch: KILL_THREAD,
  };
  const c = ok(compileRules(rs, { kill: KILL_THREAD }));
  t.true(E.isRight(validate(c.program)));
  const got = (nr: number, args: readonly bigint[] = [], arch = AUDIT_ARCH_X86_64) =>
    retAction(ret(c.program, call(nr, args, arch)));
  t.deepEqual(got(39), ALLOW_A);
  t.deepEqual(got(1, [1n]), ALLOW_A);
  t.deepEqual(got(1, [0x1_0000_0001n]), errno(1), 'the high word counts on x86_64');
  t.deepEqual(got(1, [0x1234_0302n]), errno(13));
  t.deepEqual(got(2), trap(7));
  t.deepEqual(got(60), errno(1));
  t.deepEqual(got(0x40000000 + 39), ALLOW_A);
  t.deepEqual(got(0x40000001), trace(3));
  t.deepEqual(got(-1), trace(3), 'negative numbers are x32 numbers, read unsigned');
  t.deepEqual(got(20, [], AUDIT_ARCH_I386), LOG);
  t.deepEqual(got(21, [], AUDIT_ARCH_I386), KILL_THREAD, 'the 2011 kill as opts.kill says');
  t.deepEqual(got(20, [], 0xdeadbeef), KILL_THREAD, 'another arch');
  t.deepEqual(c.cacheable.x86_64, [39]);
  t.deepEqual(c.cacheable.ia32, []);
  // Without x32 rules its numbers take otherArch; with an allowing otherwise every other number is cached.
  const open = ok(compileRules({ arches: { x86_64: { calls: new Map(), otherwise: ALLOW_A } }, otherArch: errno(9) }));
  t.deepEqual(retAction(ret(open.program, call(0x40000000))), errno(9));
  t.is(open.cacheable.x86_64.length, syscallTable('x86_64').nrSyscalls);
  t.is(open.program.length, 6, 'arch, nr, one test of bit 30, two returns');
});

test('compileRules: an ia32 rule compares only the low word of what the filter sees', (t) => {
  const rs: RuleSet = {
    arches: { ia32: { calls: new Map([[4, [rule(eq(0, 1n), ALLOW_A)]]]), otherwise: errno(1) } },
    otherArch: KILL_PROCESS_A,
  };
  const p = ok(compileRules(rs)).program;
  t.deepEqual(retAction(ret(p, call(4, [0xffff_ffff_0000_0001n], AUDIT_ARCH_I386))), ALLOW_A);
  t.false(
    p.some((i) => i.code === (BPF.LD | BPF.W | BPF.ABS) && i.k === 20),
    'no high word is loaded',
  );
});

test('compileRules: a rule set too long for BPF names the arch and number', (t) => {
  const many = new Map(
    Array.from({ length: 300 }, (_, nr) => [
      nr,
      Array.from({ length: 8 }, (_, i) => rule(eq(0, BigInt(nr * 100 + i) << 32n), errno(i))),
    ]),
  );
  const r = compileRules({ arches: { x86_64: { calls: many, otherwise: ALLOW_A } }, otherArch: KILL_PROCESS_A });
  t.true(E.isLeft(r));
  if (E.isLeft(r)) {
    t.regex(r.left.message, /more than BPF_MAXINSNS \(4096\); the rules of \w+ \(\d+, x86_64\) make it too long/);
    t.is(r.left.arch, 'x86_64');
  }
});
