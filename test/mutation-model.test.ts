/**
 * S10: plant each historical bug in a copy of the model (through its
 * pluggable Rules) and show that the matching property finds it, while the
 * same property holds for the real model.
 */
import test from 'ava';
import fc from 'fast-check';
import { CORRECT_RULES, type Rules } from '../src/model/index.ts';
import { abiBinding, mergeLaw, reduceOnly } from '../properties/model-laws.ts';

/** S10.1 the draft's merge: no parentheses around the new filter. */
const UNPARENTHESISED_MERGE: Rules = { ...CORRECT_RULES, mergeText: (old, next) => `(${old}) && ${next}` };
/** S10.2 the draft's ABI check, inverted: kill when the ABIs match. */
const INVERTED_ABI_CHECK: Rules = { ...CORRECT_RULES, abiMatches: (stateAbi, callAbi) => stateAbi !== callAbi };

/** Enough runs that the property finds each bug in every seed tried; fc.check stops at the first failure. */
const RUNS = 3000;

test('S10.1 an unparenthesised merge breaks S9.2 reduce-only', (t) => {
  const r = fc.check(reduceOnly(UNPARENTHESISED_MERGE), { numRuns: RUNS });
  t.true(r.failed, 'reduce-only did not catch `(old) && new`');
  t.log(`found after ${r.numRuns} runs: ${fc.stringify(r.counterexample)}`);
});

test('S10.1 an unparenthesised merge breaks S9.7 the merge law', (t) => {
  const r = fc.check(mergeLaw(UNPARENTHESISED_MERGE), { numRuns: RUNS });
  t.true(r.failed, 'the merge law did not catch `(old) && new`');
});

test('S10.2 an inverted ABI check breaks S9.5 ABI binding', (t) => {
  const r = fc.check(abiBinding(INVERTED_ABI_CHECK), { numRuns: RUNS });
  t.true(r.failed, 'ABI binding did not catch the inverted check');
  t.log(`found after ${r.numRuns} runs: ${fc.stringify(r.counterexample)}`);
});

test('the same properties hold for the real model', (t) => {
  t.false(fc.check(reduceOnly(CORRECT_RULES), { numRuns: 300 }).failed);
  t.false(fc.check(mergeLaw(CORRECT_RULES), { numRuns: 300 }).failed);
  t.false(fc.check(abiBinding(CORRECT_RULES), { numRuns: 300 }).failed);
});
