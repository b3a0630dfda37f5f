/** S9.3 on the model: strict mode allows exactly the S6.3 sets. */
import test from 'ava';
import fc from 'fast-check';
import { params } from './support.ts';
import { strictSets } from './model-laws.ts';

test('S9.3 strict mode allows exactly read, write, exit, (rt_)sigreturn of the calling ABI', (t) => {
  t.notThrows(() => fc.assert(strictSets(), params(5000)));
});
