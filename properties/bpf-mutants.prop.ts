/**
 * The BPF laws catch compiler bugs: each bug is planted through the
 * compiler's faults parameter, and the property of bpf-model.prop.ts must
 * fail on it (it passes on the real compiler there).
 */
import test from 'ava';
import fc from 'fast-check';
import { compileState } from '../src/bpf/index.ts';
import type { Faults } from '../src/bpf/index.ts';
import { reachedState } from './bpf-gen.ts';
import { agrees, anyAbi } from './bpf-laws.ts';
import { runs } from './support.ts';

const settings = { numRuns: runs(300), seed: 9090, endOnFailure: true };

const MUTANTS: readonly (readonly [string, Faults])[] = [
  ['an argument `<` compared signed', { signedArgs: true }],
  ['a dropped high-word test', { dropHighWord: true }],
  ['an off-by-one jump', { offByOne: true }],
];

for (const [name, faults] of MUTANTS) {
  test(`the model-equivalence property catches ${name}`, (t) => {
    const r = fc.check(
      agrees(
        anyAbi((abi) => reachedState(abi)),
        (state, opts) => compileState(state, opts, faults),
      ),
      settings,
    );
    t.true(r.failed, `not caught: ${name}`);
    t.log(`found after ${r.numRuns} runs`);
  });
}
