/**
 * minijail policies read into the decision form (spec/17-minijail.md):
 * the language, values and constants, actions, directives and include
 * chains, first match, errors with carets and suggestions, conversions.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { renderUapiModule, type UapiData } from '../scripts/constants-render.ts';
import { ALLOW, KILL_PROCESS, KILL_THREAD, LOG, USER_NOTIF, formatAction, type Action } from '../src/action/index.ts';
import {
  logicalLines,
  mjAction,
  parseMinijail,
  to2011,
  toDnf,
  toMinijail,
  type MinijailOptions,
  type MinijailPolicy,
  type MinijailResult,
} from '../src/minijail/index.ts';
import { dirname, joinPath } from '../src/minijail/path.ts';
import { decideRules, holds, type Cond, type Rule, type RuleSet } from '../src/ruleset/index.ts';
import { loadUapi } from '../src/x86/uapi.ts';
import type { Abi } from '../src/x86/table.ts';

const read = async (text: string, opts: MinijailOptions = {}): Promise<MinijailResult> =>
  parseMinijail(text, await loadUapi(opts.abi ?? 'x86_64'), opts);

async function ok(text: string, opts: MinijailOptions = {}): Promise<MinijailPolicy> {
  const r = await read(text, opts);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`).join('\n'));
  return r.policy;
}

async function errors(text: string, opts: MinijailOptions = {}): Promise<readonly string[]> {
  const r = await read(text, opts);
  if (r.ok) throw new Error('expected errors');
  return r.errors.map((e) => `${e.file}:${e.line}:${e.column + 1}: ${e.message}`);
}

const decide = (rs: RuleSet, nr: number, args: readonly bigint[] = [], abi: Abi = 'x86_64'): string =>
  formatAction(decideRules(rs, abi, nr, [...args, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6)).action);

test('M1 lines: comments, continuations, blank lines; columns map back through joins', (t) => {
  const ls = logicalLines('# c\nread: arg0 == 1 || \\\n  arg0 == 2 # tail\n\n@include ./a#b.policy\n');
  t.is(ls.length, 2);
  t.is(ls[0]!.text, 'read: arg0 == 1 ||    arg0 == 2 ');
  t.is(ls[1]!.text, '@include ./a#b.policy');
});

test('M1 M2 atoms with every operator, values in every base, constants, |, ~ and parentheses', async (t) => {
  const p = await ok(
    [
      'read: arg0 == 0 || arg0 != 0x10 && arg2 < 010',
      'write: arg0 <= 2 && arg2 >= 1 || arg0 > 100',
      'mmap: arg2 in ~PROT_EXEC',
      'mprotect: arg2 & (PROT_WRITE|PROT_EXEC)',
      'openat: arg2 == O_RDONLY|O_CLOEXEC',
    ].join('\n'),
  );
  const rs = p.ruleSet;
  t.is(decide(rs, 0, [0n]), 'allow');
  t.is(decide(rs, 0, [0x10n, 0n, 7n]), 'kill-thread');
  t.is(decide(rs, 0, [0x11n, 0n, 7n]), 'allow');
  t.is(decide(rs, 0, [0x11n, 0n, 8n]), 'kill-thread');
  t.is(decide(rs, 1, [2n, 0n, 1n]), 'allow');
  t.is(decide(rs, 1, [101n]), 'allow');
  t.is(decide(rs, 1, [3n, 0n, 1n]), 'kill-thread');
  t.is(decide(rs, 9, [0n, 0n, 3n]), 'allow'); // PROT_READ|PROT_WRITE: no PROT_EXEC
  t.is(decide(rs, 9, [0n, 0n, 4n]), 'kill-thread');
  t.is(decide(rs, 10, [0n, 0n, 1n]), 'kill-thread');
  t.is(decide(rs, 10, [0n, 0n, 2n]), 'allow');
  t.is(decide(rs, 257, [0n, 0n, 0x80000n]), 'allow');
  t.is(decide(rs, 257, [0n, 0n, 0x80001n]), 'kill-thread');
});

test('M2 && binds tighter than ||, with or without spaces', async (t) => {
  const rs = (await ok('read: arg0==1||arg0==2&&arg1==3')).ruleSet;
  t.is(decide(rs, 0, [1n, 9n]), 'allow');
  t.is(decide(rs, 0, [2n, 9n]), 'kill-thread');
  t.is(decide(rs, 0, [2n, 3n]), 'allow');
});

test("M2 word size: 64 bits on x86_64, 32 on ia32; negatives in two's complement; overflow is an error", async (t) => {
  const x = (await ok('read: arg0 == -1')).ruleSet;
  t.is(decide(x, 0, [(1n << 64n) - 1n]), 'allow');
  t.is(decide(x, 0, [0xffffffffn]), 'kill-thread');
  const i = (await ok('read: arg0 == -1', { abi: 'ia32' })).ruleSet;
  t.is(decide(i, 3, [0xffffffffn], 'ia32'), 'allow');
  t.regex((await errors('read: arg0 == 0x100000000', { abi: 'ia32' }))[0]!, /unsigned overflow/);
  t.regex((await errors('read: arg0 == 0x10000000000000000'))[0]!, /invalid number/);
  t.regex((await errors('read: arg0 == -0x8000000000000001'))[0]!, /invalid number|signed underflow/);
  t.regex((await errors('read: arg0 == ~~1'))[0]!, /double complement/);
});

test('M3 actions: allow, 1, kill and its kinds, trap, trace, log, user-notify, return ERRNO alone and after a filter', async (t) => {
  const rs = (
    await ok(
      [
        'read: allow',
        'write: 1',
        'open: kill',
        'close: kill-process',
        'stat: kill-thread',
        'fstat: trap',
        'lstat: trace',
        'poll: log',
        'lseek: user-notify',
        'mmap: return ENOENT',
        'mprotect: arg0 == 0; return EPERM',
        'munmap: return 13',
      ].join('\n'),
    )
  ).ruleSet;
  const want = [
    'allow',
    'allow',
    'kill-thread',
    'kill-process',
    'kill-thread',
    'trap:0',
    'trace:0',
    'log',
    'user-notif',
  ];
  want.forEach((w, nr) => t.is(decide(rs, nr, [1n]), w, `call ${nr}`));
  t.is(decide(rs, 9), 'errno:2');
  t.is(decide(rs, 10, [0n]), 'errno:1');
  t.is(decide(rs, 10, [1n]), 'kill-thread');
  t.is(decide(rs, 11), 'errno:13');
  t.is(
    formatAction((await ok('open: kill', { kill: 'kill-process' })).ruleSet.arches.x86_64!.calls.get(2)![0]!.action),
    'kill-process',
  );
  t.regex((await errors('read: 0'))[0]!, /invalid action '0'/);
  t.regex((await errors('read: return 4096'))[0]!, /invalid errno 4096/);
  t.regex((await errors('read: return ENOTANERRNO'))[0]!, /unknown constant 'ENOTANERRNO'/);
});

test('M3 groups of calls and sets of filters, first match in order', async (t) => {
  const rs = (await ok('{read, write}: { arg0 == 0, arg0 == 1; return ENOSYS, trap }')).ruleSet;
  for (const nr of [0, 1]) {
    t.is(decide(rs, nr, [0n]), 'allow');
    t.is(decide(rs, nr, [1n]), 'errno:38');
    t.is(decide(rs, nr, [2n]), 'trap:0');
  }
});

test('M6 repeated names are a first-match list; anything after an unconditional rule is an error', async (t) => {
  const rs = (await ok('read: arg0 == 0; return EBADF\nread: arg0 < 5\nread: return EPERM')).ruleSet;
  t.is(decide(rs, 0, [0n]), 'errno:9');
  t.is(decide(rs, 0, [3n]), 'allow');
  t.is(decide(rs, 0, [7n]), 'errno:1');
  t.deepEqual(await errors('read: 1\nwrite: 1\nread: arg0 == 1'), [
    "-:3:7: 'read' (number 0) already has an unconditional action (-:1:7); minijail refuses a rule after it, which could never apply",
  ]);
  t.regex(
    (await errors('read: allow\nread: return 1'))[0]!,
    /^-:2:7: 'read' \(number 0\) already has an unconditional/,
  );
});

test('M7 default: @default, the kill action, x32 by the default, other architectures killed', async (t) => {
  const p = await ok('@default trap\nread: 1');
  t.is(decide(p.ruleSet, 1), 'trap:0');
  t.is(decide(p.ruleSet, 0x40000000), 'trap:0'); // x32 read
  t.is(formatAction(decideRules(p.ruleSet, 'ia32', 3, []).action), 'kill-thread');
  const q = await ok('read: 1', { kill: 'kill-process' });
  t.is(decide(q.ruleSet, 1), 'kill-process');
  t.is(formatAction(decideRules(q.ruleSet, 'ia32', 3, []).action), 'kill-process');
  t.deepEqual(
    await Promise.all(
      ['kill-process', 'kill-thread', 'kill', 'user-notify'].map(async (a) =>
        formatAction((await ok(`@default ${a}`)).defaultAction),
      ),
    ),
    ['kill-process', 'kill-thread', 'kill-thread', 'user-notif'],
  );
  for (const a of ['allow', 'log', 'trace', 'return 1', '1'])
    t.regex((await errors(`@default ${a}`))[0]!, /invalid (permissive )?default action/);
  const i = await ok('read: 1', { abi: 'ia32' });
  t.deepEqual(Object.keys(i.ruleSet.arches), ['ia32']);
  t.is(decide(i.ruleSet, 3, [], 'ia32'), 'allow');
  t.is(formatAction(decideRules(i.ruleSet, 'x86_64', 0, []).action), 'kill-thread');
});

test('M8 @denylist: default allow, every rule returns an errno, other architectures get EPERM', async (t) => {
  const p = await ok('@denylist\nptrace: return EPERM\nopenat: arg2 & O_WRONLY; return EACCES');
  t.true(p.denylist);
  t.is(decide(p.ruleSet, 0), 'allow');
  t.is(decide(p.ruleSet, 101), 'errno:1');
  t.is(decide(p.ruleSet, 257, [0n, 0n, 1n]), 'errno:13');
  t.is(decide(p.ruleSet, 257, [0n, 0n, 0n]), 'allow');
  t.is(formatAction(decideRules(p.ruleSet, 'ia32', 3, []).action), 'errno:1');
  t.regex((await errors('@denylist\nread: kill'))[0]!, /invalid denylist policy/);
  t.true(p.warnings.some((w) => /x32/.test(w.message)));
});

test('M5 @include: relative to the including file, chains in errors, cycles, depth, missing files', async (t) => {
  const files: Record<string, string> = {
    'p/main.policy': '@include ./common.policy\nwrite: 1\n',
    'p/common.policy': '@include ./sub/more.policy\nread: 1\n',
    'p/sub/more.policy': 'close: 1\nopne: 1\n',
    'p/loop.policy': '@include ./loop2.policy\n',
    'p/loop2.policy': '@include ./loop.policy\n',
  };
  const readFile = (path: string): string | undefined => files[path];
  const r = await read(files['p/main.policy']!, { file: 'p/main.policy', readFile });
  t.false(r.ok);
  if (!r.ok) {
    t.is(r.errors[0]!.file, 'p/sub/more.policy');
    t.is(r.errors[0]!.line, 2);
    t.deepEqual(r.errors[0]!.chain, [
      { file: 'p/main.policy', line: 1 },
      { file: 'p/common.policy', line: 1 },
    ]);
    t.deepEqual(r.errors[0]!.suggestions?.slice(0, 1), ['open']);
  }
  files['p/sub/more.policy'] = 'close: 1\n';
  const p = await ok(files['p/main.policy']!, { file: 'p/main.policy', readFile });
  t.deepEqual(p.files, ['p/main.policy', 'p/common.policy', 'p/sub/more.policy']);
  t.is(decide(p.ruleSet, 3), 'allow');
  t.is(p.ruleSet.arches.x86_64!.calls.get(3)![0]!.origin.file, 'p/sub/more.policy');
  t.regex(
    (await errors(files['p/loop.policy']!, { file: 'p/loop.policy', readFile }))[0]!,
    /@include cycle: p\/loop.policy -> p\/loop2.policy -> p\/loop.policy/,
  );
  t.regex(
    (await errors('@include ./nope.policy', { file: 'x/a.policy', readFile }))[0]!,
    /cannot read x\/nope.policy: no such file/,
  );
  t.regex((await errors('@include ./nope.policy'))[0]!, /no file access/);
  // A chain of 9 files reads; a 10th is past minijail's limit of 10 (its own state and the main file count).
  const deep: Record<string, string> = {};
  for (let k = 0; k < 10; k++) deep[`d${k}`] = k < 9 ? `@include ./d${k + 1}\nread: arg0 == ${k}\n` : 'write: 1\n';
  const dr = await read(deep['d0']!, { file: 'd0', readFile: (p) => deep[p] });
  t.false(dr.ok);
  if (!dr.ok) t.is(dr.errors[0]!.file, 'd8');
  deep['d8'] = 'write: 1\n';
  t.true((await read(deep['d0']!, { file: 'd0', readFile: (p) => deep[p] })).ok);
});

test('M4 @frequency: counts by call, summed, relative to the including file', async (t) => {
  const files: Record<string, string> = {
    'a/main.policy': '@frequency ./f.frequency\nread: 1\nwrite: 1\n',
    'a/f.frequency': '# counts\nread: 10\nwrite: 0x10\n{read, close}: 5\n',
  };
  const p = await ok(files['a/main.policy']!, { file: 'a/main.policy', readFile: (x) => files[x] });
  t.deepEqual(
    [...p.frequencies],
    [
      [0, 15],
      [1, 16],
      [3, 5],
    ],
  );
  files['a/f.frequency'] = 'read: -1\n';
  t.regex(
    (await errors(files['a/main.policy']!, { file: 'a/main.policy', readFile: (x) => files[x] }))[0]!,
    /^a\/f.frequency:1:7: invalid count/,
  );
});

test('M9 names: unistd names, the UAPI __NR_ list (linted), numbers; unknown names with suggestions', async (t) => {
  const p = await ok('set_thread_area: 1\n0: 1');
  t.is(decide(p.ruleSet, 205), 'allow');
  t.is(decide(p.ruleSet, 0), 'allow');
  t.regex(p.warnings[0]!.message, /no implementation on x86_64.*no program can make it succeed/);
  const r = await read('raed: 1');
  t.false(r.ok);
  if (!r.ok) t.deepEqual(r.errors[0]!.suggestions?.[0], 'read');
  t.true(!(await read('sys_read: 1')).ok);
  t.regex((await errors('read@android: 1'))[0]!, /syscall groups/);
  const q = await ok('read[arch=i386]: 1\nwrite[arch=x86_64]: 1');
  t.is(decide(q.ruleSet, 0), 'kill-thread');
  t.is(decide(q.ruleSet, 1), 'allow');
});

test("M9 the constants real policies name resolve, per ABI (ioctl numbers by the ABI's sizes)", async (t) => {
  const x = await loadUapi('x86_64');
  const i = await loadUapi('ia32');
  const names = [
    'TCGETS',
    'TIOCGWINSZ',
    'FIONBIO',
    'FIOCLEX',
    'BLKSSZGET',
    'FS_IOC_FSGETXATTR',
    'SIOCGIFINDEX',
    'ENOENT',
    'EPERM',
    'MS_BIND',
    'MS_NOSUID',
    'SOL_SOCKET',
    'SCHED_IDLE',
    'GRND_RANDOM',
    'MADV_DONTNEED',
    'PR_SET_NO_NEW_PRIVS',
    'AF_UNIX',
  ];
  for (const n of names) {
    t.not(x.constant(n), undefined, n);
    t.not(i.constant(n), undefined, n);
  }
  t.is(x.constant('TCGETS'), 0x5401n);
  t.is(x.constant('BLKGETSIZE64'), 0x80081272n);
  t.is(i.constant('BLKGETSIZE64'), 0x80041272n);
  t.is(x.syscall('set_thread_area'), 205);
  t.is(i.syscall('set_thread_area'), 243);
  t.true(x.constantNames.length > 20000);
});

test('M1 syntax errors: file:line:col, what was found and what was expected; no ! in minijail', async (t) => {
  const [e] = await errors('read: arg0 = = 1');
  t.regex(e!, /^-:1:12: unexpected '='/);
  t.regex((await errors('read: !(arg0 == 1)'))[0]!, /minijail has no '!'/);
  t.regex((await errors('read: arg6 == 1'))[0]!, /invalid argument 'arg6'/);
  t.regex((await errors('read arg0 == 1'))[0]!, /^-:1:6: unexpected 'arg0'/);
  t.regex((await errors('read: arg0 == \\\n  1 ||'))[0]!, /^-:2:7: unexpected end of line/);
});

test('paths: dirname and joinPath fold . and .., keep absolute paths', (t) => {
  t.is(dirname('a/b/c'), 'a/b');
  t.is(dirname('c'), '.');
  t.is(dirname('/c'), '/');
  t.is(joinPath('a/b', './c'), 'a/b/c');
  t.is(joinPath('a/b', '../c'), 'a/c');
  t.is(joinPath('.', './c'), 'c');
  t.is(joinPath('a', '/x/./y'), '/x/y');
  t.is(joinPath('/', '../x'), '/x');
  t.is(joinPath('.', '../x'), '../x');
});

test('M-K1 src/x86/tables/uapi.ts is what data/constants/uapi-*.json makes (npm run gen:constants -- --data if not)', (t) => {
  const file = (p: string): string => readFileSync(new URL(`../${p}`, import.meta.url), 'utf8');
  const data = (abi: string): UapiData => JSON.parse(file(`data/constants/uapi-${abi}.json`)) as UapiData;
  t.is(file('src/x86/tables/uapi.ts'), renderUapiModule(data('x86_64'), data('ia32')));
  for (const abi of ['x86_64', 'ia32'] as const) {
    t.regex(data(abi).provenance.package, /^linux-libc-dev \d/);
    t.regex(data(abi).provenance.method, abi === 'x86_64' ? /-m64/ : /-m32/);
  }
});

test('M10 toDnf pushes negations to atoms exactly: masked tests with any value, De Morgan, constants', (t) => {
  const W = (1n << 64n) - 1n;
  const conds: Cond[] = [
    { kind: 'masked', arg: 0, mask: 0xf0n, value: 0x30n },
    { kind: 'not', of: { kind: 'masked', arg: 1, mask: 0xf0n, value: 0x30n } },
    { kind: 'masked', arg: 0, mask: 0x0fn, value: 0x10n },
    { kind: 'not', of: { kind: 'and', of: [{ kind: 'cmp', arg: 0, op: '<', value: 5n }, { kind: 'true' }] } },
    {
      kind: 'or',
      of: [{ kind: 'false' }, { kind: 'not', of: { kind: 'or', of: [{ kind: 'cmp', arg: 2, op: '>=', value: 9n }] } }],
    },
  ];
  const samples = [0n, 1n, 4n, 5n, 9n, 0x30n, 0x31n, 0x70n, 0xf0n, 0x10n, W];
  for (const c of conds) {
    const dnf = toDnf(c, W)!;
    for (const a of samples)
      for (const b of samples) {
        const args = [a, b, a, 0n, 0n, 0n];
        const viaDnf = dnf.some((clause) =>
          clause.every((x) => {
            const v = args[x.arg]!;
            if (x.op === '&') return (v & x.value) !== 0n;
            if (x.op === 'in') return (v & ~x.value & W) === 0n;
            return holds({ kind: 'cmp', arg: 0, op: x.op, value: x.value }, [v]);
          }),
        );
        t.is(
          viaDnf,
          holds(c, args),
          `${JSON.stringify(c, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))} on ${a}, ${b}`,
        );
      }
  }
  const wide: Cond = {
    kind: 'and',
    of: Array.from({ length: 9 }, (_, k) => ({
      kind: 'or' as const,
      of: [
        { kind: 'cmp' as const, arg: 0, op: '==' as const, value: BigInt(k) },
        { kind: 'cmp' as const, arg: 1, op: '==' as const, value: BigInt(k) },
      ],
    })),
  };
  t.is(toDnf(wide, W), undefined);
});

test('M10 what minijail cannot write is named: permissive default, other architectures, x32 rules, trap data, two ABIs', (t) => {
  const calls = new Map<number, readonly Rule[]>([
    [0, [{ when: { kind: 'true' }, action: { kind: 'trap', data: 7 }, origin: { text: 'x', file: 'f', line: 3 } }]],
  ]);
  const r = toMinijail({
    arches: { x86_64: { calls, otherwise: ALLOW }, x32: { calls: new Map(), otherwise: LOG } },
    otherArch: ALLOW,
  });
  t.false(r.ok);
  if (!r.ok)
    t.deepEqual(
      r.problems.map((p) => p.message.split(' ').slice(0, 3).join(' ')),
      ['the default action', 'calls of other', 'x32 calls have', 'read: trap data'],
    );
  t.false(toMinijail({ arches: {}, otherArch: ALLOW }).ok);
  t.false(to2011({ arches: {}, otherArch: ALLOW }).ok);
  t.deepEqual(
    ['allow', 'errno', 'kill', 'kill-process', 'kill-thread', 'log', 'user-notif'].map((k) =>
      mjAction({ kind: k, errno: 5 } as Action),
    ),
    ['allow', 'return 5', 'kill-process', 'kill-process', 'kill-thread', 'log', 'user-notify'],
  );
  const ia32 = toMinijail({
    arches: {
      ia32: {
        calls: new Map([
          [
            3,
            [{ when: { kind: 'masked', arg: 0, mask: 0xffffff00n, value: 0n }, action: ALLOW, origin: { text: '' } }],
          ],
        ]),
        otherwise: USER_NOTIF,
      },
    },
    otherArch: KILL_THREAD,
  });
  t.true(ia32.ok);
  if (ia32.ok) t.is(ia32.text, '@default user-notify\nread: arg0 in 255\n');
  const tt = to2011({
    arches: {
      x86_64: {
        calls: new Map([
          [999, [{ when: { kind: 'true' }, action: ALLOW, origin: { text: '' } }]],
          [0, [{ when: { kind: 'cmp', arg: 5, op: '==', value: 1n }, action: ALLOW, origin: { text: '' } }]],
        ]),
        otherwise: KILL_PROCESS,
      },
    },
    otherArch: KILL_PROCESS,
  });
  t.false(tt.ok);
  if (!tt.ok)
    t.deepEqual(
      tt.problems.map((p) => p.message.slice(0, 12)),
      ['call 999 has', 'read: arg5 i'],
    );
});

test('M1 minijail reader odds and ends: @denylist option, include with no folder, CRLF, deep nesting message', async (t) => {
  const p = await ok('ptrace: return EPERM\r\n', { denylist: true });
  t.true(p.denylist);
  t.is(decide(p.ruleSet, 0), 'allow');
  const files: Record<string, string> = { 'a.policy': 'read: 1\n' };
  const q = await ok('@include ./a.policy\n', { file: 'main', readFile: (x) => files[x] });
  t.deepEqual(q.files, ['main', 'a.policy']);
  t.regex(
    (await errors('@include ./a.policy\n', { file: 'main', readFile: () => new Error('EACCES') }))[0]!,
    /cannot read a.policy: EACCES/,
  );
  t.regex(
    (await errors('@include ./a.policy\n', { file: 'main', readFile: (x) => files[x], includeDepthLimit: 2 }))[0]!,
    /nested too deep/,
  );
  t.regex((await errors('read: arg0 == 1 extra'))[0]!, /unexpected 'extra'/);
  t.regex((await errors('@frequency ./f\n', { readFile: () => 'read 5\n' }))[0]!, /^f:1:6: unexpected '5'/);
  t.regex((await errors('@frequency ./f\n', { readFile: () => 'nosuch: 5\n' }))[0]!, /unknown system call 'nosuch'/);
  t.regex((await errors('read: arg0 == 99999999999999999999999'))[0]!, /invalid number/);
  const warn = await ok('read: arg0 == 1; return EPERM\nread: 1');
  t.true(warn.warnings.some((w) => /plain allow/.test(w.message)));
});
