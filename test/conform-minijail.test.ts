/**
 * Protocol version 2 installs in the minijail dialect (P9): the model,
 * engine, BPF and Linux adapters read them as spec/17-minijail.md does and
 * answer each call with the action decideRules gives; a text that does not
 * read is refused with -EINVAL; a stack with a 2011 filter combines.
 */
import test from 'ava';
import { formatAction } from '../src/action/index.ts';
import {
  bpfAnswerV2,
  engineAnswer,
  engineAnswerV2,
  installRules,
  linuxAnswerV2,
  modelAnswerV2,
  serve,
  type AnswerV2,
  type RequestV2,
} from '../src/conform/index.ts';
import { parseMinijail } from '../src/minijail/index.ts';
import { decideRules } from '../src/ruleset/index.ts';
import { loadUapi } from '../src/x86/uapi.ts';

const POLICY = [
  'read: arg0 == 0',
  'read: return EBADF',
  'write: arg0 == 1 || arg0 == 2',
  'getpid: log',
  'uname: return EPERM',
  'ioctl: arg1 == TCGETS; return ENOTTY',
  '@default kill-process',
].join('\n');

const z = [0n, 0n, 0n, 0n, 0n, 0n];
const CALLS = [
  { vector: 'syscall', nr: 0, args: z },
  { vector: 'syscall', nr: 0, args: [3n, 0n, 0n, 0n, 0n, 0n] },
  { vector: 'syscall', nr: 1, args: [2n, 0n, 0n, 0n, 0n, 0n] },
  { vector: 'syscall', nr: 1, args: [5n, 0n, 0n, 0n, 0n, 0n] },
  { vector: 'syscall', nr: 39, args: z },
  { vector: 'syscall', nr: 63, args: z },
  { vector: 'syscall', nr: 16, args: [1n, 0x5401n, 0n, 0n, 0n, 0n] },
  { vector: 'syscall', nr: 60, args: z },
  { vector: 'int80', nr: 20, args: z },
] as const;

const request = (installs: RequestV2['installs']): RequestV2 => ({
  version: 2,
  id: 1,
  abi: 'x86_64',
  installs,
  calls: CALLS.map((c) => ({ ...c, args: [...c.args] })),
});

test('P9 every adapter answers a minijail install with decideRules’ actions; a bad text is -EINVAL', async (t) => {
  const uapi = await loadUapi('x86_64');
  await loadUapi('ia32');
  const parsed = parseMinijail(POLICY, uapi, { abi: 'x86_64', file: 'p' });
  if (!parsed.ok) return t.fail(parsed.errors[0]!.message);
  const want = CALLS.map((c) =>
    formatAction(
      decideRules(
        parsed.policy.ruleSet,
        c.vector === 'syscall' ? 'x86_64' : 'ia32',
        c.nr,
        c.vector === 'syscall' ? c.args : c.args.map((a) => BigInt.asUintN(32, a)),
      ).action,
    ),
  );
  t.deepEqual(want, [
    'allow',
    'errno:9',
    'allow',
    'kill-process',
    'log',
    'errno:1',
    'errno:25',
    'kill-process',
    'kill-thread',
  ]);
  const r = request([{ dialect: 'minijail', text: POLICY }]);
  for (const [name, answer] of [
    ['model', modelAnswerV2],
    ['engine', engineAnswerV2],
    ['bpf', bpfAnswerV2],
    ['linux', linuxAnswerV2],
  ] as const) {
    const a: AnswerV2 = answer(r);
    t.false('unsupported' in a, `${name}: ${JSON.stringify(a)}`);
    if ('unsupported' in a) continue;
    t.deepEqual(a.installs, [0], name);
    t.deepEqual(a.calls, want, name);
    const bad = answer(request([{ dialect: 'minijail', text: 'read: arg0 == NO_SUCH_CONSTANT\n' }]));
    t.deepEqual('unsupported' in bad ? bad : bad.installs, [-22], name);
    // Over a 2011 filter that allows only read and exit: the stack's precedence (A3).
    const both = answer(
      request([
        { dialect: '2011', text: 'read: 1\nexit: 1\n' },
        { dialect: 'minijail', text: POLICY },
      ]),
    );
    if ('unsupported' in both) return t.fail(`${name}: ${both.unsupported}`);
    t.deepEqual(both.calls.slice(0, 4), ['allow', 'errno:9', 'kill', 'kill'], name);
  }
  t.is(installRules({ dialect: 'minijail', text: '@include ./x.policy\n' }, 'x86_64'), 'invalid');
});

test.serial('P9 serve reads the UAPI tables before the first minijail install', async (t) => {
  const out: string[] = [];
  const line = JSON.stringify({
    version: 2,
    id: 7,
    abi: 'ia32',
    installs: [{ dialect: 'minijail', text: 'uname: return EPERM\n@default kill-process\n' }],
    calls: [{ vector: 'int80', nr: 122, args: ['0x0', '0x0', '0x0', '0x0', '0x0', '0x0'] }],
  });
  async function* lines(): AsyncIterable<string> {
    yield line;
  }
  const code = await serve(
    engineAnswer,
    lines(),
    (s) => void out.push(s),
    (s) => void out.push(s),
    engineAnswerV2,
  );
  t.is(code, 0, out.join(''));
  t.deepEqual(JSON.parse(out[0]!), { version: 2, id: 7, installs: [0], calls: ['errno:1'] });
});
