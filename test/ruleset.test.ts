import test from 'ava';
import { ALLOW, KILL_PROCESS, LOG, errno } from '../src/action/index.ts';
import { X32_BIT, archOfCall, decideRules, holds, type Cond, type RuleSet } from '../src/ruleset/index.ts';

const U64 = (1n << 64n) - 1n;
const cmp = (op: '==' | '!=' | '<' | '<=' | '>' | '>=', value: bigint): Cond => ({ kind: 'cmp', arg: 0, op, value });

test('R2 comparisons are unsigned 64-bit; masked tests the masked bits; and, or, not compose', (t) => {
  t.true(holds(cmp('>', 1n), [U64]));
  t.true(holds(cmp('==', -1n), [U64]));
  t.false(holds(cmp('<', 0n), [0n]));
  t.true(holds(cmp('<=', 0n), [0n]));
  t.true(holds(cmp('>=', 5n), [5n]));
  t.true(holds(cmp('!=', 5n), [4n]));
  t.true(holds({ kind: 'masked', arg: 1, mask: 0xf0n, value: 0x10n }, [0n, 0x1fn]));
  t.false(holds({ kind: 'masked', arg: 1, mask: 0xf0n, value: 0x10n }, [0n, 0x2fn]));
  t.true(holds({ kind: 'and', of: [{ kind: 'true' }, { kind: 'not', of: { kind: 'false' } }] }, []));
  t.false(holds({ kind: 'or', of: [] }, []));
  t.true(holds(cmp('==', 0n), []), 'a missing argument reads 0');
});

const rs: RuleSet = {
  arches: {
    x86_64: {
      calls: new Map([
        [
          1,
          [
            { when: cmp('==', 1n), action: ALLOW, origin: { text: 'write: arg0 == 1' } },
            { when: { kind: 'true' }, action: errno(9), origin: { text: 'write: return EBADF' } },
          ],
        ],
        [39, [{ when: { kind: 'true' }, action: LOG, origin: { text: 'getpid: log' } }]],
      ]),
      otherwise: errno(1),
    },
  },
  otherArch: KILL_PROCESS,
};

test('R4 the first rule that holds answers; otherwise the default; another arch or x32 gets otherArch', (t) => {
  t.deepEqual(decideRules(rs, 'x86_64', 1, [1n]).action, ALLOW);
  t.is(decideRules(rs, 'x86_64', 1, [1n]).rule?.origin.text, 'write: arg0 == 1');
  t.deepEqual(decideRules(rs, 'x86_64', 1, [2n]).action, errno(9));
  t.deepEqual(decideRules(rs, 'x86_64', 39, []).action, LOG);
  t.like(decideRules(rs, 'x86_64', 2, []), { action: errno(1), by: 'otherwise' });
  t.like(decideRules(rs, 'ia32', 1, [1n]), { action: KILL_PROCESS, by: 'other-arch' });
  t.like(decideRules(rs, 'x86_64', X32_BIT | 1, [1n]), { action: KILL_PROCESS, by: 'other-arch' });
  t.is(archOfCall('x86_64', -1), 'x32', 'a negative number has bit 30 set');
  t.is(archOfCall('ia32', X32_BIT), 'ia32');
});
