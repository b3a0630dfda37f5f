/**
 * Generators for the differential suites (S9.1): policy texts built from
 * the system call tables with random predicates (and corrupted ones),
 * boundary-biased registers, and command sequences over several tasks.
 */
import fc from 'fast-check';
import type { RuleSet } from '../src/ruleset/index.ts';
import type { Abi } from '../src/x86/table.ts';
import { PR } from '../src/x86/prctl.ts';
import type { RegsInput } from '../src/x86/registers.ts';
import type { Vector } from '../src/x86/vectors.ts';
import { filterText, nrValue, policyLine, policyText, poolCalls, u64 } from '../src/conform/index.ts';

/** Generators moved to src/conform (the conform command uses them at run time); re-exported for the suites. */
export { filterText, nrValue, policyText, poolCalls } from '../src/conform/index.ts';

/** Addresses commands write to and pass as pointers: low, compat-reachable, above 4 GiB, at the top. */
export const ADDRS: readonly bigint[] = [0x1000n, 0x2000n, 0x7ff0_0000n, 0x1_0000_1000n, 0xffff_ffff_ffff_fff8n];

/** A single filter string for the per-call SET (S5.3). */
export const singleFilter = (): fc.Arbitrary<string> =>
  fc
    .constantFrom<Abi>('x86_64', 'ia32')
    .chain((abi) => fc.constantFrom(...poolCalls(abi)).chain((c) => filterText(abi, c.nr)));

/** Every argument register of both ABIs, boundary-biased (S3.2). */
export const argRegs = (): fc.Arbitrary<RegsInput> =>
  fc.record({
    rdi: u64(),
    rsi: u64(),
    rdx: u64(),
    r10: u64(),
    r8: u64(),
    r9: u64(),
    rbx: u64(),
    rcx: u64(),
    rbp: u64(),
    rip: u64(),
  });

export const VECTOR = (): fc.Arbitrary<Vector> => fc.constantFrom<Vector>('syscall', 'int80', 'sysenter');

/** One command of a sequence; `pid` may name a dead or never-born task. */
export type Cmd =
  | { readonly c: 'spawn'; readonly abi: Abi; readonly comm: string }
  | { readonly c: 'write'; readonly pid: number; readonly addr: bigint; readonly bytes: readonly number[] }
  | { readonly c: 'call'; readonly pid: number; readonly vector: Vector; readonly regs: RegsInput }
  /** A5 a filter in the decision form installed by the host (seccomp(SECCOMP_SET_MODE_FILTER)). */
  | { readonly c: 'rules'; readonly pid: number; readonly rs: RuleSet };

// Mostly the first tasks and their children; sometimes a dead or unborn pid.
export const pid = (): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 4 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 9 }) },
  );
const addr = (): fc.Arbitrary<bigint> =>
  fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...ADDRS) }, { weight: 1, arbitrary: u64() });
/** Latin-1 bytes of a text. */
export const textBytes = (s: string): number[] => [...s].map((ch) => ch.charCodeAt(0) & 0xff);

/** prctl option and arguments: every seccomp option, valid and invalid values. */
const prctlArgs = (): fc.Arbitrary<readonly bigint[]> =>
  fc.oneof(
    fc.tuple(fc.constant(BigInt(PR.GET_SECCOMP))),
    fc.tuple(fc.constant(BigInt(PR.SET_SECCOMP)), fc.constantFrom(1n, 2n, 2n, 2n, 0n, 3n, 0x1_0000_0002n), addr()),
    fc.tuple(
      fc.constant(BigInt(PR.GET_SECCOMP_FILTER)),
      nrValue(),
      addr(),
      fc.constantFrom(0n, 1n, 8n, 300n, 2n ** 64n - 1n),
    ),
    fc.tuple(fc.constant(BigInt(PR.SET_SECCOMP_FILTER)), nrValue(), addr()),
    fc.tuple(fc.constant(BigInt(PR.CLEAR_SECCOMP_FILTER)), nrValue()),
    fc.tuple(fc.constantFrom(0n, 20n, 38n, 0x1_0000_0016n, 2n ** 64n - 1n), u64()),
  );

/** A call: through a vector, with every register set so either ABI reads what it needs. */
export function callCmd(): fc.Arbitrary<Cmd> {
  const generic = fc
    .tuple(pid(), VECTOR(), nrValue(), argRegs())
    .map(([p, vector, rax, regs]): Cmd => ({ c: 'call', pid: p, vector, regs: { ...regs, rax } }));
  // prctl with its arguments in the registers of the ABI the vector selects for a 64-bit task.
  const prctl = fc
    .tuple(pid(), VECTOR(), prctlArgs(), fc.boolean())
    .map(([p, vector, a, native64]): Cmd => ({ c: 'call', pid: p, vector, regs: prctlRegs(vector, native64, a) }));
  const task = fc
    .tuple(
      pid(),
      VECTOR(),
      fc.constantFrom(
        { rax: 57n },
        { rax: 58n },
        { rax: 56n, rdi: 0x10000n },
        { rax: 56n, rdi: 0n },
        { rax: 59n, rdi: 0x2000n },
        { rax: 2n },
        { rax: 190n },
        { rax: 120n, rbx: 0x10011n },
        { rax: 11n, rbx: 0x2000n },
        { rax: 60n, rdi: 0x1ffn },
        { rax: 231n, rdi: 3n },
        { rax: 1n, rbx: 7n },
        { rax: 252n, rbx: 4n },
        { rax: 39n },
        { rax: 186n },
        { rax: 20n },
        { rax: 224n },
      ),
    )
    .map(([p, vector, regs]): Cmd => ({ c: 'call', pid: p, vector, regs }));
  return fc.oneof({ weight: 3, arbitrary: generic }, { weight: 4, arbitrary: prctl }, { weight: 2, arbitrary: task });
}

/** prctl registers for `args` through `vector`: native (157, rdi...) or compat (172, ebx...). */
export function prctlRegs(vector: Vector, native64: boolean, a: readonly bigint[]): RegsInput {
  const [a0 = 0n, a1 = 0n, a2 = 0n, a3 = 0n] = a;
  return vector === 'syscall' && native64
    ? { rax: 157n, rdi: a0, rsi: a1, rdx: a2, r10: a3 }
    : { rax: 172n, rbx: a0, rcx: a1, rdx: a2, rsi: a3 };
}

/** Write a text (with its NUL) and hand it to PR_SET_SECCOMP 2 or PR_SET_SECCOMP_FILTER, as two commands. */
export function install(): fc.Arbitrary<readonly Cmd[]> {
  const policy = fc.tuple(policyText(), fc.constant<bigint | undefined>(undefined));
  const single = fc.tuple(singleFilter(), nrValue());
  return fc
    .tuple(
      pid(),
      fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...ADDRS.slice(0, 3)) },
        { weight: 1, arbitrary: fc.constantFrom(...ADDRS) },
      ),
      fc.oneof({ weight: 3, arbitrary: policy }, { weight: 2, arbitrary: single }),
      VECTOR(),
      fc.boolean(),
    )
    .map(([p, a, [text, nr], vector, native64]): readonly Cmd[] => {
      const args = nr === undefined ? [BigInt(PR.SET_SECCOMP), 2n, a] : [BigInt(PR.SET_SECCOMP_FILTER), nr, a];
      return [
        { c: 'write', pid: p, addr: a, bytes: textBytes(`${text}\0`) },
        { c: 'call', pid: p, vector, regs: prctlRegs(vector, native64, args) },
      ];
    });
}

/** One or two commands: spawn, a memory write (often a text), a call, or a text install. */
export const command = (): fc.Arbitrary<readonly Cmd[]> =>
  fc.oneof(
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom<Abi>('x86_64', 'ia32'), fc.constantFrom('init', 'sh', 'a-very-long-command-name'))
        .map(([abi, comm]): readonly Cmd[] => [{ c: 'spawn', abi, comm }]),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          pid(),
          addr(),
          fc.oneof(
            policyText(),
            singleFilter(),
            fc.constantFrom('/bin/ls', 'noslash', '/usr/bin/a-very-long-program-name', 'dir/'),
          ),
          fc.boolean(),
        )
        .map(([p, a, s, nul]): readonly Cmd[] => [
          { c: 'write', pid: p, addr: a, bytes: textBytes(nul ? `${s}\0` : s) },
        ]),
    },
    { weight: 4, arbitrary: install() },
    { weight: 10, arbitrary: callCmd().map((c): readonly Cmd[] => [c]) },
  );

/** A sequence that starts with two tasks, one of each bitness. */
export const commands = (maxLength: number): fc.Arbitrary<readonly Cmd[]> =>
  fc
    .array(command(), { minLength: 1, maxLength, size: 'max' })
    .map((cs): readonly Cmd[] => [
      { c: 'spawn', abi: 'x86_64', comm: 'init' },
      { c: 'spawn', abi: 'ia32', comm: 'legacy' },
      ...cs.flat(),
    ]);

/** A clean policy for `abi`: pool entries only, `prctl` and `fork` often allowed so tasks live on. */
export const cleanPolicy = (abi: Abi): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.array(policyLine(abi), { minLength: 1, maxLength: 10 }),
      fc.subarray(['prctl: 1', 'fork: 1', 'getpid: 1', 'on_next_syscall: 1']),
    )
    .map(([lines, extra]) => [...lines, ...extra].join('\n'));

/** A call of a pool system call of `abi` (the numbers policies name), with random arguments. */
const poolCall = (p: fc.Arbitrary<number>, abi: Abi): fc.Arbitrary<Cmd> =>
  fc
    .tuple(p, fc.constantFrom(...poolCalls(abi).map((c) => BigInt(c.nr))), VECTOR(), argRegs())
    .map(([pid, rax, vector, regs]): Cmd => ({ c: 'call', pid, vector, regs: { ...regs, rax } }));

/**
 * Filter-mode decisions in bulk: one clean policy installed in six tasks
 * of both bitnesses through random vectors, then calls of the numbers it
 * names (both ABIs), per-call prctls and forks, from any of those tasks.
 */
export const decisionCommands = (maxCalls: number): fc.Arbitrary<readonly Cmd[]> =>
  fc.constantFrom<Abi>('x86_64', 'ia32').chain((abi) => {
    const p = fc.integer({ min: 1, max: 8 });
    const setup = fc.array(fc.tuple(fc.constantFrom<Abi>('x86_64', 'ia32'), VECTOR(), fc.boolean()), {
      minLength: 6,
      maxLength: 6,
    });
    const calls = fc.array(
      fc.oneof(
        { weight: 6, arbitrary: poolCall(p, abi) },
        { weight: 2, arbitrary: poolCall(p, abi === 'x86_64' ? 'ia32' : 'x86_64') },
        {
          weight: 2,
          arbitrary: fc
            .tuple(p, VECTOR(), prctlArgs(), fc.boolean())
            .map(([pid, vector, a, n]): Cmd => ({ c: 'call', pid, vector, regs: prctlRegs(vector, n, a) })),
        },
        { weight: 1, arbitrary: install().map((cs) => cs[0]!) },
      ),
      { minLength: 1, maxLength: maxCalls, size: 'max' },
    );
    return fc.tuple(cleanPolicy(abi), setup, calls).map(([text, tasks, cs]): readonly Cmd[] => [
      ...tasks.flatMap(([code, vector, native64], i): readonly Cmd[] => [
        { c: 'spawn', abi: code, comm: `t${i}` },
        { c: 'write', pid: i + 1, addr: 0x1000n, bytes: textBytes(`${text}\0`) },
        {
          c: 'call',
          pid: i + 1,
          vector,
          regs: prctlRegs(vector, native64 && code === 'x86_64', [BigInt(PR.SET_SECCOMP), 2n, 0x1000n]),
        },
      ]),
      ...cs,
    ]);
  });
