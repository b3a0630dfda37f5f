/** S9.6 on the model: after fork, each side keeps the decisions of the fork. */
import test from 'ava';
import fc from 'fast-check';
import { params } from './support.ts';
import { forkIndependence } from './model-laws.ts';

test('S9.6 fork: parent and child decide as at the fork, whatever the other does', (t) => {
  t.notThrows(() => fc.assert(forkIndependence(), params(1000)));
});
