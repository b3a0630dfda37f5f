/**
 * S10 the suites catch the historical bugs: each is planted in an engine
 * instance through its rules option, and the reduce-only (S9.2), ABI
 * binding (S9.5) and differential (S9.1) properties must fail on it, while
 * they pass on the real engine (diff-laws.prop.ts, diff-machine.prop.ts).
 */
import test from 'ava';
import fc from 'fast-check';
import { CORRECT_RULES, Kernel, type EngineRules } from '../src/kernel/index.ts';
import { decisionCommands } from './diff-gen.ts';
import { abiBinding, reduceOnly } from './diff-laws.ts';
import { firstDifference } from './diff-run.ts';
import { runs } from './support.ts';

/** S10.1 the earlier draft's merge: `new` not parenthesised, so `a || b` escapes the `&&`. */
const UNPARENTHESISED_MERGE: EngineRules = { ...CORRECT_RULES, mergeText: (old, next) => `(${old}) && ${next}` };
/** S10.2 the earlier draft's inverted ABI check: kill when the ABIs match. */
const INVERTED_ABI: EngineRules = { ...CORRECT_RULES, abiMatches: (stateAbi, callAbi) => stateAbi !== callAbi };

const withRules = (rules: EngineRules) => (): Kernel => new Kernel({ rules });
const settings = { numRuns: runs(2000), seed: 4242, endOnFailure: true };

test('S10.1 the reduce-only property fails on the unparenthesised merge', (t) => {
  const r = fc.check(reduceOnly(withRules(UNPARENTHESISED_MERGE)), settings);
  t.true(r.failed, 'S9.2 did not catch the S10.1 merge');
  t.log(`found after ${r.numRuns} runs`);
});

test('S10.2 the ABI-binding property fails on the inverted ABI check', (t) => {
  const r = fc.check(abiBinding(withRules(INVERTED_ABI)), settings);
  t.true(r.failed, 'S9.5 did not catch the S10.2 inversion');
  t.log(`found after ${r.numRuns} runs`);
});

test('S10 the differential property fails on each planted bug', (t) => {
  for (const [name, rules] of [
    ['S10.1', UNPARENTHESISED_MERGE],
    ['S10.2', INVERTED_ABI],
  ] as const) {
    const r = fc.check(
      fc.property(decisionCommands(30), (cmds) => firstDifference(cmds, new Kernel({ rules })) === undefined),
      settings,
    );
    t.true(r.failed, `S9.1 did not catch ${name}`);
    t.log(`${name} found after ${r.numRuns} runs`);
  }
});
