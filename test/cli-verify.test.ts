/**
 * `seccomp-spec verify` and `bpf --verify` (V4 of spec/19-proofs.md),
 * through main() with a fake Io: proofs of the compiler's programs,
 * confirmed counterexamples, and every usage error.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { SECCOMP_RET } from '../src/action/index.ts';
import { AUDIT_ARCH_X86_64, decodeRaw, emulate, encodeRaw, type Program } from '../src/bpf/index.ts';
import * as E from 'fp-ts/lib/Either.js';
import { ALLOW } from '../src/action/index.ts';
import { runCli, type Run } from '../src/cli/memory.ts';
import { report, EXIT_PROOF_ERROR } from '../src/cli/commands/verify.ts';

const example = (path: string): string | undefined =>
  path.startsWith('examples/') ? readFileSync(new URL(`../${path}`, import.meta.url), 'latin1') : undefined;
const run = (argv: readonly string[], files: Readonly<Record<string, string | Uint8Array>> = {}): Promise<Run> =>
  runCli(argv, (p) => files[p] ?? example(p));

async function compiled(policy: string, ...flags: string[]): Promise<Uint8Array> {
  const r = await run(['bpf', policy, '--format', 'raw', ...flags]);
  if (r.code !== 0) throw new Error(r.err);
  return r.bytes;
}

const programOf = (bytes: Uint8Array): Program => E.getOrElseW(() => [])(decodeRaw(bytes));

test('verify proves the compiled programs of the bundled policies, both ABIs', async (t) => {
  for (const [policy, abi] of [
    ['examples/policy.txt', 'x86_64'],
    ['examples/policy-ia32.txt', 'ia32'],
    ['examples/policies/ls-allows.txt', 'x86_64'],
  ] as const) {
    const prog = await compiled(policy, '--abi', abi);
    const r = await run(['verify', policy, 'p.bpf', '--abi', abi], { 'p.bpf': prog });
    t.is(r.code, 0, `${policy}: ${r.out}${r.err}`);
    t.regex(
      r.out,
      /^proven: p\.bpf decides every seccomp_data as .* does\n {2}\d+ regions, \d+ equal by construction, \d+ solver queries; terms \d+ ms, solver \d+ ms\n$/,
    );
  }
});

test('verify finds a program that kills with another value, and --kill makes it agree', async (t) => {
  const prog = await compiled('examples/policy.txt', '--kill', 'errno:1');
  const r = await run(['verify', 'examples/policy.txt', 'p.bpf'], { 'p.bpf': prog });
  t.is(r.code, 1, r.err);
  t.regex(r.out, /^counterexample: p\.bpf and examples\/policy\.txt answer differently for\n/);
  t.regex(r.out, /program: ERRNO\(1\) \(0x00050001\), run by the BPF emulator/);
  t.regex(r.out, /policy: {2}kill \(0x80000000\), by its default, and the model agrees/);
  const agreed = await run(['verify', 'examples/policy.txt', 'p.bpf', '--kill', 'errno:1'], { 'p.bpf': prog });
  t.is(agreed.code, 0, agreed.out);
});

test('verify finds a changed constant, and its counterexample reproduces on the emulator', async (t) => {
  const p = programOf(await compiled('examples/policy.txt'));
  // The first test against fd's low word (read: fd == 0) now compares with 1.
  const at = p.findIndex((i) => i.code === 0x15 && i.k === 0 && p[p.indexOf(i) - 1]?.k === 16);
  t.true(at > 0);
  const bad = p.map((i, n) => (n === at ? { ...i, k: 1 } : i));
  const r = await run(['verify', 'examples/policy.txt', 'bad.bpf', '--json'], { 'bad.bpf': encodeRaw(bad) });
  t.is(r.code, 1, r.err);
  const v = JSON.parse(r.out) as {
    verdict: string;
    call: { arch: number; nr: number; args: string[]; ip: string };
    program: { ret: number };
    policy: { action: string; rule: string | null };
  };
  t.is(v.verdict, 'counterexample');
  t.is(v.call.nr, 0);
  const d = { nr: v.call.nr, arch: v.call.arch, instructionPointer: BigInt(v.call.ip), args: v.call.args.map(BigInt) };
  t.is(v.call.arch, AUDIT_ARCH_X86_64);
  t.is(emulate(bad, d).ret, v.program.ret);
  t.not(emulate(p, d).ret, v.program.ret);
  t.true(v.policy.action === 'allow' ? v.program.ret !== SECCOMP_RET.ALLOW : v.program.ret === SECCOMP_RET.ALLOW);
});

test('bpf --verify proves before it writes, with the --allow and --kill values', async (t) => {
  const r = await run([
    'bpf',
    'examples/policy.txt',
    '--verify',
    '--allow',
    'log',
    '--kill',
    'trap',
    '--format',
    'raw',
    '-o',
    'out.bpf',
  ]);
  t.is(r.code, 0, r.err);
  t.regex(r.err, /^proven: the program decides every seccomp_data as examples\/policy\.txt does/m);
  t.regex(r.err, /^warning: .*denies the native execve/, 'the loader warning (B14) comes first');
  t.true(r.written.get('out.bpf') instanceof Uint8Array);
});

test('verify refuses what it cannot read, with the exit codes of its help', async (t) => {
  const prog = await compiled('examples/policy.txt');
  const cases: readonly [readonly string[], Record<string, string | Uint8Array>, number, RegExp][] = [
    [['verify', 'examples/policy.txt'], {}, 2, /verify takes exactly 2 arguments, got 1/],
    [
      ['verify', 'examples/policy.txt', 'p.bpf', '--kill', 'nope'],
      { 'p.bpf': prog },
      2,
      /invalid --kill: unknown action 'nope'/,
    ],
    [
      ['verify', 'examples/policy.txt', 'p.bpf', '--dialect', 'x'],
      { 'p.bpf': prog },
      2,
      /invalid --dialect: x: expected one of 2011/,
    ],
    [['verify', 'examples/policy.txt', 'p.bpf', '--abi', 'x32'], { 'p.bpf': prog }, 2, /invalid --abi/],
    [['verify', 'missing.txt', 'p.bpf'], { 'p.bpf': prog }, 2, /missing\.txt: cannot read/],
    [['verify', 'examples/policy.txt', 'missing.bpf'], {}, 2, /missing\.bpf: cannot read/],
    [
      ['verify', 'bad.txt', 'p.bpf'],
      { 'bad.txt': 'sys_read: fd = 1\n', 'p.bpf': prog },
      1,
      /bad\.txt:1:14: Invalid operator/,
    ],
    [
      ['verify', 'examples/policy.txt', 'odd.bpf'],
      { 'odd.bpf': new Uint8Array(12) },
      1,
      /not a raw BPF program: a raw program is a positive multiple of 8 bytes/,
    ],
    [
      ['verify', 'examples/policy.txt', 'z.bpf'],
      { 'z.bpf': new Uint8Array(8) },
      1,
      /the kernel would refuse this program: the last instruction \(0\) is not a RET/,
    ],
  ];
  for (const [argv, files, code, msg] of cases) {
    const r = await run(argv, files);
    t.is(r.code, code, `${argv.join(' ')}: ${r.err}`);
    t.regex(r.err, msg);
  }
  const help = await run(['verify', '--help']);
  t.is(help.code, 0);
  t.regex(help.out, /^usage: seccomp-spec verify POLICY PROGRAM/);
});

test('a counterexample that does not reproduce is reported as a bug, with its own exit code', (t) => {
  let err = '';
  const io = { out: () => undefined, err: (s: string) => void (err += s) } as unknown as Parameters<typeof report>[5];
  const stats = { regions: 1, byConstruction: 0, queries: 1, termMs: 1, solveMs: 1 };
  const code = report(
    { kind: 'bug', message: "z3's counterexample does not reproduce", stats },
    { policy: 'a', program: 'b' },
    { ruleSet: { arches: {}, otherArch: ALLOW } },
    () => 0,
    false,
    io,
  );
  t.is(code, EXIT_PROOF_ERROR);
  t.regex(err, /^BUG: z3's counterexample does not reproduce\n/);
});
