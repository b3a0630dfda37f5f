/** S9.4 on the model: every failing call changes nothing, and nothing throws. */
import test from 'ava';
import fc from 'fast-check';
import { params } from './support.ts';
import { failClosed } from './model-laws.ts';

test('S9.4 fail-closed: an errno result leaves every task and the log unchanged', (t) => {
  t.notThrows(() => fc.assert(failClosed(), params(1500)));
});
