/** S9.5 on the model: filters bound to one ABI never allow a call through the other. */
import test from 'ava';
import fc from 'fast-check';
import { params } from './support.ts';
import { abiBinding } from './model-laws.ts';

test('S9.5 ABI binding: a call through the other ABI is always killed', (t) => {
  t.notThrows(() => fc.assert(abiBinding(), params(1500)));
});
