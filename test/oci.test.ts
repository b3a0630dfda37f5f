/** O1-O7 of spec/18-oci.md: validation, Docker's resolution, runc's reading, libseccomp's rewriting, lints. */
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { ALLOW, errno, KILL_THREAD, trace, trap } from '../src/action/index.ts';
import { decideRules, holds } from '../src/ruleset/index.ts';
import {
  capName,
  dockerArchOf,
  DOCKER_DEFAULT_CAPS,
  formatOciError,
  kernelVersion,
  lowWordCond,
  parseJson,
  readOci,
  runcAction,
  splitRepeatedIndex,
  type OciOptions,
} from '../src/oci/index.ts';
import { x32Table, X32_SYSCALL_BIT } from '../src/x86/index.ts';

const opts: OciOptions = { docker: { arch: 'amd64', caps: DOCKER_DEFAULT_CAPS, kernel: [6, 1] } };
const read = (text: string, o: OciOptions = opts) => {
  const r = readOci(text, o);
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};
const errs = (text: string) => {
  const r = readOci(text, opts);
  if (E.isRight(r)) throw new Error('expected errors');
  return r.left;
};

test('O1 a wrong field names its JSON path, line, column and what is valid', (t) => {
  const text =
    '{\n  "defaultAction": "SCMP_ACT_ERRNO",\n  "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALOW"}]\n}';
  const e = errs(text);
  t.is(e.length, 1);
  t.is(e[0]!.path, '$.syscalls[0].action');
  t.deepEqual(e[0]!.pos, { line: 3, col: text.split('\n')[2]!.indexOf('"SCMP_ACT_ALOW"') + 1 });
  t.regex(e[0]!.message, /"SCMP_ACT_ALOW" is not "SCMP_ACT_KILL" \| .*"SCMP_ACT_ALLOW"/);
  t.regex(formatOciError(e[0]!, 'p.json', text), /^p\.json:3:46: \$\.syscalls\[0\]\.action: .*\n.*\n {45}\^$/);
});

test('O1 missing fields, bad indices, values past 64 bits and bad kernel versions are refused', (t) => {
  t.regex(errs('{"syscalls": []}')[0]!.message, /missing field: expected "SCMP_ACT_KILL"/);
  const args = (a: string) =>
    `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [${a}]}]}`;
  t.regex(errs(args('{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}'))[0]!.message, /argument index from 0 to 5/);
  t.is(
    errs(args('{"index": 0, "value": 18446744073709551616, "op": "SCMP_CMP_EQ"}'))[0]!.path,
    '$.syscalls[0].args[0].value',
  );
  t.notThrows(() => read(args('{"index": 0, "value": 18446744073709551615, "op": "SCMP_CMP_EQ"}')));
  t.regex(errs(args('{"index": 0, "value": 1, "op": "EQ"}'))[0]!.message, /"EQ" is not "SCMP_CMP_NE"/);
  const kernel =
    '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4"}}]}';
  t.regex(errs(kernel)[0]!.message, /kernel version "X.Y"/);
  t.regex(
    errs('{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 4096}')[0]!.message,
    /errno number from 0 to 4095/,
  );
  t.regex(errs('[1]')[0]!.message, /expected a JSON object/);
  t.regex(errs('{"defaultAction": "SCMP_ACT_ERRNO",}')[0]!.message, /invalid JSON: expected a string key/);
  t.deepEqual(errs('{"defaultAction": "SCMP_ACT_ERRNO",}')[0]!.pos, { line: 1, col: 36 });
  t.regex(errs('{"ociVersion": "1.0.2", "linux": {}}')[0]!.message, /no linux.seccomp/);
  t.regex(
    errs(
      '{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86"], "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]}',
    )[0]!.message,
    /both 'architectures' and 'archMap'/,
  );
  t.regex(
    errs(
      '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"name": "read", "names": ["write"], "action": "SCMP_ACT_ALLOW"}]}',
    )[0]!.message,
    /both 'name' and 'names'/,
  );
  t.regex(
    errs('{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": [""], "action": "SCMP_ACT_ALLOW"}]}')[0]!.message,
    /empty system call name/,
  );
  t.regex(errs('{"defaultAction": "SCMP_ACT_NOTIFY"}')[0]!.message, /refuses SCMP_ACT_NOTIFY as the default/);
  t.regex(
    errs('{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["write"], "action": "SCMP_ACT_NOTIFY"}]}')[0]!
      .message,
    /NOTIFY for write/,
  );
});

test('O1 the JSON reader keeps 64-bit integers exact, escapes, and positions', (t) => {
  const d = parseJson('{"a": [18446744073709551615, 1.5, -2, "x\\u0041\\n", true, null]}');
  if (E.isLeft(d)) return t.fail();
  t.deepEqual(d.right.value, { a: [18446744073709551615n, 1.5, -2, 'xA\n', true, null] });
  t.deepEqual(d.right.positions.get('$.a[3]'), { line: 1, col: 39 });
  for (const bad of ['', '{"a" 1}', '[1 2]', '"abc', '{"a": tru}', '1 2', '"\\q"', '"a\u0001"'])
    t.true(E.isLeft(parseJson(bad)), bad);
});

test('O1 a config.json is read at linux.seccomp, and Docker-only fields there are warned about and ignored', (t) => {
  const p = read(
    '{"ociVersion": "1.0.2", "linux": {"seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}}], "bogus": 1}}}',
  );
  t.is(p.profile.shape, 'config');
  t.is(decideRules(p.ruleSet, 'x86_64', 0, []).action.kind, 'allow');
  t.true(
    p.warnings.some((w) => w.path === '$.linux.seccomp.syscalls[0].includes' && /runc ignores it/.test(w.message)),
  );
  t.true(p.warnings.some((w) => w.path === '$.linux.seccomp.bogus'));
});

test('O2 Docker keeps or removes rules by caps, arches and kernel, and says which condition removed one', (t) => {
  const text = JSON.stringify({
    defaultAction: 'SCMP_ACT_ERRNO',
    archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }],
    syscalls: [
      { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['read'], action: 'SCMP_ACT_ALLOW', excludes: { caps: ['CAP_CHOWN'] } },
      { names: ['write'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['s390x'] } },
      { names: ['close'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '6.2' } },
      { names: ['open'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: '6.1' } },
      { names: ['getpid'], action: 'SCMP_ACT_ALLOW', excludes: { arches: ['amd64'] } },
      {
        names: ['getuid'],
        action: 'SCMP_ACT_ALLOW',
        includes: { arches: ['amd64'], caps: ['sys_admin'], minKernel: '4.8' },
      },
    ],
  });
  const p = read(text);
  t.deepEqual(p.arches, ['x86_64', 'x86', 'x32']);
  t.deepEqual(
    p.removed.map((r) => [r.index, r.reason]),
    [
      [0, 'includes.caps needs CAP_SYS_ADMIN, which the container lacks'],
      [1, 'excludes.caps lists CAP_CHOWN, which the container has'],
      [2, "includes.arches is [s390x], without amd64, the machine's architecture"],
      [3, 'includes.minKernel is 6.2 and the kernel is 6.1'],
      [4, 'excludes.minKernel is 6.1 and the kernel is 6.1'],
      [5, "excludes.arches lists amd64, the machine's architecture"],
      [6, 'includes.caps needs CAP_SYS_ADMIN, which the container lacks'],
    ],
  );
  const admin = read(text, { docker: { ...opts.docker, caps: ['CAP_SYS_ADMIN'] } });
  t.deepEqual(
    admin.removed.map((r) => r.index),
    [2, 3, 4, 5],
  );
  t.is(admin.rules.find((r) => r.name === 'getuid')?.index, 6);
  // No archMap entry for the machine: libseccomp keeps the native architecture only.
  t.deepEqual(read(text, { docker: { ...opts.docker, arch: 'arm64' } }).arches, ['x86_64']);
  t.is(capName('sys_admin'), 'CAP_SYS_ADMIN');
  t.deepEqual(kernelVersion('6.1.0-18-amd64'), [6, 1]);
  t.is(kernelVersion('unknown'), undefined);
  t.is(dockerArchOf('x64'), 'amd64');
  t.is(dockerArchOf('riscv64'), 'riscv64');
});

test('O3 runc: actions with errnoRet, EPERM by default, kill is kill-thread, trace takes errnoRet as data', (t) => {
  t.deepEqual(runcAction('SCMP_ACT_ERRNO', undefined), errno(1));
  t.deepEqual(runcAction('SCMP_ACT_ERRNO', 38), errno(38));
  t.deepEqual(runcAction('SCMP_ACT_TRACE', undefined), trace(1));
  t.deepEqual(runcAction('SCMP_ACT_TRAP', 5), trap(0));
  t.deepEqual(runcAction('SCMP_ACT_KILL', undefined), KILL_THREAD);
  for (const a of [
    'SCMP_ACT_KILL_PROCESS',
    'SCMP_ACT_KILL_THREAD',
    'SCMP_ACT_ALLOW',
    'SCMP_ACT_LOG',
    'SCMP_ACT_NOTIFY',
  ] as const)
    t.is(typeof runcAction(a, undefined).kind, 'string');
  const p = read(
    '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}, {"names": ["nosuchcall", "write"], "action": "SCMP_ACT_ALLOW"}]}',
  );
  t.is(p.rules.length, 1);
  t.true(p.warnings.some((w) => /action is the default action/.test(w.message) && w.path === '$.syscalls[0]'));
  t.true(p.warnings.some((w) => /unknown system call names, skipped as runc skips them: nosuchcall/.test(w.message)));
  t.is(p.ruleSet.arches.x86_64!.otherwiseOrigin?.text, 'defaultAction SCMP_ACT_ERRNO (errno:1)');
});

test('O3 runc: args ANDed; one index compared twice splits every comparison into a rule of its own (ORed)', (t) => {
  const a = (index: number, value: bigint) => ({ index, value, valueTwo: 0n, op: 'SCMP_CMP_EQ' as const });
  t.deepEqual(splitRepeatedIndex([a(0, 1n), a(1, 2n)]), [[a(0, 1n), a(1, 2n)]]);
  t.deepEqual(splitRepeatedIndex([a(0, 1n), a(0, 2n), a(1, 3n)]), [[a(0, 1n)], [a(0, 2n)], [a(1, 3n)]]);
  const p = read(
    '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 3, "op": "SCMP_CMP_EQ"}]}]}',
  );
  const d = (a0: bigint, a1: bigint) => decideRules(p.ruleSet, 'x86_64', 135, [a0, a1]).action.kind;
  t.is(d(1n, 0n), 'allow');
  t.is(d(2n, 0n), 'allow');
  t.is(d(9n, 3n), 'allow', 'a1 == 3 alone allows: the split ORs it');
  t.is(d(9n, 9n), 'errno');
  t.regex(
    decideRules(p.ruleSet, 'x86_64', 135, [9n, 3n]).rule!.origin.text,
    /^syscalls\[0\] personality\(a1 == 0x3\) SCMP_ACT_ALLOW$/,
  );
});

test('O4 x86 and x32: low 32 bits compared, values truncated; socketcall and ipc carry the socket and IPC calls', (t) => {
  const p = read(
    '{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"], "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 4294967304, "op": "SCMP_CMP_EQ"}]}, {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}, {"names": ["shmget"], "action": "SCMP_ACT_ALLOW"}]}',
  );
  const d = (abi: 'x86_64' | 'ia32', nr: number, args: bigint[]) => decideRules(p.ruleSet, abi, nr, args).action.kind;
  t.is(d('x86_64', 135, [0x100000008n]), 'allow');
  t.is(d('x86_64', 135, [8n]), 'errno');
  t.is(d('ia32', 136, [8n]), 'allow', 'x86 compares the truncated value');
  t.is(d('x86_64', X32_SYSCALL_BIT | 135, [0xffffffff00000008n]), 'allow', 'x32 reads the low word only');
  t.is(d('ia32', 102, [1n, 0n]), 'allow', 'socketcall(SYS_SOCKET): a0 is the subcall, the family is not checked');
  t.is(d('ia32', 102, [2n]), 'errno');
  t.is(d('ia32', 359, [1n]), 'allow');
  t.is(d('ia32', 359, [2n]), 'errno');
  t.is(d('ia32', 117, [23n]), 'allow', 'ipc(SHMGET)');
  t.is(d('ia32', 395, []), 'allow');
  t.true(
    p.weakened.some(
      (w) => w.arch === 'x86' && /through socketcall\(1, \.\.\.\) on x86 a0 == 0x1 is not checked/.test(w.message),
    ),
  );
  t.true(p.weakened.some((w) => w.arch === 'x86' && /low 32 bits on x86, as a0 == 0x8/.test(w.message)));
  t.true(p.weakened.some((w) => w.arch === 'x32' && /upper half set/.test(w.message)));
});

test('O4 x32 low-word comparisons hold exactly when the low word compares', (t) => {
  const vs = [0n, 1n, 2n, 0x7fffffffn, 0x80000000n, 0xfffffffen, 0xffffffffn];
  for (const op of ['SCMP_CMP_EQ', 'SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_GT', 'SCMP_CMP_GE'] as const)
    for (const v of vs)
      for (const a of vs)
        for (const hi of [0n, 0xdeadbeefn]) {
          const want = {
            SCMP_CMP_EQ: a === v,
            SCMP_CMP_NE: a !== v,
            SCMP_CMP_LT: a < v,
            SCMP_CMP_LE: a <= v,
            SCMP_CMP_GT: a > v,
            SCMP_CMP_GE: a >= v,
          }[op];
          if (holds(lowWordCond(0, op, v), [(hi << 32n) | a]) !== want) t.fail(`${op} ${v} on ${a}`);
        }
  t.is(holds(lowWordCond(0, 'SCMP_CMP_MASKED_EQ', 0n), [5n]), true);
  t.pass();
});

test('O5 unlisted architectures get KILL_THREAD; without x32, 0xffffffff still counts as x86_64', (t) => {
  const p = read('{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}');
  t.deepEqual(p.arches, ['x86_64']);
  t.deepEqual(decideRules(p.ruleSet, 'ia32', 3, []).action, KILL_THREAD);
  t.deepEqual(decideRules(p.ruleSet, 'x86_64', X32_SYSCALL_BIT, []).action, KILL_THREAD);
  t.deepEqual(decideRules(p.ruleSet, 'x86_64', -1, []).action, errno(1));
  t.deepEqual(decideRules(p.ruleSet, 'x86_64', 0, []).action, ALLOW);
  const arm = read('{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_ARM"]}');
  t.true(arm.warnings.some((w) => /SCMP_ARCH_ARM is not an x86 architecture/.test(w.message)));
});

test('O5 overlapping rules of one call: libseccomp order, unconditional first, longer rules swallowed, conflicts refused', (t) => {
  const prof = (rules: string) => `{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 10, "syscalls": [${rules}]}`;
  const r = (action: string, args: string, errnoRet = 1) =>
    `{"names": ["read"], "action": "${action}", "errnoRet": ${errnoRet}, "args": [${args}]}`;
  const eq = (i: number, v: number) => `{"index": ${i}, "value": ${v}, "op": "SCMP_CMP_EQ"}`;
  const d = (text: string, args: bigint[]) => {
    const a = decideRules(read(text).ruleSet, 'x86_64', 0, args).action;
    return a.kind === 'errno' ? a.errno : a.kind;
  };
  // a1 is tried before a0 whatever the order in the file.
  for (const rules of [
    [r('SCMP_ACT_ALLOW', eq(0, 1)), r('SCMP_ACT_ERRNO', eq(1, 2))],
    [r('SCMP_ACT_ERRNO', eq(1, 2)), r('SCMP_ACT_ALLOW', eq(0, 1))],
  ])
    t.is(d(prof(rules.join(',')), [1n, 2n]), 1);
  // An unconditional rule answers every call of its number, in either order; of two, the first.
  t.is(d(prof([r('SCMP_ACT_ALLOW', eq(0, 1)), r('SCMP_ACT_ERRNO', '', 2)].join(',')), [1n]), 2);
  t.is(d(prof([r('SCMP_ACT_ERRNO', '', 3), r('SCMP_ACT_ERRNO', '', 2)].join(',')), [1n]), 3);
  // A rule extending another's comparisons is swallowed by it...
  const swallow = read(
    prof([r('SCMP_ACT_ALLOW', eq(0, 1)), r('SCMP_ACT_ERRNO', `${eq(0, 1)}, ${eq(1, 2)}`)].join(',')),
  );
  t.is(decideRules(swallow.ruleSet, 'x86_64', 0, [1n, 2n]).action.kind, 'allow');
  t.is(swallow.shadowed.length, 1);
  // ...and refused when it comes first with a different action; same comparisons, different action: refused.
  t.regex(
    errs(prof([r('SCMP_ACT_ERRNO', `${eq(0, 1)}, ${eq(1, 2)}`), r('SCMP_ACT_ALLOW', eq(0, 1))].join(',')))[0]!.message,
    /libseccomp refuses .* \(EEXIST\)/,
  );
  t.regex(
    errs(prof([r('SCMP_ACT_ALLOW', eq(0, 1)), r('SCMP_ACT_ERRNO', eq(0, 1))].join(',')))[0]!.message,
    /runc would not start/,
  );
  // The same comparisons and action twice: one rule.
  t.is(
    read(
      prof([r('SCMP_ACT_ALLOW', eq(0, 1)), r('SCMP_ACT_ALLOW', eq(0, 1))].join(',')),
    ).ruleSet.arches.x86_64!.calls.get(0)!.length,
    1,
  );
  // A shorter rule with the subtree's action replaces it.
  const prune = read(prof([r('SCMP_ACT_ALLOW', `${eq(0, 1)}, ${eq(1, 2)}`), r('SCMP_ACT_ALLOW', eq(0, 1))].join(',')));
  t.is(decideRules(prune.ruleSet, 'x86_64', 0, [1n, 7n]).action.kind, 'allow');
});

test('O4 MASKED_EQ masks the value too, and a mask with no bit in the compared width compares nothing', (t) => {
  const p = read(
    '{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86"], "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2, "valueTwo": 4294967295, "op": "SCMP_CMP_MASKED_EQ"}]}, {"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 4294967296, "valueTwo": 4294967296, "op": "SCMP_CMP_MASKED_EQ"}]}]}',
  );
  t.is(decideRules(p.ruleSet, 'x86_64', 135, [2n]).action.kind, 'allow');
  t.is(decideRules(p.ruleSet, 'x86_64', 135, [1n]).action.kind, 'errno');
  t.is(decideRules(p.ruleSet, 'ia32', 3, [0n]).action.kind, 'allow', 'x86: the high-word-only mask is no test');
  t.is(decideRules(p.ruleSet, 'x86_64', 0, [0n]).action.kind, 'errno');
});

test('the x32 table: numbers carry bit 30; 64-bit-only calls are absent and x32-only ones present', (t) => {
  t.is(x32Table.resolve('read'), X32_SYSCALL_BIT);
  t.is(x32Table.resolve('rt_sigaction'), X32_SYSCALL_BIT + 512);
  t.is(x32Table.resolve('uselib'), undefined);
  t.is(x32Table.byNr(X32_SYSCALL_BIT + 1), 'write');
  t.is(x32Table.byNr(1), undefined);
  t.true(x32Table.calls.every((c) => c.nr >= X32_SYSCALL_BIT));
});
