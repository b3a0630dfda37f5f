/** O7 of spec/18-oci.md: --dialect oci (chosen for JSON) in check and eval, explanations naming the rule. */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { runCli, type Run } from '../src/cli/memory.ts';

const docker = readFileSync(new URL('../data/profiles/docker-default.json', import.meta.url), 'utf8');
const run = (argv: readonly string[], files: Readonly<Record<string, string>> = {}): Promise<Run> =>
  runCli(argv, (p) => files[p]);

const P = JSON.stringify({
  defaultAction: 'SCMP_ACT_ERRNO',
  syscalls: [
    { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
    { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'], minKernel: '5.0' } },
  ],
});

test('eval of a JSON profile names the rule that answered (index, names, args), or the default', async (t) => {
  const yes = await run(['eval', 'p.json', 'personality', '8', '--kernel', '6.1'], { 'p.json': P });
  t.is(yes.code, 0);
  t.regex(
    yes.out,
    /personality\(personality=8\) \(x86_64\): allow\n {2}rule: p\.json: syscalls\[0\] personality\(a0 == 0x8\) SCMP_ACT_ALLOW/,
  );
  const no = await run(['eval', 'p.json', 'personality', '9', '--kernel', '6.1'], { 'p.json': P });
  t.is(no.code, 1);
  t.regex(no.out, /errno:1\n {2}by: no rule holds: the default \(defaultAction SCMP_ACT_ERRNO \(errno:1\)\)/);
});

test('eval says which Docker condition removed a rule, and --caps and --kernel change it', async (t) => {
  const r = await run(['eval', 'p.json', 'mount', '--kernel', '6.1'], { 'p.json': P });
  t.regex(
    r.out,
    /note: syscalls\[1\] \(mount\) removed by Docker: includes.caps needs CAP_SYS_ADMIN, which the container lacks/,
  );
  const admin = await run(['eval', 'p.json', 'mount', '--caps', 'sys_admin', '--kernel', '6.1', '--json'], {
    'p.json': P,
  });
  t.is(JSON.parse(admin.out).rule, 'p.json: syscalls[1] mount() SCMP_ACT_ALLOW');
  const old = await run(['eval', 'p.json', 'mount', '--caps', 'CAP_SYS_ADMIN', '--kernel', '4.4', '--json'], {
    'p.json': P,
  });
  t.deepEqual(JSON.parse(old.out).removed, [
    'syscalls[1] (mount) removed by Docker: includes.minKernel is 5.0 and the kernel is 4.4',
  ]);
  const bad = await run(['eval', 'p.json', 'mount', '--kernel', 'new'], { 'p.json': P });
  t.is(bad.code, 2);
  t.regex(bad.err, /--kernel takes a version X.Y/);
});

test('eval of an x86 call through socketcall, and of an x32 call', async (t) => {
  const S = JSON.stringify({
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] }],
  });
  const r = await run(['eval', 's.json', 'socketcall', '1', '2', '--abi', 'ia32'], { 's.json': S });
  t.regex(
    r.out,
    /\(ia32\): allow\n {2}rule: s\.json: syscalls\[0\] socket\(a0 == 0x1\) SCMP_ACT_ALLOW through socketcall\(1\) on x86/,
  );
  const x32 = await run(['eval', 's.json', String(0x40000000 + 41), '0xffffffff00000001'], { 's.json': S });
  t.regex(x32.out, /: allow\n {2}rule: s\.json: syscalls\[0\] socket\(a0 == 0x1\) SCMP_ACT_ALLOW/);
});

test('check of a profile prints its rules and warnings; a wrong field exits 1 with path, line, column and caret', async (t) => {
  const r = await run(['check', 'd.json', '--kernel', '6.1'], { 'd.json': docker });
  t.is(r.code, 0);
  // libseccomp's order: larger values first.
  t.regex(
    r.out,
    /^135 personality: arg0 == 0xffffffff -> allow\n135 personality: arg0 == 0x20008 -> allow\n135 personality: arg0 == 0x20000 -> allow\n135 personality: arg0 == 8 -> allow\n135 personality: arg0 == 0 -> allow$/m,
  );
  t.regex(r.out, /^default: errno:1$/m);
  t.regex(
    r.err,
    /warning: syscalls\[14\] clone\(a0 & 0x7e020000 == 0x0\) SCMP_ACT_ALLOW: x32 compares only the low 32 bits/,
  );
  const bad = await run(['check', 'b.json'], { 'b.json': '{\n "defaultAction": "SCMP_ACT_EPERM"\n}' });
  t.is(bad.code, 1);
  t.regex(
    bad.err,
    /^b\.json:2:19: \$\.defaultAction: "SCMP_ACT_EPERM" is not "SCMP_ACT_KILL" \|.*\n "defaultAction": "SCMP_ACT_EPERM"\n {18}\^\n$/,
  );
});
