/**
 * Regressions from an adversarial review of the model and the engine
 * together: each block's comment says what both once did wrong.
 */
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import * as O from 'fp-ts/lib/Option.js';
import * as model from '../src/model/index.ts';
import { Kernel } from '../src/impl/index.ts';

const bytes = (s: string): number[] => [...s].map((c) => c.charCodeAt(0)).concat([0]);
const PR_SET_SECCOMP_FILTER = 36n;

// S8: /proc/<pid>/seccomp_filter is a header and one `SystemCall:`/`Filter:`
// line pair per entry. C1 makes `\n` whitespace inside a filter, and a
// per-call SET keeps the text verbatim, so a filter `fd == 0\n|| fd == 1`
// splits its `Filter:` line in two and the file gets a line that is neither
// (`|| fd == 1`). Both the model and the engine printed it so; C34 now
// stores line breaks inside a filter as spaces.
const TEXT = 'fd == 0\n|| fd == 1';
const shapeOk = (proc: string): boolean => {
  const lines = proc.replace(/\n$/, '').split('\n');
  return lines.slice(2).every((l, i) => (i % 2 === 0 ? l.startsWith('SystemCall: ') : l.startsWith('Filter: ')));
};

test('regression: S8 the model /proc text keeps one Filter line per entry when the filter text has a newline', (t) => {
  let m = model.initialMachine();
  let pid: number;
  [m, pid] = model.spawn(m, 'x86_64', 'p');
  const w = model.writeMemory(m, pid, 0x1000n, bytes(TEXT));
  if (E.isLeft(w)) return t.fail(w.left);
  const s = model.syscall(w.right, pid, 'syscall', { rax: 157n, rdi: PR_SET_SECCOMP_FILTER, rsi: 0n, rdx: 0x1000n });
  t.deepEqual(s.outcome, { kind: 'return', rax: 0n });
  const proc = O.getOrElse(() => '')(model.procSeccompFilter(s.machine, pid));
  t.true(shapeOk(proc), proc);
});

test('regression: S8 the engine /proc text keeps one Filter line per entry when the filter text has a newline', (t) => {
  const k = new Kernel();
  const pid = k.spawn('x86_64', 'p');
  t.true(k.writeMemory(pid, 0x1000n, bytes(TEXT)));
  t.deepEqual(k.syscall(pid, 'syscall', { rax: 157n, rdi: PR_SET_SECCOMP_FILTER, rsi: 0n, rdx: 0x1000n }), { kind: 'return', rax: 0n });
  const proc = k.procSeccompFilter(pid) ?? '';
  t.true(shapeOk(proc), proc);
});

// S9.4: the host API answers any length: the engine's readMemory once threw
// RangeError for a negative, fractional or huge length (typed-array and
// BigInt conversions), and the model read a fractional length as rounded up.
test('regression: readMemory answers bad lengths with none on both the model and the engine', (t) => {
  const k = new Kernel();
  const pid = k.spawn('x86_64', 'p');
  t.true(k.writeMemory(pid, 0x1000n, [1, 2, 3]));
  let m = model.initialMachine();
  let mp: number;
  [m, mp] = model.spawn(m, 'x86_64', 'p');
  const w = model.writeMemory(m, mp, 0x1000n, [1, 2, 3]);
  if (E.isLeft(w)) return t.fail(w.left);
  for (const len of [-1, 1.5, NaN, Infinity, 1e12, 2 ** 53]) {
    t.is(k.readMemory(pid, 0x1000n, len), undefined, `engine, len ${len}`);
    t.true(O.isNone(model.readMemory(w.right, mp, 0x1000n, len)), `model, len ${len}`);
  }
  t.deepEqual([...(k.readMemory(pid, 0x1000n, 3) ?? [])], [1, 2, 3]);
  t.deepEqual(model.readMemory(w.right, mp, 0x1000n, 3), O.some([1, 2, 3]));
});
