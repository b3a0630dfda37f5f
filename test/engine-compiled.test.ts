/**
 * The filter compiler (src/seccomp/compile.ts) against the model at boundary
 * values, through decide() and enter(), and strict mode through decide().
 * The other fast paths are in engine-fastpath.test.ts.
 */
import test from 'ava';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { VERDICT, Kernel, STATUS } from '../src/kernel/index.ts';
import * as model from '../src/model/index.ts';
import { syscallTable, type Abi } from '../src/x86/table.ts';
import type { RegsInput } from '../src/x86/registers.ts';
import { callAbi, type Vector } from '../src/x86/vectors.ts';
import { holdRuns, params, U64_EDGES as EDGE } from '../properties/support.ts';
import { exprText, hi, lo, POOL, show, writeWords } from './support/engine-gen.ts';

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
      v = /^0[xX]/.test(body)
        ? BigInt(body.replace(/^0X/, '0x'))
        : /^0\d/.test(body)
          ? BigInt(`0o${body.slice(1)}`)
          : BigInt(body);
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
        seeds: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat(), fc.nat(), fc.nat(), fc.nat()), {
          minLength: 30,
          maxLength: 30,
        }),
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
        const names =
          abi === 'x86_64'
            ? (['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'] as const)
            : (['rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp'] as const);
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
        if (got !== (want ? VERDICT.ALLOW : VERDICT.KILL)) {
          throw new Error(
            `decide nr ${nr} ${abi} filter ${show(f)} args ${show(record.args)} regs ${show(regs)}: model ${want} engine ${got}`,
          );
        }
        if (alive) {
          const full = { ...regs, rax: BigInt(nr) } as RegsInput;
          writeWords(c, pid, full);
          const s1 = c.enter(pid, vector);
          const o2 = b.syscall(pid, vector, full);
          const k1 =
            s1 === STATUS.KILLED
              ? 'killed'
              : s1 === STATUS.RETURNED
                ? 'return'
                : s1 === STATUS.EXITED
                  ? 'exited'
                  : 'other';
          if (k1 !== o2.kind || (want ? k1 === 'killed' : k1 !== 'killed')) {
            throw new Error(
              `enter nr ${nr} ${abi} filter ${show(f)} regs ${show(regs)}: model ${want}, enter ${k1}, syscall ${o2.kind}`,
            );
          }
          if (k1 !== 'return') alive = false;
          else if (!isDeepStrictEqual(c.view(), b.view()) || !isDeepStrictEqual(c.log, b.log))
            throw new Error('twin views differ');
        }
      }
      return true;
    }),
    params(1500),
  );
  if (result.failed) t.fail(`${String(result.errorInstance)}\ncounterexample ${show(result.counterexample)}`);
  t.log(`installed ${installs}, records ${checked} (allowed ${allowed}, denied ${denied})`);
  // Floors in proportion to the runs (PROPS_CAP cuts them under test:quick and npm run mutants).
  const floor = holdRuns(1500) / 3;
  t.true(allowed > floor && denied > floor, `floor ${floor}`);
});

// ---------------------------------------------------------------- directed checks

test('S9.1 fast paths: decide() in strict mode equals model strictAllowed for every nr, vector and bitness (S6.3)', (t) => {
  let n = 0;
  for (const taskAbi of ['x86_64', 'ia32'] as const) {
    const k = new Kernel();
    const pid = k.spawn(taskAbi, 's');
    const nr = taskAbi === 'x86_64' ? 157n : 172n;
    const o =
      taskAbi === 'x86_64'
        ? k.syscall(pid, 'syscall', { rax: nr, rdi: 22n, rsi: 1n })
        : k.syscall(pid, 'syscall', { rax: nr, rbx: 22n, rcx: 1n });
    t.deepEqual(o, { kind: 'return', rax: 0n });
    for (const vector of ['syscall', 'int80', 'sysenter'] as const) {
      const abi = callAbi(taskAbi, vector);
      for (let x = -70; x < 600; x++) {
        for (const wide of [x, x + 0x1_0000_0000, x - 0x1_0000_0000]) {
          const want = model.strictAllowed(abi, x) ? VERDICT.ALLOW : VERDICT.KILL;
          if (k.decide(pid, vector, wide, []) !== want) t.fail(`${taskAbi} ${vector} nr ${wide}`);
          n++;
        }
      }
    }
  }
  t.log(`strict decisions ${n}`);
  t.pass();
});
