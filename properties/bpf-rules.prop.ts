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
import * as E from 'fp-ts/lib/Either.js';
import { ALLOW, SECCOMP_RET } from '../src/action/index.ts';
import { AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, compileRules, emulate, type CompiledRules } from '../src/bpf/index.ts';
import { RUN_KILL_NR, withKillNumbers } from '../src/native/index.ts';
import { rulesAgree, type RulesCompileFn, type Seen } from './bpf-laws.ts';
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

test('run’s five instructions in front (withKillNumbers) change no answer of a compiled rule set and kill its two numbers on every arch (cut for CI time)', (t) => {
  const wrapped: RulesCompileFn = (rs, opts) =>
    E.map((c: CompiledRules) => ({ ...c, program: withKillNumbers(c.program) }))(compileRules(rs, opts));
  fc.assert(rulesAgree(wrapped), params(100));
  const any = compileRules({ arches: {}, otherArch: ALLOW }, {});
  if (E.isLeft(any)) return t.fail(any.left.message);
  const program = withKillNumbers(any.right.program);
  for (const arch of [AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, 0x1234]) {
    const answer = (nr: number): number => emulate(program, { nr, arch, instructionPointer: 0n, args: [] }).ret;
    t.is(answer(RUN_KILL_NR['kill-process']), SECCOMP_RET.KILL_PROCESS);
    t.is(answer(RUN_KILL_NR['kill-thread']), SECCOMP_RET.KILL_THREAD);
    t.is(answer(RUN_KILL_NR['kill-thread'] + 1), SECCOMP_RET.ALLOW);
  }
});
