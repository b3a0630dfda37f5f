/**
 * The engine's fast paths against the model, which the differential
 * suite (BigInt host API only) does not exercise: registers()+enter(),
 * decide(), filterFor(), filterAbi(), installPolicy(), log and pids().
 * The filter compiler at boundary values is engine-compiled.test.ts.
 */
import test from 'ava';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { VERDICT, Kernel, R, SCRATCH_ADDR, STATUS, type Verdict, type InstallResult } from '../src/kernel/index.ts';
import * as model from '../src/model/index.ts';
import type { Abi } from '../src/x86/table.ts';
import type { Outcome } from '../src/x86/outcome.ts';
import { PR } from '../src/x86/prctl.ts';
import type { RegsInput } from '../src/x86/registers.ts';
import { callAbi, type Vector } from '../src/x86/vectors.ts';
import { holdRuns, params, u64 } from '../properties/support.ts';
import { exprText, hi, lo, POOL, show, writeWords } from './support/engine-gen.ts';

/** installPolicy's result without its explanation: the prctl call's own Outcome. */
const rawOutcome = (r: InstallResult): Outcome =>
  r.kind === 'return'
    ? { kind: 'return', rax: r.rax }
    : r.kind === 'killed'
      ? { kind: 'killed', log: r.log }
      : r.kind === 'exited'
        ? { kind: 'exited', code: r.code }
        : { kind: 'no_task' };

// ---------------------------------------------------------------- generators

/** A policy text for `abi`: 1..6 lines over pool numbers, maybe the directive. */
function policyText(abi: Abi): fc.Arbitrary<string> {
  const line = fc
    .constantFrom(...POOL[abi])
    .chain((nr) =>
      fc
        .oneof(
          { weight: 2, arbitrary: fc.constant('1') },
          { weight: 1, arbitrary: fc.constant('0') },
          { weight: 6, arbitrary: exprText(abi, nr) },
        )
        .map((f) => `${nr}: ${f}`),
    );
  return fc
    .tuple(
      fc.array(line, { minLength: 1, maxLength: 6 }),
      fc.boolean().map((b) => (b ? ['on_next_syscall: 1'] : [])),
    )
    .map(([ls, d]) => [...ls, ...d].join('\n'));
}

interface Query {
  readonly vector: Vector;
  readonly nr: number;
  readonly raxHigh: number;
  readonly regs: RegsInput;
}

function queryArb(taskAbi: Abi, preferred: readonly number[], v0: Vector): fc.Arbitrary<Query> {
  const nrs = [...new Set([...POOL.x86_64, ...POOL.ia32])];
  const nr = fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...(preferred.length > 0 ? preferred : nrs)) },
    { weight: 3, arbitrary: fc.constantFrom(...nrs) },
    { weight: 1, arbitrary: fc.constantFrom(-1, -2147483648, 2147483647, 470, 0x4000_0000, 0x4000_0001, 471) },
    { weight: 1, arbitrary: fc.integer({ min: -2147483648, max: 2147483647 }) },
  );
  // exit, exit_group, execve kill the run early; keep them rare by remapping them most of the time.
  const regs = fc.record({
    rbx: u64(),
    rcx: u64(),
    rdx: u64(),
    rsi: u64(),
    rdi: u64(),
    rbp: u64(),
    r8: u64(),
    r9: u64(),
    r10: u64(),
    rip: u64(),
  });
  const vector = fc.oneof(
    { weight: 4, arbitrary: fc.constant(v0) },
    {
      weight: 1,
      arbitrary:
        taskAbi === 'x86_64'
          ? fc.constantFrom<Vector>('syscall', 'syscall', 'int80', 'sysenter')
          : fc.constantFrom<Vector>('syscall', 'int80', 'sysenter'),
    },
  );
  return fc.record({ vector, nr, raxHigh: fc.constantFrom(0, 0, 1, 0xffff_ffff, 0x8000_0000), regs });
}

// ---------------------------------------------------------------- helpers

const fullRegs = (q: Query): RegsInput => ({ ...q.regs, rax: (BigInt(q.raxHigh) << 32n) | BigInt(q.nr >>> 0) });

/** The arguments of a call through `abi` as 12 words; compat gets the full registers (high halves must be ignored). */
function argWords(regs: RegsInput, abi: Abi): number[] {
  const names =
    abi === 'x86_64'
      ? (['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'] as const)
      : (['rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp'] as const);
  return names.flatMap((n) => [lo(regs[n] ?? 0n), hi(regs[n] ?? 0n)]);
}

/** Oracle for decide(): S6.3/S6.4 on the model's state, without consuming the pending grant. */
function modelDecision(st: model.SeccompState, abi: Abi, record: model.CallRecord): Verdict {
  if (st.mode === 0) return VERDICT.ALLOW;
  if (st.mode === 1) return model.strictAllowed(abi, record.nr) ? VERDICT.ALLOW : VERDICT.KILL;
  return model.decide(st, abi, record).allow ? VERDICT.ALLOW : VERDICT.KILL;
}

const prctlRegs = (abi: Abi, ptr: bigint): RegsInput =>
  abi === 'x86_64'
    ? { rax: 157n, rdi: BigInt(PR.SET_SECCOMP), rsi: 2n, rdx: ptr }
    : { rax: 172n, rbx: BigInt(PR.SET_SECCOMP), rcx: 2n, rdx: ptr };

/** The model's installPolicy: the same bytes at SCRATCH_ADDR and the same prctl. */
function modelInstall(m: model.Machine, pid: number, text: string, vector: Vector): model.Step {
  const t = m.tasks.get(pid)!;
  const w = model.writeMemory(m, pid, SCRATCH_ADDR, [...new TextEncoder().encode(`${text}\0`)]);
  if (w._tag === 'Left') throw new Error(w.left);
  return model.syscall(w.right, pid, vector, prctlRegs(callAbi(t.abi, vector), SCRATCH_ADDR));
}

/** The engine, with the status of its last exit readable: enter() reports only that a task exited. */
class ExitKernel extends Kernel {
  get exitStatus(): number {
    return this.lastExit;
  }
}

function enterOutcome(k: ExitKernel, pid: number, s: number, logBefore: number): Outcome {
  switch (s) {
    case STATUS.RETURNED: {
      const row = k.registers(pid)!;
      const v = (BigInt(row.words[row.base + R.rax + 1]!) << 32n) | BigInt(row.words[row.base + R.rax]!);
      return { kind: 'return', rax: v };
    }
    case STATUS.KILLED:
      return { kind: 'killed', log: k.log.length > logBefore ? k.log[k.log.length - 1]! : null };
    case STATUS.EXITED:
      return { kind: 'exited', code: k.exitStatus };
    default:
      return { kind: 'no_task' };
  }
}

// ---------------------------------------------------------------- the property

const scenario = fc
  .tuple(fc.constantFrom<Abi>('x86_64', 'ia32'), fc.constantFrom<Vector>('syscall', 'int80', 'sysenter'))
  .chain(([taskAbi, v0]) => {
    const installAbi = callAbi(taskAbi, v0);
    return fc
      .array(
        fc.tuple(
          fc.oneof(
            { weight: 4, arbitrary: fc.constant(v0) },
            { weight: 1, arbitrary: fc.constantFrom<Vector>('syscall', 'int80') },
          ),
          policyText(installAbi),
        ),
        { minLength: 1, maxLength: 3 },
      )
      .chain((installs) => {
        const preferred = [
          ...new Set(installs.flatMap(([, text]) => [...text.matchAll(/^(\d+):/gm)].map((x) => Number(x[1])))),
        ];
        return fc.record({
          taskAbi: fc.constant(taskAbi),
          installs: fc.constant(installs),
          queries: fc.array(queryArb(taskAbi, preferred, v0), { minLength: 1, maxLength: 25 }),
        });
      });
  });

test('S9.1 fast paths: decide(), filterFor(), filterAbi(), installPolicy() and enter() agree with the model and with syscall()', (t) => {
  let decides = 0;
  let exprDecides = 0;
  let enters = 0;
  let installedOk = 0;
  let exits = 0;
  const result = fc.check(
    fc.property(scenario, ({ taskAbi, installs, queries }) => {
      const a = new ExitKernel(); // fast paths
      const b = new Kernel(); // BigInt host API
      let m = model.initialMachine();
      const pid = a.spawn(taskAbi, 'rev');
      b.spawn(taskAbi, 'rev');
      const [m1, mpid] = model.spawn(m, taskAbi, 'rev');
      m = m1;
      if (pid !== mpid) return false;

      // installPolicy vs the model doing the same write and prctl.
      for (const [vector, text] of installs) {
        const ga = a.installPolicy(pid, text, vector);
        const bytes = [...new TextEncoder().encode(`${text}\0`)];
        b.writeMemory(pid, SCRATCH_ADDR, bytes);
        const gb = b.syscall(pid, vector, prctlRegs(callAbi(taskAbi, vector), SCRATCH_ADDR));
        const step = modelInstall(m, pid, text, vector);
        m = step.machine;
        if (ga.ok !== (ga.kind === 'return' && ga.rax === 0n))
          throw new Error(`installPolicy ${show({ vector, text })}: ok disagrees with its outcome ${show(ga)}`);
        if (!isDeepStrictEqual(rawOutcome(ga), step.outcome) || !isDeepStrictEqual(gb, step.outcome)) {
          throw new Error(
            `installPolicy ${show({ vector, text })}: model ${show(step.outcome)} installPolicy ${show(ga)} syscall ${show(gb)}`,
          );
        }
        if (ga.kind === 'return' && ga.rax === 0n) installedOk++;
        if (ga.kind !== 'return') return true;
      }
      if (!isDeepStrictEqual(a.view(), model.view(m))) throw new Error('view after installs differs');

      // Static fast accessors on the installed state.
      const st = m.tasks.get(pid)!.seccomp;
      if (a.filterAbi(pid) !== st.abi) throw new Error(`filterAbi ${show(a.filterAbi(pid))} vs ${show(st.abi)}`);
      for (const nr of [...POOL.x86_64, ...POOL.ia32, -1, 470, 100000]) {
        if (!isDeepStrictEqual(a.filterFor(pid, nr), st.filters.get(nr))) {
          throw new Error(`filterFor ${nr}: ${show(a.filterFor(pid, nr))} vs ${show(st.filters.get(nr))}`);
        }
      }

      // decide() on every query, before anything is consumed.
      for (const q of queries) {
        const abi = callAbi(taskAbi, q.vector);
        const regs = model.mergeRegs(m.tasks.get(pid)!.regs, fullRegs(q));
        const record = model.recordOfRegs(regs, abi);
        const want = modelDecision(st, abi, record);
        const got = a.decide(pid, q.vector, q.nr, argWords(regs, abi));
        // Also with nr given as a wider safe integer (C8: only the low 32 bits count).
        const got2 = a.decide(
          pid,
          q.vector,
          (q.nr >>> 0) + (q.raxHigh & 0x1f_ffff) * 0x1_0000_0000,
          argWords(regs, abi),
        );
        if (got !== want || got2 !== want) {
          throw new Error(
            `decide ${show({ q, abi, record })}: model ${want}, engine ${got}/${got2}; state ${show([...st.filters])}`,
          );
        }
        decides++;
        if (st.mode === 2 && st.filters.get(record.nr)?.kind === 'expr') exprDecides++;
      }

      // enter() on words vs syscall() on bigints vs the model, until the task ends.
      for (const q of queries) {
        const regs = fullRegs(q);
        writeWords(a, pid, regs);
        const before = a.log.length;
        const s = a.enter(pid, q.vector);
        const ga = enterOutcome(a, pid, s, before);
        const gb = b.syscall(pid, q.vector, regs);
        const step = model.syscall(m, pid, q.vector, regs);
        m = step.machine;
        enters++;
        const want = step.outcome;
        if (step.outcome.kind === 'exited') exits++;
        if (!isDeepStrictEqual(ga, want) || !isDeepStrictEqual(gb, want)) {
          throw new Error(`enter ${show(q)}: model ${show(step.outcome)}, enter ${show(ga)}, syscall ${show(gb)}`);
        }
        const mv = model.view(m);
        if (!isDeepStrictEqual(a.view(), mv) || !isDeepStrictEqual(b.view(), mv))
          throw new Error(`view after ${show(q)} differs`);
        if (!isDeepStrictEqual([...a.log], [...m.log])) throw new Error('log differs');
        if (
          !isDeepStrictEqual(
            a.pids(),
            [...m.tasks.keys()].sort((x, y) => x - y),
          )
        )
          throw new Error('pids differ');
        if (!m.tasks.has(pid)) break;
      }
      return true;
    }),
    params(600),
  );
  if (result.failed) t.fail(`${String(result.errorInstance)}\ncounterexample ${show(result.counterexample)}`);
  t.log(
    `decides ${decides} (expression entries ${exprDecides}), enters ${enters} (exits ${exits}), successful installs ${installedOk}`,
  );
  // Floors in proportion to the runs (PROPS_CAP cuts them under npm run mutants).
  const n = holdRuns(600);
  t.true(exprDecides > n / 6, `only ${exprDecides} expression decisions`);
  t.true(exits >= n / 100, `only ${exits} exits compared`);
});
