/**
 * The compiled program decides as the model does (S6.4, S3): for states
 * reached by several prctl calls and long policies, on boundary-biased
 * calls through every vector, the emulator's action on the program equals
 * the model's decision; every program passes the kernel's checks; the
 * kernel's constant-action cache allows every `1` entry and nothing the
 * model would deny; the optimised program agrees with its plain twin.
 */
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import * as model from '../src/model/index.ts';
import { longPolicy, reachedState } from './bpf-gen.ts';
import { agrees, anyAbi } from './bpf-laws.ts';
import { params } from './support.ts';

test('the program decides as the model on states reached by several prctl calls, both ABIs (cut for CI time; more under npm run props)', (t) => {
  fc.assert(agrees(anyAbi((abi) => reachedState(abi))), params(200));
  t.pass();
});

test('long policies with trampolines decide as the model (cut for CI time; more under npm run props)', (t) => {
  const state = anyAbi((abi) =>
    longPolicy(abi, 40, 140).map((text) =>
      E.getOrElse(() => model.INITIAL_STATE)(model.applyPolicy(model.INITIAL_STATE, text, abi)),
    ),
  );
  fc.assert(agrees(state), params(25));
  t.pass();
});
