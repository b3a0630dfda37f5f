import test from 'ava';
import {
  ALLOW,
  KILL_2011,
  KILL_PROCESS,
  KILL_THREAD,
  LOG,
  SECCOMP_RET,
  USER_NOTIF,
  actionRank,
  actionRet,
  actionRuns,
  combine,
  errno,
  formatAction,
  isActionError,
  parseAction,
  retAction,
  sameAction,
  trace,
  trap,
  type Action,
} from '../src/action/index.ts';

const EVERY: readonly Action[] = [
  KILL_2011,
  KILL_PROCESS,
  KILL_THREAD,
  trap(7),
  errno(1),
  USER_NOTIF,
  trace(9),
  LOG,
  ALLOW,
];

test('A4 every action spells as the protocol says and parses back', (t) => {
  t.deepEqual(EVERY.map(formatAction), [
    'kill',
    'kill-process',
    'kill-thread',
    'trap:7',
    'errno:1',
    'user-notif',
    'trace:9',
    'log',
    'allow',
  ]);
  for (const a of EVERY) t.deepEqual(parseAction(formatAction(a)), a);
  t.deepEqual(parseAction('trap'), trap(0));
  t.deepEqual(parseAction('trace'), trace(0));
});

test('A4 bad spellings are errors that say what is valid', (t) => {
  for (const [text, part] of [
    ['errno:4096', 'at most 4095'],
    ['trace:65536', 'at most 65535'],
    ['deny', 'expected one of'],
    ['errno:', 'expected one of'],
  ] as const) {
    const r = parseAction(text);
    t.true(isActionError(r), text);
    if (isActionError(r)) t.true(r.message.includes(part), r.message);
  }
  t.throws(() => errno(4096), { instanceOf: RangeError });
  t.throws(() => trap(-1), { instanceOf: RangeError });
  t.throws(() => trace(1.5), { instanceOf: RangeError });
});

test('A2 return values round-trip; the 2011 kill returns what the caller says; unknown values kill the process', (t) => {
  for (const a of EVERY.slice(1)) t.deepEqual(retAction(actionRet(a)), a);
  t.is(actionRet(KILL_2011), SECCOMP_RET.KILL_PROCESS);
  t.is(actionRet(KILL_2011, SECCOMP_RET.KILL_THREAD), SECCOMP_RET.KILL_THREAD);
  t.is(actionRet(errno(13)), 0x0005000d);
  t.deepEqual(retAction(0x00010000), KILL_PROCESS);
  t.deepEqual(retAction(0x00050000 | 0xffff), errno(4095));
});

test('A3 the strongest kind wins; of one kind the newest data wins; an empty stack allows', (t) => {
  t.deepEqual(EVERY.map(actionRank), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  for (let i = 0; i < EVERY.length; i++)
    for (let j = 0; j < EVERY.length; j++) {
      const want = i <= j ? EVERY[i] : EVERY[j];
      t.deepEqual(combine([EVERY[i]!, EVERY[j]!]), want);
    }
  t.deepEqual(combine([errno(1), errno(2)]), errno(1));
  t.deepEqual(combine([trap(5), ALLOW, trap(6)]), trap(5));
  t.deepEqual(combine([]), ALLOW);
  t.true(actionRuns(LOG) && actionRuns(ALLOW) && !actionRuns(errno(0)));
  t.true(sameAction(errno(2), errno(2)) && !sameAction(errno(2), errno(3)));
});
