/** S9.7 on the model: deciding (a) && (b) is deciding a and deciding b. */
import test from 'ava';
import fc from 'fast-check';
import { params } from './support.ts';
import { mergeLaw } from './model-laws.ts';

test('S9.7 merge: the merged filter allows exactly when both filters do', (t) => {
  t.notThrows(() => fc.assert(mergeLaw(), params(3000)));
});
