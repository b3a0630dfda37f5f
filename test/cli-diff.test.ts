/**
 * `seccomp-spec diff` (V5 of spec/19-proofs.md) through main() with a fake
 * Io: differences with witnesses and exact regions, --subset, --json, and
 * the usage errors.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { runCli, type Run } from '../src/cli/memory.ts';
import { decideData } from '../src/proof/index.ts';
import { ruleSetOfPolicy } from '../src/proof/policy2011.ts';
import { formatAction } from '../src/action/index.ts';

const example = (path: string): string | undefined =>
  path.startsWith('examples/') ? readFileSync(new URL(`../${path}`, import.meta.url), 'latin1') : undefined;
const run = (argv: readonly string[], files: Readonly<Record<string, string>> = {}): Promise<Run> =>
  runCli(argv, (p) => files[p] ?? example(p));

const A = 'sys_read: fd == 0\nsys_write: fd == 1 || fd == 2\nsys_exit_group: 1\n';
const B = 'sys_read: fd <= 1\nsys_write: fd == 1\nsys_exit_group: 1\nsys_getpid: 1\n';

test('diff names each differing number with both answers, the exact arguments and a witness', async (t) => {
  const r = await run(['diff', 'a.txt', 'b.txt'], { 'a.txt': A, 'b.txt': B });
  t.is(r.code, 1, r.err);
  t.true(
    r.out.includes(
      'x86_64 0 (read): A kill, B allow where (a0 == 0x0 && !(a0 <= 0x1)) || (!(a0 == 0x0) && a0 <= 0x1)\n  witness: arch 0xc000003e, nr 0, args 0x1, 0x0,',
    ),
    r.out,
  );
  t.true(
    r.out.includes(
      'x86_64 1 (write): A allow, B kill where ((a0 == 0x1 || a0 == 0x2) && !(a0 == 0x1)) || (!(a0 == 0x1 || a0 == 0x2) && a0 == 0x1)\n  witness: arch 0xc000003e, nr 1, args 0x2, 0x0,',
    ),
    r.out,
  );
  t.regex(r.out, /^x86_64 39 \(getpid\): A kill, B allow for every argument$/m);
  t.regex(
    r.out,
    /^3 regions with a difference\n {2}\d+ regions, \d+ equal by construction, \d+ solver queries; terms \d+ ms, solver \d+ ms\n$/m,
  );
});

test('diff --json gives witnesses that both policies decide as reported', async (t) => {
  const r = await run(['diff', 'a.txt', 'b.txt', '--json'], { 'a.txt': A, 'b.txt': B });
  t.is(r.code, 1);
  const v = JSON.parse(r.out) as {
    differences: { a: string; b: string; witness: { arch: number; nr: number; args: string[] } }[];
  };
  t.is(v.differences.length, 3);
  const pa = ruleSetOfPolicy(A, 'x86_64');
  const pb = ruleSetOfPolicy(B, 'x86_64');
  if ('errno' in pa || 'errno' in pb) return t.fail();
  for (const d of v.differences) {
    const w = { nr: d.witness.nr, arch: d.witness.arch, instructionPointer: 0n, args: d.witness.args.map(BigInt) };
    t.is(formatAction(decideData(pa.ruleSet, w)), d.a);
    t.is(formatAction(decideData(pb.ruleSet, w)), d.b);
  }
});

test('diff --subset exits 0 exactly when every call A lets run, B lets run too', async (t) => {
  const narrow = 'sys_read: fd == 0\n';
  const wide = 'sys_read: fd <= 3\nsys_write: 1\n';
  const yes = await run(['diff', 'n.txt', 'w.txt', '--subset'], { 'n.txt': narrow, 'w.txt': wide });
  t.is(yes.code, 0, yes.out);
  t.regex(yes.out, /^no call n\.txt lets run that w\.txt does not\n/);
  const no = await run(['diff', 'w.txt', 'n.txt', '--subset'], { 'n.txt': narrow, 'w.txt': wide });
  t.is(no.code, 1);
  t.regex(no.out, /^x86_64 0 \(read\): A allow, B kill where a0 <= 0x3 && !\(a0 == 0x0\)$/m);
  t.regex(no.out, /^x86_64 1 \(write\): A allow, B kill for every argument$/m);
});

test('diff of a policy with itself finds nothing, for both ABIs, without asking z3', async (t) => {
  for (const [p, abi] of [
    ['examples/policy.txt', 'x86_64'],
    ['examples/policy-ia32.txt', 'ia32'],
  ] as const) {
    const r = await run(['diff', p, p, '--abi', abi]);
    t.is(r.code, 0, r.err);
    t.regex(r.out, /^no difference\n {2}\d+ regions, \d+ equal by construction, 0 solver queries/);
  }
});

test('diff lists each number one policy lists and the other does not', async (t) => {
  const r = await run(['diff', 'a.txt', 'b.txt', '--abi', 'ia32'], {
    'a.txt': 'read: 1\n',
    'b.txt': 'read: 1\nwrite: 1\nclose: 1\n',
  });
  t.is(r.code, 1);
  t.regex(r.out, /^ia32 4 \(write\): A kill, B allow for every argument$/m);
  t.regex(r.out, /^ia32 6 \(close\): A kill, B allow for every argument$/m);
  const same = await run(['diff', 'a.txt', 'b.txt'], { 'a.txt': 'read: 1\n', 'b.txt': 'read: 1\n' });
  t.is(same.code, 0);
});

test('diff refuses bad arguments and bad policies', async (t) => {
  const cases: readonly [readonly string[], number, RegExp][] = [
    [['diff', 'a.txt'], 2, /diff takes exactly 2 arguments, got 1/],
    [['diff', 'a.txt', 'a.txt', '--dialect', 'oci2'], 2, /invalid --dialect/],
    [['diff', 'a.txt', 'a.txt', '--dialect', '2011,2011,2011'], 2, /expected one dialect, or two as A,B/],
    [['diff', 'a.txt', 'a.txt', '--dialect', '2011,x'], 2, /invalid --dialect: Invalid value "x"/],
    [
      ['diff', 'a.txt', 'a.txt', '--kill', 'errno:1'],
      2,
      /invalid --kill: errno:1: expected kill-thread or kill-process/,
    ],
    [['diff', 'a.txt', 'bad.txt', '--dialect', '2011,minijail'], 1, /bad\.txt:1:1: .*nope/],
    [['diff', 'a.txt', 'a.txt', '--abi', 'arm'], 2, /invalid --abi/],
    [['diff', 'a.txt', 'missing.txt'], 2, /missing\.txt: cannot read/],
    [['diff', 'bad.txt', 'a.txt'], 1, /bad\.txt:1:1: Unknown system call 'nope'/],
    [['diff', 'a.txt', 'bad.txt'], 1, /bad\.txt:1:1: Unknown system call 'nope'/],
  ];
  for (const [argv, code, msg] of cases) {
    const r = await run(argv, { 'a.txt': 'read: 1\n', 'bad.txt': 'nope: 1\n' });
    t.is(r.code, code, r.err);
    t.regex(r.err, msg);
  }
  const help = await run(['help', 'diff']);
  t.regex(help.out, /^usage: seccomp-spec diff A B/);
});

const converted = async (from: string, to: string, file: string, files: Readonly<Record<string, string>> = {}) => {
  const r = await run(['convert', '--from', from, '--to', to, file], files);
  if (r.code !== 0) throw new Error(r.err);
  return r.out;
};

test('diff finds nothing between a 2011 policy and its conversion to minijail, where a kill is kill-process', async (t) => {
  for (const p of ['examples/policy.txt', 'examples/policies/ls-allows.txt']) {
    const files = { 'p.mj': await converted('2011', 'minijail', p) };
    const r = await run(['diff', p, 'p.mj', '--dialect', '2011,minijail', '--kill', 'kill-process'], files);
    t.is(r.code, 0, `${p}: ${r.out}${r.err}`);
    t.regex(r.out, /^no difference\n/);
    // Without --kill the 2011 kill is an answer of its own, and minijail kills a thread on other arches (M7).
    const apart = await run(['diff', p, 'p.mj', '--dialect', '2011,minijail'], files);
    t.is(apart.code, 1);
    t.regex(apart.out, /^ia32: numbers 0-4294967295, which neither lists,: A kill, B kill-thread$/m);
    t.regex(apart.out, /^another arch: every call: A kill, B kill-thread$/m);
  }
});

test('diff finds nothing between a minijail policy and its conversion to 2011, and names what the conversion cannot keep', async (t) => {
  const mj = '@default kill-process\nread: arg0 == 0 || arg0 in 3\nwrite: arg0 == 1 || arg0 == 2\nexit_group: 1\n';
  const same = { 'mj.policy': mj, 'p.txt': await converted('minijail', '2011', 'mj.policy', { 'mj.policy': mj }) };
  const r = await run(['diff', 'mj.policy', 'p.txt', '--dialect', 'minijail,2011', '--kill', 'kill-process'], same);
  t.is(r.code, 0, r.out + r.err);
  const lossy = `${mj}reboot: kill-thread\nuname: log\n`;
  const files = {
    'mj.policy': lossy,
    'p.txt': await converted('minijail', '2011', 'mj.policy', { 'mj.policy': lossy }),
  };
  const d = await run(['diff', 'mj.policy', 'p.txt', '--dialect', 'minijail,2011', '--kill', 'kill-process'], files);
  t.is(d.code, 1);
  t.regex(d.out, /^x86_64 169 \(reboot\): A kill-thread, B kill-process for every argument$/m);
  t.regex(d.out, /^x86_64 63 \(uname\): A log, B allow for every argument$/m);
  t.regex(d.out, /^2 regions with a difference\n/m);
  const runs = await run(['diff', 'mj.policy', 'p.txt', '--dialect', 'minijail,2011', '--subset'], files);
  t.is(runs.code, 0, runs.out);
});
