/**
 * Protocol version 2 (spec/14, P9): requests with dialects, answers with
 * actions, the `rules` dialect's errors, and version 1 kept as it was.
 */
import test from 'ava';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import {
  decodeAnyAnswer,
  decodeAnyRequest,
  encodeAnyRequest,
  engineAnswerV2,
  isV2,
  modelAnswerV2,
  parseRulesJson,
  printRulesJson,
  serve,
  modelAnswer,
  type RequestV2,
} from '../src/conform/index.ts';

const z = ['0x0', '0x0', '0x0', '0x0', '0x0', '0x0'];
const line = (installs: unknown, extra: object = {}): string =>
  JSON.stringify({
    version: 2,
    id: 3,
    abi: 'x86_64',
    installs,
    calls: [{ vector: 'syscall', nr: 39, args: z }],
    ...extra,
  });

test('a version-2 request takes 2011 texts as they are and {dialect, text}; it encodes back the same', (t) => {
  const r = decodeAnyRequest(line(['getpid: 1', { dialect: 'rules', text: '{}' }, { dialect: 'minijail', text: 'x' }]));
  t.true(isRight(r));
  if (!isRight(r) || !isV2(r.right)) return;
  t.deepEqual(r.right.installs, [
    { dialect: '2011', text: 'getpid: 1' },
    { dialect: 'rules', text: '{}' },
    { dialect: 'minijail', text: 'x' },
  ]);
  t.deepEqual(decodeAnyRequest(encodeAnyRequest(r.right)), r);
  const v1 = decodeAnyRequest(JSON.stringify({ id: 1, abi: 'ia32', installs: ['read: 1'], calls: [] }));
  t.true(isRight(v1) && !isV2(v1.right), 'a line without a version is version 1');
});

test('bad version-2 requests and answers say what and where', (t) => {
  const bad: readonly [string, RegExp][] = [
    [line([{ dialect: 'Bad Name', text: '' }]), /installs\[0\]\.dialect: expected a dialect name/],
    [line([{ dialect: '2011', text: 'a\u0000b' }]), /installs\[0\]\.text: policy text has a NUL byte/],
    [line([{ dialect: 'rules', text: 7 }]), /installs\[0\]\.text: expected the install text/],
    [line([['x']]), /installs\[0\]: expected a 2011 policy text or \{"dialect"/],
    [line([], { version: 3 }), /version/],
  ];
  for (const [l, re] of bad) {
    const r = decodeAnyRequest(l);
    t.true(isLeft(r) && re.test(r.left), isLeft(r) ? r.left : `accepted ${l}`);
  }
  const answer = decodeAnyAnswer(JSON.stringify({ version: 2, id: 3, installs: [0], calls: ['errno:5000'] }));
  t.true(isLeft(answer) && /calls\[0\]: errno:5000: an errno is at most 4095/.test(answer.left));
  const ok = decodeAnyAnswer(JSON.stringify({ version: 2, id: 3, installs: [0], calls: ['trap'] }));
  t.deepEqual(isRight(ok) ? ok.right : null, { version: 2, id: 3, installs: [0], calls: ['trap:0'] });
});

test('the rules dialect reads every condition and action, prints what it reads, and names the place of an error', (t) => {
  const text = JSON.stringify({
    otherArch: 'kill-process',
    arches: {
      x86_64: {
        otherwise: 'errno:1',
        calls: {
          '39': [
            {
              when: { and: [{ arg: 0, op: '<', value: '0x10' }, { not: { arg: 1, mask: '0xff', value: '0x2' } }] },
              action: 'trap:3',
            },
            { when: { or: [false, true] }, action: 'log' },
          ],
        },
      },
      x32: { otherwise: 'allow', calls: { '-1': [{ action: 'kill' }] } },
    },
  });
  const rs = parseRulesJson(text);
  t.true('ok' in rs);
  if (!('ok' in rs)) return;
  t.deepEqual(parseRulesJson(printRulesJson(rs.ok)), rs);
  const errors: readonly [string, RegExp][] = [
    ['nope', /^rules: not JSON/],
    ['[]', /^rules: expected \{"otherArch"/],
    ['{"otherArch": "die"}', /^otherArch: unknown action 'die'/],
    ['{"otherArch": "allow", "arches": {"arm": {}}}', /^arches\.arm: expected x86_64, ia32 or x32/],
    ['{"otherArch": "allow", "arches": {"ia32": 1}}', /^arches\.ia32: expected \{"otherwise"/],
    [
      '{"otherArch": "allow", "arches": {"ia32": {"otherwise": "allow", "calls": {"x": []}}}}',
      /calls\.x: expected a signed 32-bit/,
    ],
    [
      '{"otherArch": "allow", "arches": {"ia32": {"otherwise": "allow", "calls": {"1": [{"when": {"arg": 9, "op": "==", "value": "0x0"}, "action": "allow"}]}}}}',
      /\[0\]\.when\.arg: expected an argument index/,
    ],
    [
      '{"otherArch": "allow", "arches": {"ia32": {"otherwise": "allow", "calls": {"1": [{"when": {"arg": 0, "op": "=", "value": "0x0"}, "action": "allow"}]}}}}',
      /when\.op: expected one of/,
    ],
    [
      '{"otherArch": "allow", "arches": {"ia32": {"otherwise": "allow", "calls": {"1": [{"when": {"arg": 0, "op": "==", "value": "1"}, "action": "allow"}]}}}}',
      /when\.value: expected "0x"/,
    ],
    [
      '{"otherArch": "allow", "arches": {"ia32": {"otherwise": "allow", "calls": {"1": [{"when": {"and": 1}, "action": "allow"}]}}}}',
      /when\.and: expected an array/,
    ],
    [
      '{"otherArch": "allow", "arches": {"ia32": {"otherwise": "allow", "calls": {"1": [7]}}}}',
      /calls\.1\[0\]: expected \{"when"/,
    ],
    [
      '{"otherArch": "allow", "arches": {"ia32": {"otherwise": "allow", "calls": {"1": 7}}}}',
      /calls\.1: expected an array of rules/,
    ],
  ];
  for (const [bad, re] of errors) {
    const r = parseRulesJson(bad);
    t.true('error' in r && re.test(r.error), 'error' in r ? r.error : `accepted ${bad}`);
  }
});

test('the model answers a stack of filters by precedence, and another dialect is unsupported', (t) => {
  const rules = (action: string): { dialect: string; text: string } => ({
    dialect: 'rules',
    text: JSON.stringify({ otherArch: 'allow', arches: { x86_64: { otherwise: action, calls: {} } } }),
  });
  const r: RequestV2 = {
    version: 2,
    id: 9,
    abi: 'x86_64',
    installs: [rules('errno:1'), rules('trap:2'), rules('errno:3')],
    calls: [{ vector: 'syscall', nr: 39, args: [0n, 0n, 0n, 0n, 0n, 0n] }],
  };
  t.deepEqual(modelAnswerV2(r), { version: 2, id: 9, installs: [0, 0, 0], calls: ['trap:2'] });
  t.deepEqual(modelAnswerV2({ ...r, installs: [{ dialect: 'kafel', text: '' }] }), {
    version: 2,
    id: 9,
    unsupported: "dialect 'kafel' is not known to this adapter",
  });
});

test('serve answers a version-2 request unsupported when the adapter has no version 2', async (t) => {
  let out = '';
  async function* lines(): AsyncGenerator<string> {
    yield line([]);
  }
  t.is(
    await serve(
      modelAnswer,
      lines(),
      (s) => void (out += s),
      () => undefined,
    ),
    0,
  );
  t.deepEqual(JSON.parse(out), { version: 2, id: 3, unsupported: 'this adapter speaks protocol version 1 only' });
});

test('the model and the engine answer rules installs with their own stacks (installRules, decide): the same actions', (t) => {
  const rules = (action: string, calls: Record<string, unknown> = {}): { dialect: string; text: string } => ({
    dialect: 'rules',
    text: JSON.stringify({ otherArch: 'allow', arches: { x86_64: { otherwise: action, calls } } }),
  });
  const call = (nr: number): RequestV2['calls'][number] => ({ vector: 'syscall', nr, args: [0n, 0n, 0n, 0n, 0n, 0n] });
  const ask = (installs: RequestV2['installs'], nrs: readonly number[]): RequestV2 => ({
    version: 2,
    id: 1,
    abi: 'x86_64',
    installs,
    calls: nrs.map(call),
  });
  const cases: [RequestV2, readonly number[], readonly string[]][] = [
    [ask([rules('errno:1'), rules('trap:2'), rules('errno:3')], [39]), [0, 0, 0], ['trap:2']],
    [ask([rules('errno:1'), rules('errno:3')], [39]), [0, 0], ['errno:3']],
    [ask([{ dialect: '2011', text: 'getpid: 1\n' }, rules('errno:5')], [39, 1]), [0, 0], ['errno:5', 'kill']],
    [
      ask([rules('allow', { '39': [{ action: 'log' }] }), { dialect: 'rules', text: '{' }], [39, 1]),
      [0, -22],
      ['log', 'allow'],
    ],
    [ask([rules('kill-thread'), rules('kill-process')], [60]), [0, 0], ['kill-process']],
  ];
  for (const [r, installs, calls] of cases) {
    t.deepEqual(modelAnswerV2(r), { version: 2, id: 1, installs, calls }, JSON.stringify(r.installs));
    t.deepEqual(engineAnswerV2(r), { version: 2, id: 1, installs, calls }, JSON.stringify(r.installs));
  }
  // A pending grant (on_next_syscall) lets the next call through whatever the stack says, in both.
  const pending = ask([{ dialect: '2011', text: 'getpid: 1\non_next_syscall: 1\n' }, rules('errno:5')], [39, 1]);
  t.deepEqual(engineAnswerV2(pending), modelAnswerV2(pending));
  // The engine checks its own prctl at entry: under a stack that kills it, the 2011 install cannot be made (P4).
  const blocked = ask([rules('kill-process'), { dialect: '2011', text: 'getpid: 1\n' }], [39]);
  const b = engineAnswerV2(blocked);
  t.true('unsupported' in b && /prctl itself/.test(b.unsupported), JSON.stringify(b));
  t.like(modelAnswerV2(blocked), { installs: [0, 0], calls: ['kill-process'] });
});
