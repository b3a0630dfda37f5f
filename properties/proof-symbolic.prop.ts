/**
 * V2 the symbolic run of a BPF program is the program: evaluated on any
 * seccomp_data its term gives what the emulator returns, and z3's reading
 * of the term agrees with the evaluation.
 */
import test from 'ava';
import fc from 'fast-check';
import { emulate } from '../src/bpf/index.ts';
import { Builder, evaluate, variables } from '../src/proof/term.ts';
import { wordsOf } from '../src/proof/verify.ts';
import { freeWords, symbolicRun } from '../src/proof/symbolic-bpf.ts';
import { openSession } from '../src/proof/solver.ts';
import { program, seccompData } from './proof-gen.ts';
import { params } from './support.ts';

test('V2 the term of a random valid program evaluates to what the emulator returns', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(program(), fc.array(seccompData(), { minLength: 1, maxLength: 8 }), (p, ds) => {
        const b = new Builder();
        const term = symbolicRun(b, p, freeWords(b));
        return ds.every((d) => evaluate(term, wordsOf(d)) === BigInt(emulate(p, d).ret));
      }),
      params(3000),
    ),
  );
});

test('V2 z3 reads a program term as the evaluator does (cut for test time: z3 is slow)', async (t) => {
  const s = await openSession();
  if (s instanceof Error) return t.fail(s.message);
  try {
    await fc.assert(
      fc.asyncProperty(program(), seccompData(), async (p, d) => {
        const b = new Builder();
        const term = symbolicRun(b, p, freeWords(b));
        const env = wordsOf(d);
        const fixed = variables(term).map((v) => b.eq(v, b.bv(env(v.name))));
        const want = b.bv(evaluate(term, env));
        const r = await s.query(b.band(...fixed, b.not(b.eq(term, want))), []);
        return r.kind === 'unsat';
      }),
      params(300),
    );
    t.pass();
  } finally {
    s.close();
  }
});
