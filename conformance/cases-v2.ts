/**
 * The hand-written cases of the version-2 corpus (P9): one for each action
 * a filter can answer and for the precedence between stacked filters (A3),
 * each tagged with its rule. Only requests are written here: the expected
 * answers are the model's, and test/conform-corpus.test.ts checks that
 * conformance/corpus-v2.jsonl is exactly what this builds. Ids start at
 * 1001, after the version-1 corpus's.
 */
import type { Action } from '../src/action/index.ts';
import {
  ALLOW,
  errno,
  KILL_2011,
  KILL_PROCESS,
  KILL_THREAD,
  LOG,
  trace,
  trap,
  USER_NOTIF,
} from '../src/action/index.ts';
import {
  corpusHeader,
  encodeCase,
  modelAnswerV2,
  printRulesJson,
  type CorpusCase,
  type Install,
  type RequestV2,
} from '../src/conform/index.ts';
import type { Cond, RuleArch, RuleSet } from '../src/ruleset/index.ts';
import type { Abi } from '../src/x86/table.ts';
import type { Vector } from '../src/x86/vectors.ts';

/** A call as written here: vector, number of the call's ABI, arguments (missing ones 0). */
type C = readonly [Vector, number, ...bigint[]];

interface Spec {
  readonly rule: string;
  readonly name: string;
  readonly abi?: Abi;
  readonly installs: readonly Install[];
  readonly calls: readonly C[];
}

const T: Cond = { kind: 'true' };
const eq = (arg: number, value: bigint): Cond => ({ kind: 'cmp', arg, op: '==', value });

/** A `rules` install: for `arch`, each number's single rule, the rest `otherwise`; other arches `otherArch`. */
function rules(
  calls: readonly (readonly [number, Action, Cond?])[],
  otherwise: Action = ALLOW,
  otherArch: Action = ALLOW,
  arch: RuleArch = 'x86_64',
): Install {
  const rs: RuleSet = {
    arches: {
      [arch]: {
        calls: new Map(calls.map(([nr, action, when]) => [nr, [{ when: when ?? T, action, origin: { text: '' } }]])),
        otherwise,
      },
    },
    otherArch,
  };
  return { dialect: 'rules', text: printRulesJson(rs) };
}
const text2011 = (text: string): Install => ({ dialect: '2011', text });

const GETPID = 39;
const GETPPID = 110;
const WRITE = 1;

/** Every case, in corpus order. */
export const SPECS_V2: readonly Spec[] = [
  // A1 every action, one filter
  {
    rule: 'A1',
    name: 'every action answers from one filter',
    installs: [
      rules([
        [0, ALLOW],
        [1, LOG],
        [2, errno(13)],
        [3, trap(7)],
        [4, trace(3)],
        [5, USER_NOTIF],
        [6, KILL_THREAD],
        [7, KILL_PROCESS],
        [8, KILL_2011],
      ]),
    ],
    calls: [0, 1, 2, 3, 4, 5, 6, 7, 8].map((nr): C => ['syscall', nr]),
  },
  {
    rule: 'A1',
    name: 'errno 0 and 4095, trap and trace data 65535',
    installs: [
      rules([
        [0, errno(0)],
        [1, errno(4095)],
        [2, trap(0xffff)],
        [3, trace(0xffff)],
      ]),
    ],
    calls: [
      ['syscall', 0],
      ['syscall', 1],
      ['syscall', 2],
      ['syscall', 3],
    ],
  },
  {
    rule: 'R3',
    name: 'the first rule that holds answers; otherwise the default',
    installs: [rules([[WRITE, errno(1), eq(0, 1n)]], errno(38))],
    calls: [
      ['syscall', WRITE, 1n],
      ['syscall', WRITE, 2n],
      ['syscall', GETPID],
    ],
  },
  {
    rule: 'R4',
    name: 'another arch gets otherArch; x32 numbers are another arch',
    installs: [rules([[GETPID, ALLOW]], errno(1), trap(9))],
    calls: [
      ['syscall', GETPID],
      ['int80', 20],
      ['syscall', 0x40000000 + GETPID],
      ['syscall', -1],
    ],
  },
  {
    rule: 'R2',
    name: 'on ia32 a rule compares the low 32 bits of a register',
    abi: 'ia32',
    installs: [rules([[4, ALLOW, eq(0, 1n)]], errno(1), KILL_PROCESS, 'ia32')],
    calls: [
      ['syscall', 4, 1n],
      ['syscall', 4, 0x1_0000_0001n],
      ['syscall', 4, 2n],
    ],
  },
  {
    rule: 'R2',
    name: 'a masked test: (arg & mask) == value, all 64 bits',
    installs: [rules([[9, ALLOW, { kind: 'masked', arg: 2, mask: 0x1_0000_0004n, value: 0x4n }]], errno(1))],
    calls: [
      ['syscall', 9, 0n, 0n, 0x4n],
      ['syscall', 9, 0n, 0n, 0x1_0000_0004n],
      ['syscall', 9, 0n, 0n, 0x7n],
    ],
  },
  // A3 precedence between stacked filters
  {
    rule: 'A3',
    name: 'the strongest action of two filters wins, whichever is newer',
    installs: [
      rules([
        [GETPID, errno(1)],
        [GETPPID, trap(2)],
      ]),
      rules([
        [GETPID, trap(3)],
        [GETPPID, errno(4)],
      ]),
    ],
    calls: [
      ['syscall', GETPID],
      ['syscall', GETPPID],
    ],
  },
  {
    rule: 'A3',
    name: "of two answers of one kind the newest filter's data wins",
    installs: [
      rules([
        [GETPID, errno(1)],
        [GETPPID, trap(1)],
      ]),
      rules([
        [GETPID, errno(2)],
        [GETPPID, trap(2)],
      ]),
    ],
    calls: [
      ['syscall', GETPID],
      ['syscall', GETPPID],
    ],
  },
  {
    rule: 'A3',
    name: 'log beats allow, trace beats log, user-notif beats trace, errno beats user-notif',
    installs: [
      rules([
        [0, LOG],
        [1, trace(1)],
        [2, USER_NOTIF],
        [3, errno(5)],
      ]),
      rules([
        [0, ALLOW],
        [1, LOG],
        [2, trace(2)],
        [3, USER_NOTIF],
      ]),
    ],
    calls: [
      ['syscall', 0],
      ['syscall', 1],
      ['syscall', 2],
      ['syscall', 3],
    ],
  },
  {
    rule: 'A3',
    name: 'kill-process beats kill-thread beats trap; the 2011 kill beats them all',
    installs: [
      rules([
        [0, KILL_THREAD],
        [1, trap(1)],
        [2, KILL_PROCESS],
      ]),
      rules([
        [0, KILL_PROCESS],
        [1, KILL_THREAD],
        [2, KILL_2011],
      ]),
    ],
    calls: [
      ['syscall', 0],
      ['syscall', 1],
      ['syscall', 2],
    ],
  },
  {
    rule: 'A3',
    name: 'a 2011 text is one filter of the stack: its kill beats an errno, its allow yields to one',
    installs: [
      text2011('getpid: 1\nread: fd == 0'),
      rules([
        [GETPID, errno(13)],
        [0, trap(4)],
      ]),
    ],
    calls: [
      ['syscall', GETPID],
      ['syscall', 0, 0n],
      ['syscall', 0, 1n],
      ['syscall', GETPPID],
    ],
  },
  {
    rule: 'A3',
    name: 'a rules filter installed before a 2011 text still answers',
    installs: [rules([[GETPID, trap(1)]], LOG), text2011('getpid: 1\ngetppid: 1')],
    calls: [
      ['syscall', GETPID],
      ['syscall', GETPPID],
      ['syscall', 0],
    ],
  },
  {
    rule: 'P9',
    name: 'a rules text that does not parse is refused with -EINVAL and adds no filter',
    installs: [{ dialect: 'rules', text: '{"otherArch": "explode"}' }, rules([[GETPID, errno(2)]])],
    calls: [
      ['syscall', GETPID],
      ['syscall', GETPPID],
    ],
  },
];

/** The request of a spec with id `id`. */
function requestOf(s: Spec, id: number): RequestV2 {
  const calls = s.calls.map(([vector, nr, ...args]) => ({
    vector,
    nr,
    args: [0, 1, 2, 3, 4, 5].map((i) => args[i] ?? 0n),
  }));
  return { version: 2, id, abi: s.abi ?? 'x86_64', installs: s.installs, calls };
}

/** The version-2 corpus: every spec with the model's answer. */
export const corpusV2Cases = (): readonly CorpusCase[] =>
  SPECS_V2.map((s, i) => {
    const request = requestOf(s, 1001 + i);
    const answer = modelAnswerV2(request);
    if ('unsupported' in answer) throw new Error('the model never answers unsupported');
    return { rule: s.rule, name: s.name, request, answer };
  });

/** The text of conformance/corpus-v2.jsonl. */
export const corpusV2Text = (): string => `${[corpusHeader(2), ...corpusV2Cases().map(encodeCase)].join('\n')}\n`;
