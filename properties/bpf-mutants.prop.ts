/**
 * The BPF laws catch compiler bugs: each bug is planted through the
 * compiler's faults parameter, and the properties of bpf-model.prop.ts and
 * bpf-rules.prop.ts must fail on it (they pass on the real compiler there).
 */
import test from 'ava';
import fc from 'fast-check';
import { compileRules, compileState } from '../src/bpf/index.ts';
import type { Faults } from '../src/bpf/index.ts';
import { reachedState } from './bpf-gen.ts';
import { agrees, anyAbi, rulesAgree } from './bpf-laws.ts';
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

const RULE_MUTANTS: readonly (readonly [string, Faults])[] = [
  ...MUTANTS,
  ['an ia32 argument read with its upper half', { ia32HighWord: true }],
  ['x32 numbers dispatched as x86_64 ones', { noX32Split: true }],
  ['a masked test of the low word only', { maskLowOnly: true }],
  ["a number's rules tried last to first", { rulesReversed: true }],
];

for (const [name, faults] of RULE_MUTANTS) {
  test(`the rule-set property catches ${name} (a bounded search)`, (t) => {
    const r = fc.check(
      rulesAgree((rs, opts) => compileRules(rs, opts, faults)),
      settings,
    );
    t.true(r.failed, `not caught: ${name}`);
    t.log(`found after ${r.numRuns} runs`);
  });
}
