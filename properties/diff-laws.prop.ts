/**
 * S9.2, S9.3, S9.5, S9.6 on the engine alone: reduce-only, strict sets,
 * ABI binding and fork independence, each checked with decisions and the
 * entry path.
 */
import test from 'ava';
import fc from 'fast-check';
import { VERDICT, Kernel } from '../src/kernel/index.ts';
import { syscallTable } from '../src/x86/table.ts';
import { abiBinding, forkIndependence, MAX_VACUOUS_SHARE, reduceOnly, tally } from './diff-laws.ts';
import { params } from './support.ts';

const engine = (): Kernel => new Kernel();

test('S9.2 reduce-only: a filtering task never widens its own access (cut for CI time; more under npm run props)', (t) => {
  fc.assert(reduceOnly(engine), params(400));
  t.pass();
});

test('S9.5 ABI binding: calls through the other ABI are never allowed; vacuous in at most 2% of runs (cut for CI time; more under npm run props)', (t) => {
  const count = tally();
  fc.assert(abiBinding(engine, count), params(300));
  t.log(`decided ${count.decided}, vacuous ${count.vacuous}`);
  t.true(
    count.vacuous <= MAX_VACUOUS_SHARE * (count.decided + count.vacuous),
    `vacuous in ${count.vacuous} of ${count.decided + count.vacuous} runs`,
  );
});

test('S9.6 fork: parent and child decide alike at the fork and independently after; vacuous in at most 2% of runs (cut for CI time; more under npm run props)', (t) => {
  const count = tally();
  fc.assert(forkIndependence(engine, count), params(200));
  t.log(`decided ${count.decided}, vacuous ${count.vacuous}`);
  t.true(
    count.vacuous <= MAX_VACUOUS_SHARE * (count.decided + count.vacuous),
    `vacuous in ${count.vacuous} of ${count.decided + count.vacuous} runs`,
  );
});

test('S9.3 strict mode allows exactly read, write, exit and (rt_)sigreturn of each ABI', (t) => {
  const k = new Kernel();
  const pids = (['x86_64', 'ia32'] as const).map((abi) => {
    const pid = k.spawn(abi, 'strict');
    k.syscall(pid, 'int80', { rax: 172n, rbx: 22n, rcx: 1n });
    return pid;
  });
  const allowed = new Map<string, number[]>();
  for (const pid of pids) {
    for (const vector of ['syscall', 'int80'] as const) {
      const key = `${pid}/${vector}`;
      for (let nr = -2; nr < syscallTable('ia32').nrSyscalls + 2; nr++) {
        if (k.decide(pid, vector, nr, []) === VERDICT.ALLOW) allowed.set(key, [...(allowed.get(key) ?? []), nr]);
      }
    }
  }
  t.deepEqual(Object.fromEntries(allowed), {
    [`${pids[0]}/syscall`]: [0, 1, 15, 60],
    [`${pids[0]}/int80`]: [1, 3, 4, 119],
    [`${pids[1]}/syscall`]: [1, 3, 4, 119],
    [`${pids[1]}/int80`]: [1, 3, 4, 119],
  });
});
