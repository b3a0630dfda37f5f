/**
 * Rule sets compiled to BPF decide as the decision form (R1 to R4, A2):
 * on rule sets with every action and every condition kind over x86_64,
 * ia32 and x32, the program returns for each call exactly the value of
 * decideRules' answer, both ABIs, arguments with their upper halves set,
 * x32 and negative numbers; every layout agrees and passes the kernel's
 * checks; the constant-action cache allows every unconditional allow and
 * nothing else.
 */
import test from 'ava';
import fc from 'fast-check';
import { rulesAgree, type Seen } from './bpf-laws.ts';
import { params } from './support.ts';

test('the program of a rule set returns decideRules’ action on every call, every arch and action (cut for CI time; more under npm run props)', (t) => {
  const seen: Seen = new Map();
  fc.assert(rulesAgree(undefined, seen), params(300));
  t.log(
    [...seen]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => `${k}: ${n}`)
      .join(', '),
  );
  for (const key of [
    'answer allow',
    'answer errno',
    'answer trap',
    'answer kill',
    'cond masked',
    'cond cmp',
    'x32 number',
    'upper half set',
    'abi ia32',
  ])
    t.true((seen.get(key) ?? 0) > 0, `never tried: ${key}`);
});
