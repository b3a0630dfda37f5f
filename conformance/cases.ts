/**
 * The hand-written cases of the conformance corpus (P5), each tagged with
 * the rule it exercises. Only requests are written here: the expected
 * answers are the model's (`buildCorpus`), and test/conform-corpus.test.ts
 * checks that conformance/corpus.jsonl is exactly what this builds.
 */
import { corpusHeader, encodeCase, modelAnswer, type CorpusCase, type Request } from '../src/conform/index.ts';
import { syscallTable, type Abi } from '../src/x86/table.ts';
import { callAbi, type Vector } from '../src/x86/vectors.ts';

/** A call as written here: vector, name or number of the call's ABI, arguments (missing ones 0). */
type CallSpec = readonly [Vector, string | number, ...bigint[]];

interface Spec {
  readonly rule: string;
  readonly name: string;
  readonly abi?: Abi;
  readonly installs: readonly string[];
  readonly calls: readonly CallSpec[];
}

const M64 = (1n << 64n) - 1n;
const callsOf = (...c: CallSpec[]): readonly CallSpec[] => c;

/** Every case, in corpus order. */
export const SPECS: readonly Spec[] = [
  // S1 ABIs and tables
  {
    rule: 'S1.1',
    name: 'read is 0 natively and 3 in compat',
    installs: ['read: 1'],
    calls: callsOf(['syscall', 0], ['syscall', 3]),
  },
  {
    rule: 'S1.1',
    name: 'ia32 code: read is 3',
    abi: 'ia32',
    installs: ['read: 1'],
    calls: callsOf(['syscall', 3], ['syscall', 0]),
  },
  {
    rule: 'S1.2',
    name: 'a slot the table does not list can be named by number',
    installs: ['134: 1'],
    calls: callsOf(['syscall', 134]),
  },
  { rule: 'S1.2', name: 'NR_syscalls itself is out of range', installs: ['470: 1'], calls: callsOf(['syscall', 470]) },
  {
    rule: 'S1.3',
    name: 'sys_newstat and stat name 4 natively',
    installs: ['sys_newstat: 1', 'stat: filename == 1'],
    calls: callsOf(['syscall', 4, 1n], ['syscall', 4, 2n]),
  },
  {
    rule: 'S1.3',
    name: 'ia32 sys_stat is 18, stat is 106',
    abi: 'ia32',
    installs: ['sys_stat: 1\nstat: 1'],
    calls: callsOf(['syscall', 18], ['syscall', 106], ['syscall', 195]),
  },
  {
    rule: 'S1.3',
    name: 'a shared entry name names the lowest number',
    abi: 'ia32',
    installs: ['sys_fcntl64: 1'],
    calls: callsOf(['syscall', 55], ['syscall', 221]),
  },
  {
    rule: 'S1.3',
    name: 'numbers in decimal and 0x hex',
    installs: ['0x1: fd == 1\n3: 1'],
    calls: callsOf(['syscall', 'write', 1n], ['syscall', 'close']),
  },
  {
    rule: 'S1.3',
    name: 'an unknown name rejects the text',
    installs: ['wrtie: 1'],
    calls: callsOf(['syscall', 'write']),
  },
  // S2 the filter language
  {
    rule: 'S2.1',
    name: 'every comparison operator',
    installs: ['read: fd == 1 || fd != 1 && count < 2 || count <= 3 && fd > 4 || fd >= 9 && count & 8'],
    calls: callsOf(
      ['syscall', 'read', 1n],
      ['syscall', 'read', 0n, 0n, 1n],
      ['syscall', 'read', 5n, 0n, 3n],
      ['syscall', 'read', 9n, 0n, 8n],
      ['syscall', 'read', 9n, 0n, 7n],
      ['syscall', 'read', 2n, 0n, 5n],
    ),
  },
  {
    rule: 'S2.1',
    name: '! and parentheses',
    installs: ['read: !(fd == 1) && (fd == 0 || count <= 16)'],
    calls: callsOf(
      ['syscall', 'read', 0n, 0n, 100n],
      ['syscall', 'read', 5n, 0n, 16n],
      ['syscall', 'read', 1n, 0n, 1n],
    ),
  },
  {
    rule: 'S2.1',
    name: 'decimal, hex and octal values',
    installs: ['read: fd == 010 || fd == 0x10 || fd == 10'],
    calls: callsOf(
      ['syscall', 'read', 8n],
      ['syscall', 'read', 16n],
      ['syscall', 'read', 10n],
      ['syscall', 'read', 9n],
    ),
  },
  {
    rule: 'S2.1',
    name: 'a negative value only for signed fields',
    installs: ['read: fd == -1'],
    calls: callsOf(['syscall', 'read', M64]),
  },
  { rule: 'S2.1', name: 'a negative value for nr', installs: ['read: nr > -1'], calls: callsOf(['syscall', 'read']) },
  {
    rule: 'S2.1',
    name: 'the field on the right is a syntax error',
    installs: ['read: 1 == fd'],
    calls: callsOf(['syscall', 'read', 1n]),
  },
  {
    rule: 'S2.1',
    name: 'whitespace is free, = is not an operator',
    installs: ['read:fd==1&&count>=0', 'read: fd = 1'],
    calls: callsOf(['syscall', 'read', 1n], ['syscall', 'read', 2n]),
  },
  {
    rule: 'S2.2',
    name: 'an unknown field rejects the text',
    installs: ['read: size == 1'],
    calls: callsOf(['syscall', 'read']),
  },
  {
    rule: 'S2.2',
    name: 'common fields are zero',
    installs: ['read: common_pid == 0 && common_type == 0 && common_flags == 0 && common_preempt_count == 0'],
    calls: callsOf(['syscall', 'read']),
  },
  {
    rule: 'S2.2',
    name: 'an argument named nr hides the nr field (C31)',
    installs: ['io_submit: nr == 5'],
    calls: callsOf(['syscall', 209, 0n, 5n], ['syscall', 209, 0n, 209n]),
  },
  {
    rule: 'S2.3',
    name: '255 characters pass, 256 do not',
    installs: [`read: fd == 0x${'0'.repeat(246)}1\nwrite: fd == 1`, `write: fd == 0x${'0'.repeat(247)}1`],
    calls: callsOf(['syscall', 'read', 1n], ['syscall', 'read', 2n], ['syscall', 'write', 1n]),
  },
  {
    rule: 'S2.3',
    name: '32 terms pass, 33 do not',
    installs: [`read: ${'fd == 1 || '.repeat(15)}fd == 2`, `write: ${'fd == 1 || '.repeat(16)}fd == 2`],
    calls: callsOf(['syscall', 'read', 2n], ['syscall', 'write', 2n]),
  },
  {
    rule: 'S2.3',
    name: 'values beyond 64 bits are refused',
    installs: ['read: fd == 18446744073709551616', 'read: fd == 18446744073709551615'],
    calls: callsOf(['syscall', 'read', M64]),
  },
  {
    rule: 'S2.3',
    name: 'a bare operand is meaningless',
    installs: ['read: fd', 'read: (1)', 'read: fd =='],
    calls: callsOf(['syscall', 'read']),
  },
  {
    rule: 'S2.3',
    name: 'unbalanced parentheses',
    installs: ['read: (fd == 1', 'read: fd == 1)'],
    calls: callsOf(['syscall', 'read', 1n]),
  },
  {
    rule: 'S2.4',
    name: 'binary garbage is an error, not a crash',
    installs: ['read: \u0001\u00ff((((', '\u00e9\u0007: 1', 'read: fd == 1 \u0000'.replace('\u0000', '\u0080')],
    calls: callsOf(['syscall', 'read']),
  },
  {
    rule: 'S2.5',
    name: 'comments, blank lines and CRLF are ignored',
    installs: ['# policy\n\n  \t\nread: fd == 0\r\n# end'],
    calls: callsOf(['syscall', 'read', 0n], ['syscall', 'read', 1n]),
  },
  {
    rule: 'S2.5',
    name: 'one bad line rejects the whole text',
    installs: ['read: 1\nwrite: fd ==\nclose: 1'],
    calls: callsOf(['syscall', 'write'], ['syscall', 'getpid']),
  },
  {
    rule: 'S2.5',
    name: 'the directive sets the pending grant',
    installs: ['on_next_syscall: 1\nread: fd == 0'],
    calls: callsOf(['syscall', 'getpid'], ['syscall', 'read', 1n]),
  },
  {
    rule: 'S2.5',
    name: 'the directive takes only 1',
    installs: ['on_next_syscall: 0\nread: 1'],
    calls: callsOf(['syscall', 'getpid']),
  },
  // S3 evaluation
  {
    rule: 'S3.1',
    name: 'the nr field is the call number',
    installs: ['read: nr == 0\nwrite: nr != 1'],
    calls: callsOf(['syscall', 'read'], ['syscall', 'write']),
  },
  {
    rule: 'S3.2',
    name: 'native arguments are 64 bits',
    installs: ['read: count == 0x100000000'],
    calls: callsOf(['syscall', 'read', 0n, 0n, 0x1_0000_0000n], ['syscall', 'read', 0n, 0n, 0n]),
  },
  {
    rule: 'S3.2',
    name: 'compat arguments are their low 32 bits',
    abi: 'ia32',
    installs: ['read: count == 0'],
    calls: callsOf(
      ['syscall', 'read', 0n, 0n, 0x1_0000_0000n],
      ['syscall', 'read', 0n, 0n, 0xffff_ffff_0000_0001n],
      ['int80', 'read', 0n, 0n, 0x5_0000_0000n],
    ),
  },
  {
    rule: 'S3.2',
    name: 'all six native argument registers',
    installs: ['mmap: addr == 1 && len == 2 && prot == 3 && flags == 4 && fd == 5 && off == 6'],
    calls: callsOf(
      ['syscall', 'mmap', 1n, 2n, 3n, 4n, 5n, 6n],
      ['syscall', 'mmap', 1n, 2n, 3n, 4n, 5n, 0x1_0000_0006n],
    ),
  },
  {
    rule: 'S3.3',
    name: '< on arguments is unsigned',
    installs: ['read: fd < 10'],
    calls: callsOf(['syscall', 'read', 9n], ['syscall', 'read', M64], ['syscall', 'read', 1n << 63n]),
  },
  {
    rule: 'S3.3',
    name: '< on nr is signed, truncated to 32 bits',
    installs: ['read: nr > -1 && nr > 0xffffffff\nwrite: nr == 0x100000001'],
    calls: callsOf(['syscall', 'read'], ['syscall', 'write']),
  },
  {
    rule: 'S3.3',
    name: '& is true when a bit is common',
    installs: ['write: fd & 1\nread: count & 0x8000000000000000'],
    calls: callsOf(
      ['syscall', 'write', 3n],
      ['syscall', 'write', 2n],
      ['syscall', 'read', 0n, 0n, 1n << 63n],
      ['syscall', 'read', 0n, 0n, (1n << 63n) - 1n],
    ),
  },
  {
    rule: 'S3.3',
    name: '== at full width on arguments',
    installs: ['read: fd == 0xffffffff'],
    calls: callsOf(['syscall', 'read', 0xffff_ffffn], ['syscall', 'read', M64]),
  },
  {
    rule: 'S3.4',
    name: '1 allows any arguments, a missing entry kills',
    installs: ['read: 1'],
    calls: callsOf(['syscall', 'read', M64, M64, M64, M64, M64, M64], ['syscall', 'write']),
  },
  // S4 state
  {
    rule: 'S4.2',
    name: 'no install: mode 0 allows everything',
    installs: [],
    calls: callsOf(['syscall', 'read'], ['int80', 0x4000_0000], ['syscall', -1]),
  },
  {
    rule: 'S4.1',
    name: 'a failed install leaves mode 0',
    installs: ['read: fd = 1'],
    calls: callsOf(['syscall', 'write'], ['int80', 'read']),
  },
  // S5 prctl
  {
    rule: 'S5.2',
    name: 'mode 2 binds the ABI of the prctl call',
    installs: ['read: 1'],
    calls: callsOf(['syscall', 'read'], ['int80', 'read'], ['sysenter', 'read']),
  },
  {
    rule: 'S5.2',
    name: 'a text of 64 KiB without NUL is -E2BIG; one byte less passes',
    installs: [`${'#'.repeat(65536)}`, `read: 1\n${'#'.repeat(65527)}`],
    calls: callsOf(['syscall', 'read']),
  },
  {
    rule: 'S5.2',
    name: 'the directive in mode 2 is -EACCES (C14)',
    installs: ['read: 1', 'on_next_syscall: 1'],
    calls: callsOf(['syscall', 'read'], ['syscall', 'write']),
  },
  {
    rule: 'S5.4',
    name: '0 drops an entry in mode 2',
    installs: ['read: 1\nwrite: 1', 'read: 0'],
    calls: callsOf(['syscall', 'read'], ['syscall', 'write']),
  },
  {
    rule: 'S5.4',
    name: 'an expression narrows an existing entry',
    installs: ['read: fd < 5', 'read: fd > 1'],
    calls: callsOf(['syscall', 'read', 0n], ['syscall', 'read', 3n], ['syscall', 'read', 7n]),
  },
  {
    rule: 'S5.4',
    name: 'a new entry in mode 2 is -EACCES',
    installs: ['read: 1', 'write: 1', 'write: fd == 1'],
    calls: callsOf(['syscall', 'write', 1n]),
  },
  {
    rule: 'S5.4',
    name: '1 for an existing entry changes nothing',
    installs: ['read: fd == 1', 'read: 1'],
    calls: callsOf(['syscall', 'read', 1n], ['syscall', 'read', 2n]),
  },
  {
    rule: 'S5.4',
    name: 'repeated names merge within one text in mode 0',
    installs: ['read: fd < 5\nsys_read: fd > 1\n0: 1'],
    calls: callsOf(['syscall', 'read', 1n], ['syscall', 'read', 2n]),
  },
  {
    rule: 'S5.4',
    name: 'a merge over 255 characters is -E2BIG',
    installs: [`read: fd < 0x${'0'.repeat(120)}2`, `read: fd > 0x${'0'.repeat(120)}0`],
    calls: callsOf(['syscall', 'read', 1n], ['syscall', 'read', 2n]),
  },
  {
    rule: 'S5.4',
    name: 'a merge over 32 terms is -E2BIG (C24)',
    installs: [`read: ${'fd == 1 || '.repeat(8)}fd == 1`, `read: ${'fd==1||'.repeat(14)}fd==2`],
    calls: callsOf(['syscall', 'read', 1n], ['syscall', 'read', 2n]),
  },
  {
    rule: 'S5.4',
    name: '1 for a call with no entry in mode 2 is -EACCES',
    installs: ['read: fd == 0', 'close: 1\nread: 1'],
    calls: callsOf(['syscall', 'close'], ['syscall', 'read', 0n]),
  },
  {
    rule: 'S5.5',
    name: 'a failing text changes nothing, even lines before the error',
    installs: ['read: 1\nwrite: 1', 'read: 0\nwrite: fd == 1\nclose: 1'],
    calls: callsOf(['syscall', 'read'], ['syscall', 'write', 2n]),
  },
  {
    rule: 'S5.5',
    name: 'the first failing line decides (C26)',
    installs: ['read: 1', 'write: 1\nread: fd ==', 'read: fd ==\nwrite: 1'],
    calls: callsOf(['syscall', 'read']),
  },
  // S6 entry path
  {
    rule: 'S6.1',
    name: 'int80 and sysenter from 64-bit code are compat',
    installs: ['read: 1'],
    calls: callsOf(['int80', 0], ['sysenter', 0], ['syscall', 0]),
  },
  {
    rule: 'S6.1',
    name: 'syscall from 32-bit code is compat',
    abi: 'ia32',
    installs: ['read: 1'],
    calls: callsOf(['syscall', 3], ['int80', 3], ['sysenter', 3]),
  },
  {
    rule: 'S6.4',
    name: 'a pending grant allows every call (each a fresh fork)',
    installs: ['on_next_syscall: 1\nread: 1'],
    calls: callsOf(['syscall', 'write'], ['int80', 'write'], ['syscall', -1]),
  },
  {
    rule: 'S6.4',
    name: 'out-of-range numbers are killed: negative, x32, NR_syscalls',
    installs: ['read: 1'],
    calls: callsOf(['syscall', -1], ['syscall', 0x4000_0000], ['syscall', 470], ['syscall', -2147483648]),
  },
  {
    rule: 'S6.4',
    name: 'a call through the other ABI is killed even if its number has an entry',
    installs: ['0: 1\n3: 1'],
    calls: callsOf(['int80', 3], ['sysenter', 0], ['syscall', 3]),
  },
  // S7 tasks
  {
    rule: 'S7.1',
    name: 'each call is made by a fresh fork: a kill hides nothing',
    installs: ['read: fd == 0'],
    calls: callsOf(['syscall', 'read', 1n], ['syscall', 'read', 0n], ['syscall', 'write'], ['syscall', 'read', 0n]),
  },
  // S9 invariants
  {
    rule: 'S9.1',
    name: 'the README policy',
    installs: ['sys_read: fd == 0 || fd == 2\nsys_write: fd == 1 || fd == 2\nexit_group: 1'],
    calls: callsOf(
      ['syscall', 'read', 2n],
      ['syscall', 'read', 1n],
      ['syscall', 'write', 1n],
      ['syscall', 'exit_group', 3n],
      ['syscall', 'exit'],
    ),
  },
  {
    rule: 'S9.2',
    name: 'no install widens: a later text cannot re-allow',
    installs: ['read: fd == 1\nwrite: 0', 'read: fd == 2', 'write: 1', 'read: 1'],
    calls: callsOf(['syscall', 'read', 1n], ['syscall', 'read', 2n], ['syscall', 'write']),
  },
  {
    rule: 'S9.4',
    name: 'bad texts of every kind leave the state as it was',
    installs: [
      'read: fd == 1',
      'read: fd == (',
      'getpid: 1',
      'on_next_syscall: 1',
      `read: ${'fd == 1 || '.repeat(30)}fd == 1`,
    ],
    calls: callsOf(['syscall', 'read', 1n], ['syscall', 'read', 2n], ['syscall', 'getpid']),
  },
  {
    rule: 'S9.5',
    name: 'native filters never allow a compat call',
    installs: ['3: 1\nread: 1\nclose: 1'],
    calls: callsOf(['int80', 3], ['sysenter', 6], ['int80', 0]),
  },
  {
    rule: 'S9.6',
    name: 'every call sees the state the installs left',
    installs: ['read: fd == 0', 'read: count == 1'],
    calls: callsOf(['syscall', 'read', 0n, 0n, 1n], ['syscall', 'read', 0n, 0n, 1n], ['syscall', 'read', 0n, 0n, 2n]),
  },
  {
    rule: 'S9.7',
    name: 'deciding (a) && (b) is deciding a and b',
    installs: ['write: fd == 1 || fd == 2', 'write: fd == 2 || fd == 3'],
    calls: callsOf(['syscall', 'write', 1n], ['syscall', 'write', 2n], ['syscall', 'write', 3n]),
  },
  // S10 bugs an implementation must not have
  {
    rule: 'S10.1',
    name: 'the merge parenthesises the new filter',
    installs: ['read: fd == 1', 'read: fd == 2 || fd == 3'],
    calls: callsOf(['syscall', 'read', 3n], ['syscall', 'read', 1n], ['syscall', 'read', 2n]),
  },
  {
    rule: 'S10.2',
    name: 'the ABI check is not inverted',
    installs: ['read: 1'],
    calls: callsOf(['syscall', 'read'], ['int80', 3]),
  },
];

/** The request of a spec with id `id`. */
function requestOf(s: Spec, id: number): Request {
  const abi = s.abi ?? 'x86_64';
  const calls = s.calls.map(([vector, name, ...args]) => {
    const nr = typeof name === 'number' ? name : syscallTable(callAbi(abi, vector)).resolve(name);
    if (nr === undefined)
      throw new Error(`corpus case ${id}: no system call ${String(name)} for ${callAbi(abi, vector)}`);
    return { vector, nr, args: [0, 1, 2, 3, 4, 5].map((i) => args[i] ?? 0n) };
  });
  return { id, abi, installs: s.installs, calls };
}

/** The corpus: every spec with the model's answer. */
export const corpusCases = (): readonly CorpusCase[] =>
  SPECS.map((s, i) => {
    const request = requestOf(s, i + 1);
    const answer = modelAnswer(request);
    if ('unsupported' in answer) throw new Error('the model never answers unsupported');
    return { rule: s.rule, name: s.name, request, answer };
  });

/** The text of conformance/corpus.jsonl. */
export const corpusText = (): string => `${[corpusHeader(), ...corpusCases().map(encodeCase)].join('\n')}\n`;
