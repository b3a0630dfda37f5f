/**
 * V4 on this project's compiler: every program it makes from a reached
 * 2011 state is proven to decide every seccomp_data as the state's rule
 * set (and the model) does; each compiler bug the BPF suites plant is found
 * by the proof alone, with a counterexample the emulator and the model
 * confirm, and no call sampled.
 */
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { actionRet as actionValue } from '../src/action/index.ts';
import { compileState, type CompileOptions, type Faults } from '../src/bpf/index.ts';
import { modelOracle, openSession, ruleSetOfState, verify, type Session } from '../src/proof/index.ts';
import type * as model from '../src/model/index.ts';
import { reachedState } from './bpf-gen.ts';
import { anyAbi } from './bpf-laws.ts';
import { params, runs } from './support.ts';

const LAYOUTS: readonly Omit<CompileOptions, 'abi'>[] = [
  { layout: 'tree', fold: true },
  { layout: 'plain', fold: false },
];

async function proveState(s: Session, state: model.SeccompState, cfg: Omit<CompileOptions, 'abi'>, faults?: Faults) {
  if (state.mode !== 2 || state.abi === null) return undefined;
  const abi = state.abi;
  const c = compileState(state, { abi, ...cfg }, faults);
  if (E.isLeft(c)) return undefined;
  const pol = ruleSetOfState(state, abi);
  const kill = actionValue({ kind: 'kill-process' });
  return verify(s, c.right.program, pol.ruleSet, {
    ret: (a) => (a.kind === 'allow' ? actionValue({ kind: 'allow' }) : kill),
    oracle: modelOracle(pol),
  });
}

test('V4 every program the compiler makes from a reached state is proven, both layouts (cut for test time: z3 is slow)', async (t) => {
  const s = await openSession();
  if (s instanceof Error) return t.fail(s.message);
  try {
    await fc.assert(
      fc.asyncProperty(
        anyAbi((abi) => reachedState(abi)),
        fc.constantFrom(...LAYOUTS),
        async (state, cfg) => {
          const r = await proveState(s, state, cfg);
          if (r !== undefined && r.kind !== 'proven')
            throw new Error(JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v)));
        },
      ),
      params(60),
    );
    t.pass();
  } finally {
    s.close();
  }
});

const MUTANTS: readonly (readonly [string, Faults])[] = [
  ['an argument `<` compared signed', { signedArgs: true }],
  ['a dropped high-word test', { dropHighWord: true }],
  ['an off-by-one jump', { offByOne: true }],
];

for (const [name, faults] of MUTANTS) {
  test(`V4 the proof alone finds ${name}, with a confirmed counterexample (up to 200 states)`, async (t) => {
    const s = await openSession();
    if (s instanceof Error) return t.fail(s.message);
    try {
      const r = await fc.check(
        fc.asyncProperty(
          anyAbi((abi) => reachedState(abi)),
          async (state) => {
            const v = await proveState(s, state, { layout: 'tree', fold: true }, faults);
            if (v?.kind === 'bug' || v?.kind === 'unknown') throw new Error(`the proof failed: ${JSON.stringify(v)}`);
            return v?.kind !== 'counterexample';
          },
        ),
        { numRuns: runs(200), seed: 2217, endOnFailure: true },
      );
      t.true(r.failed, `not found: ${name}`);
      t.notRegex(String(r.errorInstance), /the proof failed/);
      t.log(`found after ${r.numRuns} states`);
    } finally {
      s.close();
    }
  });
}
