/** S9.2 on the model: a task's own prctl calls never widen what it may do. */
import test from 'ava';
import fc from 'fast-check';
import { params } from './support.ts';
import { reduceOnly } from './model-laws.ts';

test('S9.2 reduce-only: no prctl sequence turns a denied (nr, args, abi) into an allowed one', (t) => {
  t.notThrows(() => fc.assert(reduceOnly(), params(2000)));
});
