/**
 * fast-check generators for the model's property suites: filter and policy
 * texts over a few system calls, boundary-biased records, and command
 * sequences of a task's own prctl calls; plus the helpers that issue them
 * through the model's entry path.
 */
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import * as model from '../src/model/index.ts';
import { syscallTable, type Abi } from '../src/x86/table.ts';
import { PR } from '../src/x86/prctl.ts';
import type { RegName, RegsInput } from '../src/x86/registers.ts';
import { VECTORS, callAbi, type Vector } from '../src/x86/vectors.ts';
import { exprText as anyExprText } from '../src/conform/index.ts';
import { u64 } from './support.ts';

/** The system calls policies are built from: unistd names present in both ABIs. */
export const POOL = ['read', 'write', 'close', 'getpid', 'prctl', 'fork'] as const;

/** The number of a pool name in `abi`. */
export const nrOf = (abi: Abi, name: string): number => syscallTable(abi).resolve(name) ?? -1;

/** Argument values biased to the values filters compare with, and to 32/64-bit edges. */
export const argValue = (): fc.Arbitrary<bigint> =>
  fc.oneof({ weight: 3, arbitrary: fc.bigInt({ min: 0n, max: 4n }) }, { weight: 2, arbitrary: u64() });

const FIELDS: Readonly<Record<(typeof POOL)[number], readonly string[]>> = {
  read: ['fd', 'count', 'nr'],
  write: ['fd', 'count', 'nr'],
  close: ['fd', 'nr'],
  getpid: ['nr'],
  prctl: ['option', 'arg2', 'nr'],
  fork: ['nr'],
};

const printValue = (v: bigint): string => (v > 9n ? `0x${v.toString(16)}` : v.toString());

/** A filter expression text over `name`'s fields, up to `depth` levels of operators, with literals the probes use. */
export const exprText = (name: (typeof POOL)[number], depth = 3): fc.Arbitrary<string> =>
  anyExprText(FIELDS[name], {
    maxDepth: depth,
    literal: (f) => argValue().map((v) => printValue(f === 'nr' ? v & 0x7fffffffn : v)),
  });

/** A filter text for `name`: mostly expressions, sometimes `1` or `0`. */
export const filterText = (name: (typeof POOL)[number]): fc.Arbitrary<string> =>
  fc.oneof({ weight: 6, arbitrary: exprText(name) }, { weight: 1, arbitrary: fc.constantFrom('1', '0') });

/** A policy text of pool entries; `prctl: 1` is usually present so the task can keep calling prctl. */
export const policyText = (): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.array(
        fc.constantFrom(...POOL).chain((n) => filterText(n).map((f) => `${n}: ${f}`)),
        { maxLength: 5 },
      ),
      fc.nat(9).map((n) => n < 8),
    )
    .map(([lines, prctl]) => [...lines, ...(prctl ? ['prctl: 1'] : [])].join('\n'));

/** A call to probe: vector, number (pool, strict sets, edges) and boundary-biased arguments. */
export interface Probe {
  readonly vector: Vector;
  readonly rax: bigint;
  readonly args: readonly bigint[];
}

/** Probes, biased to the pool's numbers in both ABIs. */
export const probe = (vectors: readonly Vector[] = VECTORS): fc.Arbitrary<Probe> =>
  fc.record({
    vector: fc.constantFrom(...vectors),
    rax: fc.oneof(
      {
        weight: 4,
        arbitrary: fc.constantFrom(...POOL.flatMap((n) => [nrOf('x86_64', n), nrOf('ia32', n)])).map(BigInt),
      },
      { weight: 1, arbitrary: fc.constantFrom(15n, 60n, 119n, 231n, 470n, 0x40000000n, 0xffffffffn) },
      { weight: 1, arbitrary: u64() },
    ),
    args: fc.array(argValue(), { minLength: 6, maxLength: 6 }),
  });

const ARG_REGS: Readonly<Record<Abi, readonly RegName[]>> = {
  x86_64: ['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'],
  ia32: ['rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp'],
};

/** Registers for a call of `abi` with number `rax` and these arguments. */
export const regsFor = (abi: Abi, rax: bigint, args: readonly bigint[]): RegsInput =>
  Object.fromEntries([['rax', rax] as const, ...args.map((a, i) => [ARG_REGS[abi][i]!, a] as const)]);

/** The seccomp state of a live task (or null once it is gone). */
export const stateOf = (m: model.Machine, pid: number): model.SeccompState | null => m.tasks.get(pid)?.seccomp ?? null;

/** Whether a live task's state would allow `p` (S6.3, S6.4), without running the call. */
export function allows(m: model.Machine, pid: number, p: Probe, rules: model.Rules = model.CORRECT_RULES): boolean {
  const task = m.tasks.get(pid);
  if (task === undefined) return false;
  const abi = callAbi(task.abi, p.vector);
  const record = model.recordOfRegs(model.mergeRegs(task.regs, regsFor(abi, p.rax, p.args)), abi);
  if (task.seccomp.mode === 0) return true;
  if (task.seccomp.mode === 1) return model.strictAllowed(abi, record.nr);
  return model.decide(task.seccomp, abi, record, rules).allow;
}

/** One of the task's own prctl calls (S5), with text written to fresh memory first. */
export type Command =
  | { readonly kind: 'policy'; readonly vector: Vector; readonly text: string }
  | { readonly kind: 'set'; readonly vector: Vector; readonly name: (typeof POOL)[number]; readonly text: string }
  | { readonly kind: 'clear'; readonly vector: Vector; readonly name: (typeof POOL)[number] }
  | { readonly kind: 'get'; readonly vector: Vector; readonly nr: bigint; readonly size: bigint }
  | { readonly kind: 'strict'; readonly vector: Vector }
  | { readonly kind: 'raw'; readonly vector: Vector; readonly args: readonly bigint[] };

const vector = (): fc.Arbitrary<Vector> =>
  fc.oneof(
    { weight: 9, arbitrary: fc.constant<Vector>('syscall') },
    { weight: 1, arbitrary: fc.constantFrom<Vector>('int80', 'sysenter') },
  );

/** Command sequences: policy texts, per-call SET/CLEAR/GET, strict mode, and raw prctl arguments. */
export const commands = (maxLength = 8): fc.Arbitrary<readonly Command[]> => {
  const policy = fc.oneof(
    policyText(),
    policyText().map((t) => `on_next_syscall: 1\n${t}`),
  );
  const set = fc.constantFrom(...POOL).chain((name) =>
    fc.record({
      kind: fc.constant('set' as const),
      vector: vector(),
      name: fc.constant(name),
      text: filterText(name),
    }),
  );
  return fc.array(
    fc.oneof(
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('policy' as const), vector: vector(), text: policy }) },
      { weight: 5, arbitrary: set },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('clear' as const), vector: vector(), name: fc.constantFrom(...POOL) }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('get' as const),
          vector: vector(),
          nr: fc.bigInt({ min: 0n, max: 4n }),
          size: u64(),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('strict' as const), vector: vector() }) },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('raw' as const),
          vector: vector(),
          args: fc.array(u64(), { minLength: 6, maxLength: 6 }),
        }),
      },
    ),
    { maxLength },
  );
};

const TEXT_AT = 0x10_0000n;
const BUF_AT = 0x20_0000n;

const latin1 = (s: string): readonly number[] => [...s].map((c) => c.charCodeAt(0) & 0xff);

/** Map `text` and its NUL at `addr` in task `pid` (a dead task leaves the machine as it is). */
export const withText = (m: model.Machine, pid: number, addr: bigint, text: string): model.Machine =>
  E.getOrElse(() => m)(model.writeMemory(m, pid, addr, [...latin1(text), 0]));

/** Issue prctl(args) from task `pid` through `vector`. */
export function prctlCall(
  m: model.Machine,
  pid: number,
  v: Vector,
  args: readonly bigint[],
  rules: model.Rules = model.CORRECT_RULES,
): model.Step {
  const abi = callAbi(m.tasks.get(pid)?.abi ?? 'x86_64', v);
  return model.syscall(m, pid, v, regsFor(abi, BigInt(nrOf(abi, 'prctl')), args), rules);
}

/** The host's part of a command: map the text (or buffer) it passes, in task `pid`. */
export function prepare(m: model.Machine, pid: number, c: Command): model.Machine {
  if (c.kind === 'policy' || c.kind === 'set') return withText(m, pid, TEXT_AT, c.text);
  return c.kind === 'get' ? withText(m, pid, BUF_AT, ' '.repeat(64)) : m;
}

/** The task's part of a command: the prctl call itself. */
export function issue(m: model.Machine, pid: number, c: Command, rules: model.Rules = model.CORRECT_RULES): model.Step {
  const abi = callAbi(m.tasks.get(pid)?.abi ?? 'x86_64', c.vector);
  switch (c.kind) {
    case 'policy':
      return prctlCall(m, pid, c.vector, [BigInt(PR.SET_SECCOMP), 2n, TEXT_AT], rules);
    case 'set':
      return prctlCall(m, pid, c.vector, [BigInt(PR.SET_SECCOMP_FILTER), BigInt(nrOf(abi, c.name)), TEXT_AT], rules);
    case 'clear':
      return prctlCall(m, pid, c.vector, [BigInt(PR.CLEAR_SECCOMP_FILTER), BigInt(nrOf(abi, c.name))], rules);
    case 'get':
      return prctlCall(m, pid, c.vector, [BigInt(PR.GET_SECCOMP_FILTER), c.nr, BUF_AT, c.size], rules);
    case 'strict':
      return prctlCall(m, pid, c.vector, [BigInt(PR.SET_SECCOMP), 1n], rules);
    case 'raw':
      return prctlCall(m, pid, c.vector, c.args, rules);
  }
}

/** Run one command of task `pid`: the host's memory writes, then the prctl call. */
export const runCommand = (
  m: model.Machine,
  pid: number,
  c: Command,
  rules: model.Rules = model.CORRECT_RULES,
): model.Step => issue(prepare(m, pid, c), pid, c, rules);

/** A machine with one task of `abi` code that installed `text` through `v`; null if the install failed. */
export function installed(
  abi: Abi,
  v: Vector,
  text: string,
  rules: model.Rules = model.CORRECT_RULES,
): readonly [model.Machine, number] | null {
  const [m0, pid] = model.spawn(model.initialMachine(), abi, 'prop');
  const { machine, outcome } = prctlCall(
    withText(m0, pid, TEXT_AT, text),
    pid,
    v,
    [BigInt(PR.SET_SECCOMP), 2n, TEXT_AT],
    rules,
  );
  return outcome.kind === 'return' && outcome.rax === 0n ? [machine, pid] : null;
}
