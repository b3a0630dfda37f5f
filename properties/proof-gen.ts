/**
 * Generators for the proof suites: random classic BPF programs that pass
 * the kernel's checks (every opcode seccomp accepts, forward jumps, scratch
 * words stored before loaded), and seccomp_data biased to the values such
 * programs compare against.
 */
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import {
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  BPF,
  validate,
  type Program,
  type SeccompData,
  type SockFilter,
} from '../src/bpf/index.ts';
import { SECCOMP_RET } from '../src/action/index.ts';
import { u64 } from './support.ts';

const { LD, LDX, ST, STX, ALU, JMP, RET, MISC, W, IMM, ABS, MEM, LEN, K, X, A } = BPF;

/** 32-bit constants biased to what filters compare against. */
export const k32 = (): fc.Arbitrary<number> =>
  fc.oneof(
    fc.constantFrom(0, 1, 2, 31, 32, 0x40000000, 0x80000000, 0xffffffff, AUDIT_ARCH_X86_64, AUDIT_ARCH_I386),
    fc.integer({ min: 0, max: 16 }),
    fc.integer({ min: 0, max: 0xffffffff }),
  );

const RETS = Object.values(SECCOMP_RET);

// One instruction at position i of a program of n; `room` = the largest jump offset that stays inside.
const insn = (room: number): fc.Arbitrary<SockFilter> => {
  const off = fc.integer({ min: 0, max: Math.min(room, 255) });
  const s = (code: number, k: fc.Arbitrary<number>) => k.map((kk): SockFilter => ({ code, jt: 0, jf: 0, k: kk >>> 0 }));
  const alu = fc.constantFrom(BPF.ADD, BPF.SUB, BPF.MUL, BPF.DIV, BPF.AND, BPF.OR, BPF.XOR, BPF.LSH, BPF.RSH);
  const jop = fc.constantFrom(BPF.JEQ, BPF.JGT, BPF.JGE, BPF.JSET);
  return fc.oneof(
    {
      weight: 6,
      arbitrary: s(
        LD | W | ABS,
        fc.integer({ min: 0, max: 15 }).map((i) => i * 4),
      ),
    },
    { weight: 1, arbitrary: s(LD | IMM, k32()) },
    { weight: 1, arbitrary: s(LDX | IMM, k32()) },
    { weight: 1, arbitrary: s(LD | W | LEN, fc.constant(0)) },
    { weight: 1, arbitrary: s(LDX | W | LEN, fc.constant(0)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(LD | MEM, LDX | MEM, ST, STX).chain((c) => s(c, fc.integer({ min: 0, max: 3 }))),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(alu, fc.boolean(), k32()).map(([op, x, k]): SockFilter => ({
        code: ALU | op | (x ? X : K),
        jt: 0,
        jf: 0,
        k: op === BPF.DIV && !x && k === 0 ? 1 : k >>> 0,
      })),
    },
    { weight: 1, arbitrary: s(ALU | BPF.NEG, fc.constant(0)) },
    { weight: 1, arbitrary: fc.constantFrom(MISC | BPF.TAX, MISC | BPF.TXA).chain((c) => s(c, fc.constant(0))) },
    ...(room > 0
      ? [
          { weight: 1, arbitrary: s(JMP | BPF.JA, off) },
          {
            weight: 6,
            arbitrary: fc
              .tuple(jop, fc.boolean(), k32(), off, off)
              .map(([op, x, k, jt, jf]): SockFilter => ({ code: JMP | op | (x ? X : K), jt, jf, k: k >>> 0 })),
          },
        ]
      : []),
    { weight: 1, arbitrary: s(RET | K, fc.constantFrom(...RETS)) },
    { weight: 1, arbitrary: s(RET | A, fc.constant(0)) },
  );
};

/** A program of up to `max` instructions that `validate` accepts. */
export const program = (max = 24): fc.Arbitrary<Program> =>
  fc
    .integer({ min: 1, max })
    .chain((n) =>
      fc.tuple(
        ...Array.from({ length: n - 1 }, (_, i) => insn(n - i - 2)),
        fc.oneof(
          fc.constantFrom(...RETS).map((k): SockFilter => ({ code: RET | K, jt: 0, jf: 0, k })),
          fc.constant<SockFilter>({ code: RET | A, jt: 0, jf: 0, k: 0 }),
        ),
      ),
    )
    .filter((p) => E.isRight(validate(p)));

/** seccomp_data biased to the arches, small numbers and boundary values. */
export const seccompData = (): fc.Arbitrary<SeccompData> =>
  fc.record({
    nr: fc.oneof(
      fc.integer({ min: 0, max: 20 }),
      k32().map((k) => k | 0),
    ),
    arch: fc.oneof(fc.constantFrom(AUDIT_ARCH_X86_64, AUDIT_ARCH_I386), k32()),
    instructionPointer: u64(),
    args: fc.array(fc.oneof(fc.bigInt({ min: 0n, max: 20n }), u64()), { minLength: 6, maxLength: 6 }),
  });

// Calls with three arguments or more on both ABIs.
const MJ_CALLS = ['read', 'write', 'ioctl', 'fcntl', 'lseek', 'prctl'] as const;
const MJ_VALUES = ['0', '1', '2', '3', '0x10', '0x80000000', '0xffffffff', 'O_RDWR', 'O_CLOEXEC'];

const mjValue = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...MJ_VALUES) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...MJ_VALUES), fc.constantFrom(...MJ_VALUES)).map(([a, b]) => `${a}|${b}`),
    },
    { weight: 1, arbitrary: fc.constantFrom(...MJ_VALUES).map((v) => `~${v}`) },
  );
const mjAtom = (): fc.Arbitrary<string> =>
  fc
    .tuple(fc.integer({ min: 0, max: 2 }), fc.constantFrom('==', '!=', '<', '<=', '>', '>=', '&', 'in'), mjValue())
    .map(([i, op, v]) => `arg${i} ${op} ${v}`);
const mjExpr = (): fc.Arbitrary<string> =>
  fc
    .array(
      fc.array(mjAtom(), { minLength: 1, maxLength: 2 }).map((as) => as.join(' && ')),
      { minLength: 1, maxLength: 3 },
    )
    .map((cs) => cs.join(' || '));

/**
 * A minijail policy (spec/17-minijail.md) for both ABIs: statements on one
 * call or a `{a, b}` group, each an expression (`||` of `&&` of atoms with
 * every operator, `|` and `~` values, constants) that allows or answers one
 * of `actions` (minijail spellings), or a `{...}` set of such filters; then
 * perhaps an unconditional last word for some calls, and perhaps an
 * `@default` among `defaults`.
 */
export const minijailPolicy = (
  actions: readonly string[],
  defaults: readonly string[] = ['kill', 'kill-process'],
): fc.Arbitrary<string> => {
  const filter = fc.tuple(mjExpr(), fc.constantFrom('', ...actions.map((a) => `; ${a}`))).map(([e, a]) => `${e}${a}`);
  const statement = fc
    .tuple(
      fc.oneof(
        fc.constantFrom(...MJ_CALLS),
        fc.uniqueArray(fc.constantFrom(...MJ_CALLS), { minLength: 2, maxLength: 3 }).map((cs) => `{${cs.join(', ')}}`),
      ),
      fc.oneof(
        { weight: 4, arbitrary: filter },
        { weight: 1, arbitrary: fc.array(filter, { minLength: 1, maxLength: 3 }).map((fs) => `{ ${fs.join(', ')} }`) },
      ),
    )
    .map(([calls, f]) => `${calls}: ${f}`);
  return fc
    .tuple(
      fc.array(statement, { minLength: 1, maxLength: 6 }),
      fc.subarray([...MJ_CALLS], { maxLength: 2 }),
      fc.constantFrom(...actions),
      fc.constantFrom('', ...defaults.map((d) => `@default ${d}\n`)),
    )
    .map(([ss, last, act, dflt]) => `${dflt}${ss.join('\n')}\n${last.map((c) => `${c}: ${act}\n`).join('')}`);
};
