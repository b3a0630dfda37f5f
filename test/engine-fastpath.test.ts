/**
 * The engine's fast paths against the model, which the differential
 * suite (BigInt host API only) does not exercise: registers()+enter(),
 * decide(), filterFor(), filterAbi(), installPolicy(), log, pids(), and the
 * filter compiler (src/impl/compile.ts) at boundary values.
 */
import test from 'ava';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { DECISION, Kernel, R, SCRATCH_ADDR, STATUS } from '../src/impl/index.ts';
import * as model from '../src/model/index.ts';
import { syscallTable, type Abi } from '../src/x86/table.ts';
import { callAbi, PR, REG_NAMES, type Outcome, type RegsInput, type Vector } from '../src/x86/types.ts';
import { holdRuns, params, U64_EDGES as EDGE, u64 } from '../properties/support.ts';

const show = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `0x${x.toString(16)}` : x));
const M64 = (1n << 64n) - 1n;
const lo = (v: bigint): number => Number(v & 0xffff_ffffn);
const hi = (v: bigint): number => Number((v >> 32n) & 0xffff_ffffn);

// ---------------------------------------------------------------- generators

/** Numbers policies use, per ABI: strict sets, prctl, getpid, fork, the `nr`-argument calls, the last slot, a ni slot. */
const POOL: Readonly<Record<Abi, readonly number[]>> = {
  x86_64: [0, 1, 2, 3, 15, 39, 57, 60, 157, 186, 208, 209, 333, 454, 469, 335],
  ia32: [1, 3, 4, 5, 20, 119, 172, 224, 247, 248, 385, 416, 454, 469, 2, 222],
};

const unsignedText = (): fc.Arbitrary<string> =>
  fc.oneof(
    u64().map((v) => v.toString()),
    u64().map((v) => `0x${v.toString(16)}`),
    u64().map((v) => (v === 0n ? '0' : `0${v.toString(8)}`)),
    fc.constantFrom('0x10000000000000000', '18446744073709551616', '0X1f'),
  );
const signedText = (nr: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(String(nr), String(nr + 1), String(nr - 1), `0x${nr.toString(16)}`, `${nr + 0x1_0000_0000}`, `-${0x1_0000_0000 - nr}`),
    fc.constantFrom('-1', '0', '-2147483648', '2147483647', '0x80000000', '0xffffffff', '0x100000000', '-2147483649',
      '0x7fffffffffffffff', '-9223372036854775808', '0x8000000000000000', '-0', '0x40000000'),
    fc.integer({ min: -3, max: 500 }).map(String),
  );

const OPS = ['==', '!=', '<', '<=', '>', '>=', '&'] as const;

/** A random expression text for call `nr` of `abi`. */
function exprText(abi: Abi, nr: number): fc.Arbitrary<string> {
  const args = syscallTable(abi).byNr(nr)?.args.map((a) => a.name) ?? [];
  const fields = [...args, ...args, ...args, 'nr', 'nr', 'common_pid', 'common_flags', 'common_type', 'common_preempt_count'];
  const pred = fc
    .tuple(fc.constantFrom(...fields), fc.constantFrom(...OPS))
    .chain(([f, op]) => {
      const isArg = args.includes(f);
      const signed = !isArg && (f === 'nr' || f === 'common_pid');
      return (signed ? signedText(nr) : unsignedText()).map((v) => `${f} ${op} ${v}`);
    });
  const { e } = fc.letrec<{ e: string }>((tie) => ({
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 5, arbitrary: pred },
      fc.tuple(tie('e'), tie('e')).map(([a, b]) => `${a} && ${b}`),
      fc.tuple(tie('e'), tie('e')).map(([a, b]) => `${a} || ${b}`),
      tie('e').map((a) => `(${a})`),
      tie('e').map((a) => `!(${a})`),
      tie('e').map((a) => `!${a.startsWith('(') || a.startsWith('!') ? a : `(${a})`}`),
    ),
  }));
  // Long chains of `&` masks to reach the 32-term limit (16 preds + 15 ors = 31; 17 = 33).
  const chain = fc
    .tuple(fc.integer({ min: 14, max: 17 }), fc.constantFrom(...(args.length > 0 ? args : ['nr'])))
    .map(([n, f]) => Array.from({ length: n }, (_, i) => (f === 'nr' ? `nr==${i}` : `${f}&${1n << BigInt((i * 5) % 64)}`)).join('||'));
  return fc.oneof({ weight: 6, arbitrary: e }, { weight: 1, arbitrary: chain });
}

/** A policy text for `abi`: 1..6 lines over pool numbers, maybe the directive. */
function policyText(abi: Abi): fc.Arbitrary<string> {
  const line = fc.constantFrom(...POOL[abi]).chain((nr) =>
    fc
      .oneof({ weight: 2, arbitrary: fc.constant('1') }, { weight: 1, arbitrary: fc.constant('0') }, { weight: 6, arbitrary: exprText(abi, nr) })
      .map((f) => `${nr}: ${f}`),
  );
  return fc
    .tuple(fc.array(line, { minLength: 1, maxLength: 6 }), fc.boolean().map((b) => (b ? ['on_next_syscall: 1'] : [])))
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
    rbx: u64(), rcx: u64(), rdx: u64(), rsi: u64(), rdi: u64(), rbp: u64(), r8: u64(), r9: u64(), r10: u64(), rip: u64(),
  });
  const vector = fc.oneof(
    { weight: 4, arbitrary: fc.constant(v0) },
    { weight: 1, arbitrary: taskAbi === 'x86_64' ? fc.constantFrom<Vector>('syscall', 'syscall', 'int80', 'sysenter') : fc.constantFrom<Vector>('syscall', 'int80', 'sysenter') },
  );
  return fc.record({ vector, nr, raxHigh: fc.constantFrom(0, 0, 1, 0xffff_ffff, 0x8000_0000), regs });
}

// ---------------------------------------------------------------- helpers

const fullRegs = (q: Query): RegsInput => ({ ...q.regs, rax: (BigInt(q.raxHigh) << 32n) | BigInt(q.nr >>> 0) });

/** Write `regs` into `pid`'s row as uint32 words (the fast path's way). */
function writeWords(k: Kernel, pid: number, regs: RegsInput): void {
  const row = k.registers(pid)!;
  for (const name of REG_NAMES) {
    const v = regs[name];
    if (v === undefined) continue;
    row.words[row.base + R[name]] = lo(v & M64);
    row.words[row.base + R[name] + 1] = hi(v & M64);
  }
}

/** The arguments of a call through `abi` as 12 words; compat gets the full registers (high halves must be ignored). */
function argWords(regs: RegsInput, abi: Abi): number[] {
  const names = abi === 'x86_64' ? (['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'] as const) : (['rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp'] as const);
  return names.flatMap((n) => [lo(regs[n] ?? 0n), hi(regs[n] ?? 0n)]);
}

/** Oracle for decide(): S6.3/S6.4 on the model's state, without consuming the pending grant. */
function modelDecision(st: model.SeccompState, abi: Abi, record: model.CallRecord): number {
  if (st.mode === 0) return DECISION.ALLOW;
  if (st.mode === 1) return model.strictAllowed(abi, record.nr) ? DECISION.ALLOW : DECISION.KILL;
  return model.decide(st, abi, record).allow ? DECISION.ALLOW : DECISION.KILL;
}

const prctlRegs = (abi: Abi, ptr: bigint): RegsInput =>
  abi === 'x86_64' ? { rax: 157n, rdi: BigInt(PR.SET_SECCOMP), rsi: 2n, rdx: ptr } : { rax: 172n, rbx: BigInt(PR.SET_SECCOMP), rcx: 2n, rdx: ptr };

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
        fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constant(v0) }, { weight: 1, arbitrary: fc.constantFrom<Vector>('syscall', 'int80') }), policyText(installAbi)),
        { minLength: 1, maxLength: 3 },
      )
      .chain((installs) => {
        const preferred = [...new Set(installs.flatMap(([, text]) => [...text.matchAll(/^(\d+):/gm)].map((x) => Number(x[1]))))];
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
        if (!isDeepStrictEqual(ga, step.outcome) || !isDeepStrictEqual(gb, step.outcome)) {
          throw new Error(`installPolicy ${show({ vector, text })}: model ${show(step.outcome)} installPolicy ${show(ga)} syscall ${show(gb)}`);
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
        const record = model.callRecord(regs, abi);
        const want = modelDecision(st, abi, record);
        const got = a.decide(pid, q.vector, q.nr, argWords(regs, abi));
        // Also with nr given as a wider safe integer (C8: only the low 32 bits count).
        const got2 = a.decide(pid, q.vector, (q.nr >>> 0) + (q.raxHigh & 0x1f_ffff) * 0x1_0000_0000, argWords(regs, abi));
        if (got !== want || got2 !== want) {
          throw new Error(`decide ${show({ q, abi, record })}: model ${want}, engine ${got}/${got2}; state ${show([...st.filters])}`);
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
        if (!isDeepStrictEqual(a.view(), mv) || !isDeepStrictEqual(b.view(), mv)) throw new Error(`view after ${show(q)} differs`);
        if (!isDeepStrictEqual([...a.log], [...m.log])) throw new Error('log differs');
        if (!isDeepStrictEqual(a.pids(), [...m.tasks.keys()].sort((x, y) => x - y))) throw new Error('pids differ');
        if (!m.tasks.has(pid)) break;
      }
      return true;
    }),
    params(600),
  );
  if (result.failed) t.fail(`${String(result.errorInstance)}\ncounterexample ${show(result.counterexample)}`);
  t.log(`decides ${decides} (expression entries ${exprDecides}), enters ${enters} (exits ${exits}), successful installs ${installedOk}`);
  // Floors in proportion to the runs (PROPS_CAP cuts them under npm run mutants).
  const n = holdRuns(600);
  t.true(exprDecides > n / 6, `only ${exprDecides} expression decisions`);
  t.true(exits >= n / 100, `only ${exits} exits compared`);
});

// ---------------------------------------------------------------- compiler, dense

/** Argument values near every integer literal of `text` (both halves, ±1), plus edges. */
function nearValues(text: string): bigint[] {
  const out = new Set<bigint>(EDGE);
  for (const m of text.matchAll(/-?(0[xX][0-9a-fA-F]+|\d+)/g)) {
    let v: bigint;
    try {
      const s = m[0];
      const neg = s.startsWith('-');
      const body = neg ? s.slice(1) : s;
      v = /^0[xX]/.test(body) ? BigInt(body.replace(/^0X/, '0x')) : /^0\d/.test(body) ? BigInt(`0o${body.slice(1)}`) : BigInt(body);
      if (neg) v = -v;
    } catch {
      continue;
    }
    for (const d of [-1n, 0n, 1n]) {
      const u = BigInt.asUintN(64, v + d);
      out.add(u);
      out.add(u & 0xffff_ffffn);
      out.add(u & 0xffff_ffff_0000_0000n);
      out.add(((u & 0xffff_ffffn) << 32n) | (u >> 32n));
    }
  }
  return [...out];
}

const compilerCase = fc
  .tuple(fc.constantFrom<Abi>('x86_64', 'ia32'), fc.constantFrom<Vector>('syscall', 'int80'))
  .chain(([taskAbi, vector]) => {
    const abi = callAbi(taskAbi, vector);
    return fc.constantFrom(...POOL[abi].filter((n) => (syscallTable(abi).byNr(n)?.args.length ?? 0) > 0)).chain((nr) =>
      fc.record({
        taskAbi: fc.constant(taskAbi),
        vector: fc.constant(vector),
        nr: fc.constant(nr),
        // Two texts: the second merges into the first in mode 2 (S5.4), giving wide merged trees.
        texts: fc.array(exprText(abi, nr), { minLength: 1, maxLength: 2 }),
        seeds: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat(), fc.nat(), fc.nat(), fc.nat()), { minLength: 30, maxLength: 30 }),
      }),
    );
  });

test('S9.1 fast paths: compiled expressions (decide and enter) equal model evaluate at boundary values', (t) => {
  let checked = 0;
  let installs = 0;
  let allowed = 0;
  let denied = 0;
  const result = fc.check(
    fc.property(compilerCase, ({ taskAbi, vector, nr, texts, seeds }) => {
      const abi = callAbi(taskAbi, vector);
      const a = new Kernel(); // decide only
      const c = new Kernel(); // enter on words
      const b = new Kernel(); // syscall on bigints
      const pid = a.spawn(taskAbi, 'cmp');
      b.spawn(taskAbi, 'cmp');
      c.spawn(taskAbi, 'cmp');
      // Allow prctl so the second text can be installed.
      const prctlNr = abi === 'x86_64' ? 157 : 172;
      const outs = [a, b, c].map((k) => k.installPolicy(pid, `${prctlNr}: 1\n${nr}: ${texts[0]!}`, vector));
      const first = outs[0]!;
      if (first.kind !== 'return' || first.rax !== 0n) return true;
      if (texts.length > 1) for (const k of [a, b, c]) k.installPolicy(pid, `${nr}: ${texts[1]!}`, vector);
      installs++;
      const f = a.filterFor(pid, nr);
      if (f === undefined) return true;
      if (!isDeepStrictEqual(b.filterFor(pid, nr), f)) throw new Error('twin filterFor differs');
      const near = nearValues(f.kind === 'expr' ? f.text : '');
      let alive = true;
      for (const s of seeds) {
        const argv = s.slice(0, 6).map((x) => near[x % near.length]!);
        const names = abi === 'x86_64' ? (['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'] as const) : (['rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp'] as const);
        // Compat: put junk in the high halves; S3.2 zero-extends.
        const junk = abi === 'ia32' ? BigInt(s[6]! % 3 === 0 ? 0 : s[6]!) << 32n : 0n;
        const regs: Record<string, bigint> = {};
        names.forEach((n, i) => (regs[n] = BigInt.asUintN(64, argv[i]! | junk)));
        const record: model.CallRecord = { nr, args: argv.map((v) => (abi === 'ia32' ? v & 0xffff_ffffn : v)) };
        const want = model.filterAllows(f, record);
        const words = names.flatMap((n) => [lo(regs[n]!), hi(regs[n]!)]);
        const got = a.decide(pid, vector, nr, words);
        checked++;
        if (want) allowed++;
        else denied++;
        if (got !== (want ? DECISION.ALLOW : DECISION.KILL)) {
          throw new Error(`decide nr ${nr} ${abi} filter ${show(f)} args ${show(record.args)} regs ${show(regs)}: model ${want} engine ${got}`);
        }
        if (alive) {
          const full = { ...regs, rax: BigInt(nr) } as RegsInput;
          writeWords(c, pid, full);
          const s1 = c.enter(pid, vector);
          const o2 = b.syscall(pid, vector, full);
          const k1 = s1 === STATUS.KILLED ? 'killed' : s1 === STATUS.RETURNED ? 'return' : s1 === STATUS.EXITED ? 'exited' : 'other';
          if (k1 !== o2.kind || (want ? k1 === 'killed' : k1 !== 'killed')) {
            throw new Error(`enter nr ${nr} ${abi} filter ${show(f)} regs ${show(regs)}: model ${want}, enter ${k1}, syscall ${o2.kind}`);
          }
          if (k1 !== 'return') alive = false;
          else if (!isDeepStrictEqual(c.view(), b.view()) || !isDeepStrictEqual(c.log, b.log)) throw new Error('twin views differ');
        }
      }
      return true;
    }),
    params(1500),
  );
  if (result.failed) t.fail(`${String(result.errorInstance)}\ncounterexample ${show(result.counterexample)}`);
  t.log(`installed ${installs}, records ${checked} (allowed ${allowed}, denied ${denied})`);
  t.true(allowed > 500 && denied > 500);
});

// ---------------------------------------------------------------- directed checks

test('S9.1 fast paths: decide() in strict mode equals model strictAllowed for every nr, vector and bitness (S6.3)', (t) => {
  let n = 0;
  for (const taskAbi of ['x86_64', 'ia32'] as const) {
    const k = new Kernel();
    const pid = k.spawn(taskAbi, 's');
    const nr = taskAbi === 'x86_64' ? 157n : 172n;
    const o = taskAbi === 'x86_64' ? k.syscall(pid, 'syscall', { rax: nr, rdi: 22n, rsi: 1n }) : k.syscall(pid, 'syscall', { rax: nr, rbx: 22n, rcx: 1n });
    t.deepEqual(o, { kind: 'return', rax: 0n });
    for (const vector of ['syscall', 'int80', 'sysenter'] as const) {
      const abi = callAbi(taskAbi, vector);
      for (let x = -70; x < 600; x++) {
        for (const wide of [x, x + 0x1_0000_0000, x - 0x1_0000_0000]) {
          const want = model.strictAllowed(abi, x) ? DECISION.ALLOW : DECISION.KILL;
          if (k.decide(pid, vector, wide, []) !== want) t.fail(`${taskAbi} ${vector} nr ${wide}`);
          n++;
        }
      }
    }
  }
  t.log(`strict decisions ${n}`);
  t.pass();
});
