/**
 * Engine-side laws of S9 as reusable properties over a kernel factory, so
 * the same property runs on the real engine (it must hold) and on an
 * engine with an S10 bug planted (it must fail): S9.2 reduce-only, S9.5
 * ABI binding, S9.6 fork independence.
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { VERDICT, Kernel, type Verdict } from '../src/kernel/index.ts';
import { halves } from '../src/x86/regs.ts';
import type { Abi } from '../src/x86/table.ts';
import { PR } from '../src/x86/prctl.ts';
import { callAbi, type Vector } from '../src/x86/vectors.ts';
import { filterText, poolCalls, prctlRegs, textBytes } from './diff-gen.ts';
import { u64 } from './support.ts';

/** A call to decide: vector, number and the arguments as 12 uint32 words. */
export interface Probe {
  readonly vector: Vector;
  readonly nr: number;
  readonly args: readonly number[];
}

/** One prctl the task makes on itself after its policy is installed. */
export type Op =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'set'; readonly nr: number; readonly text: string }
  | { readonly kind: 'clear'; readonly nr: number };

/** A task of `code` bitness that installed `policy` through `vector`, then made `ops`; `probes` are asked before and after. */
export interface Scenario {
  readonly code: Abi;
  readonly vector: Vector;
  readonly policy: string;
  readonly ops: readonly Op[];
  readonly probes: readonly Probe[];
}

const ADDR = 0x1000n;
const vectorsOf = (code: Abi, abi: Abi): readonly Vector[] =>
  (['syscall', 'int80', 'sysenter'] as const).filter((v) => callAbi(code, v) === abi);

const words = (): fc.Arbitrary<readonly number[]> =>
  fc.array(u64(), { minLength: 6, maxLength: 6 }).map((vs) => vs.flatMap((v) => [...halves(v)]));

/**
 * A scenario whose policy, ops and probes all use the ABI of the install
 * call. `probeOther` probes the other ABI: the task is 64-bit then, since a
 * 32-bit task has no other ABI to call through (S6.1), and the law would
 * have nothing to decide. The policy has no entry for fork (the fork law
 * adds `fork: 1`, which an expression entry would narrow).
 */
export function scenario(probeOther: boolean): fc.Arbitrary<Scenario> {
  const codes: readonly Abi[] = probeOther ? ['x86_64'] : ['x86_64', 'ia32'];
  return fc
    .tuple(fc.constantFrom(...codes), fc.constantFrom<Vector>('syscall', 'int80', 'sysenter'))
    .chain(([code, vector]) => {
      const abi = callAbi(code, vector);
      const calls = poolCalls(abi).filter((c) => c.name !== 'prctl');
      const entryCalls = calls.filter((c) => c.name !== 'fork');
      const entry = fc.constantFrom(...entryCalls).chain((c) => filterText(abi, c.nr).map((f) => ({ nr: c.nr, f })));
      return fc.array(entry, { minLength: 1, maxLength: 8 }).chain((entries) => {
        const nrs = entries.map((e) => e.nr);
        const nr = fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...nrs) },
          { weight: 1, arbitrary: fc.constantFrom(...calls.map((c) => c.nr)) },
        );
        const op: fc.Arbitrary<Op> = fc.oneof(
          nr.chain((n) => filterText(abi, n).map((text): Op => ({ kind: 'set', nr: n, text }))),
          fc
            .array(
              nr.chain((n) => filterText(abi, n).map((f) => `${n}: ${f}`)),
              { minLength: 1, maxLength: 3 },
            )
            .map((ls): Op => ({ kind: 'text', text: ls.join('\n') })),
          nr.map((n): Op => ({ kind: 'clear', nr: n })),
        );
        const other: Abi = abi === 'x86_64' ? 'ia32' : 'x86_64';
        const probeAbi = probeOther ? other : abi;
        const probeVectors = vectorsOf(code, probeAbi);
        const probeNr = probeOther ? fc.constantFrom(...poolCalls(other).map((c) => c.nr), ...nrs) : nr;
        const probe = fc
          .tuple(fc.constantFrom(...(probeVectors.length > 0 ? probeVectors : (['int80'] as const))), probeNr, words())
          .map(([v, n, args]): Probe => ({ vector: v, nr: n, args }));
        return fc.record({
          code: fc.constant(code),
          vector: fc.constant(vector),
          policy: fc.constant([...entries.map((e) => `${e.nr}: ${e.f}`), 'prctl: 1'].join('\n')),
          ops: fc.array(op, { maxLength: 4 }),
          probes: fc.array(probe, { minLength: 1, maxLength: 12 }),
        });
      });
    });
}

/** Write `text` and make prctl(option, a1, ADDR) through `vector`. */
function prctlText(
  k: Kernel,
  pid: number,
  vector: Vector,
  native: boolean,
  text: string,
  args: readonly bigint[],
): void {
  k.writeMemory(pid, ADDR, textBytes(`${text}\0`));
  k.syscall(pid, vector, prctlRegs(vector, native, args));
}

/** Spawn the scenario's task and install its policy; returns the pid. */
export function setUp(k: Kernel, s: Scenario): number {
  const pid = k.spawn(s.code, 'probe');
  prctlText(k, pid, s.vector, s.code === 'x86_64', s.policy, [BigInt(PR.SET_SECCOMP), 2n, ADDR]);
  return pid;
}

/** Apply the scenario's ops as the task's own prctl calls. */
export function applyOps(k: Kernel, pid: number, s: Scenario): void {
  const native = s.code === 'x86_64';
  for (const op of s.ops) {
    if (op.kind === 'text') prctlText(k, pid, s.vector, native, op.text, [BigInt(PR.SET_SECCOMP), 2n, ADDR]);
    else if (op.kind === 'set')
      prctlText(k, pid, s.vector, native, op.text, [BigInt(PR.SET_SECCOMP_FILTER), BigInt(op.nr), ADDR]);
    else k.syscall(pid, s.vector, prctlRegs(s.vector, native, [BigInt(PR.CLEAR_SECCOMP_FILTER), BigInt(op.nr)]));
  }
}

/** How many runs of a law had something to decide, and how many were vacuous (nothing to check). */
export interface Tally {
  decided: number;
  vacuous: number;
}

/** A fresh tally. */
export const tally = (): Tally => ({ decided: 0, vacuous: 0 });

/** Most vacuous runs a law may have, as a share of its runs, before its test fails. */
export const MAX_VACUOUS_SHARE = 0.02;

const decideAll = (k: Kernel, pid: number, probes: readonly Probe[]): readonly Verdict[] =>
  probes.map((p) => k.decide(pid, p.vector, p.nr, p.args));

/** S9.2 no prctl of a filtering task allows a call that was denied before. */
export const reduceOnly = (make: () => Kernel): fc.IPropertyWithHooks<[Scenario]> =>
  fc.property(scenario(false), (s) => {
    const k = make();
    const pid = setUp(k, s);
    const before = decideAll(k, pid, s.probes);
    applyOps(k, pid, s);
    const after = decideAll(k, pid, s.probes);
    return before.every((d, i) => d !== VERDICT.KILL || after[i] === VERDICT.KILL || after[i] === VERDICT.NO_TASK);
  });

/** S9.5 a task filtering in one ABI never gets a call of the other allowed: by decide, and by the entry path. */
export const abiBinding = (make: () => Kernel, count: Tally = tally()): fc.IPropertyWithHooks<[Scenario]> =>
  fc.property(scenario(true), (s) => {
    const k = make();
    const pid = setUp(k, s);
    const bound = k.filterAbi(pid);
    const other = s.probes.filter((p) => bound !== null && callAbi(s.code, p.vector) !== bound);
    if (other.length === 0) count.vacuous++;
    else count.decided++;
    if (!other.every((p) => k.decide(pid, p.vector, p.nr, p.args) === VERDICT.KILL)) return false;
    const last = other.at(-1);
    if (last === undefined) return true;
    const [l0 = 0, h0 = 0, l1 = 0, h1 = 0] = last.args;
    const a0 = BigInt(l0) | (BigInt(h0) << 32n);
    const a1 = BigInt(l1) | (BigInt(h1) << 32n);
    return k.syscall(pid, last.vector, { rax: BigInt(last.nr), rdi: a0, rsi: a1, rbx: a0, rcx: a1 }).kind === 'killed';
  });

/** S9.6 a child decides as its parent did at the fork, whatever either does later. */
export const forkIndependence = (make: () => Kernel, count: Tally = tally()): fc.IPropertyWithHooks<[Scenario]> =>
  fc.property(scenario(false), (s) => {
    const k = make();
    const pid = setUp(k, { ...s, policy: `${s.policy}\nfork: 1` });
    const forked = k.syscall(pid, s.vector, { rax: callAbi(s.code, s.vector) === 'x86_64' ? 57n : 2n });
    if (forked.kind !== 'return') {
      count.vacuous++;
      return true;
    }
    count.decided++;
    const child = Number(forked.rax);
    const atFork = decideAll(k, pid, s.probes);
    applyOps(k, pid, s);
    const parentNow = decideAll(k, pid, s.probes);
    if (!isDeepStrictEqual(decideAll(k, child, s.probes), atFork)) return false;
    applyOps(k, child, s);
    return isDeepStrictEqual(decideAll(k, pid, s.probes), parentNow);
  });
