/**
 * `seccomp-spec bpf` (all four formats, actions, output rules) and
 * `eval --bpf`, through main() with a fake Io.
 */
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { readFileSync } from 'node:fs';
import { AUDIT_ARCH_X86_64, decodeRaw, emulate, validate } from '../src/bpf/index.ts';
import { SECCOMP_RET } from '../src/action/index.ts';
import { runCli, type FakeTerminal, type Run } from '../src/cli/memory.ts';

const example = (path: string): string | undefined =>
  path.startsWith('examples/') ? readFileSync(new URL(`../${path}`, import.meta.url), 'latin1') : undefined;
const run = (
  argv: readonly string[],
  files: Readonly<Record<string, string>> = {},
  terminal: FakeTerminal = {},
): Promise<Run> => runCli(argv, (p) => files[p] ?? example(p), terminal);

const BUNDLED: readonly (readonly [string, 'x86_64' | 'ia32'])[] = [
  ...['ls', 'node', 'python3', 'true']
    .flatMap((n) => [`examples/policies/${n}-allows.txt`, `examples/policies/${n}-breaks.txt`])
    .map((p) => [p, 'x86_64'] as const),
  ['examples/policy.txt', 'x86_64'],
  ['examples/policy-ia32.txt', 'ia32'],
];

test('bpf prints all four formats for every bundled policy, and they describe one program', async (t) => {
  for (const [policy, abi] of BUNDLED) {
    const json = await run(['bpf', policy, '--abi', abi, '--format', 'json']);
    t.is(json.code, 0, `${policy}: ${json.err}`);
    const facts = JSON.parse(json.out) as {
      length: number;
      abi: string;
      program: { code: number; jt: number; jf: number; k: number }[];
      cacheable: number[];
    };
    t.is(facts.abi, abi);
    t.is(facts.program.length, facts.length);
    const raw = await run(['bpf', policy, '--abi', abi, '--format', 'raw']);
    t.is(raw.code, 0);
    t.is(raw.out, '');
    t.deepEqual(E.getOrElse((): unknown => null)(decodeRaw(raw.bytes)), facts.program);
    t.true(E.isRight(validate(facts.program)));
    const dis = await run(['bpf', policy, '--abi', abi]);
    t.is(dis.code, 0);
    t.is(dis.out.split('\n').length, facts.length + 3, 'header, one line per instruction, final newline');
    t.regex(dis.out, abi === 'x86_64' ? /if \(A != ARCH_X86_64\) goto/ : /if \(A != ARCH_I386\) goto/);
    const c = await run(['bpf', policy, '--abi', abi, '--format', 'c']);
    t.is(c.code, 0);
    t.true(c.out.includes(`static struct sock_filter seccomp_filter[${facts.length}] = {`));
    t.true(c.out.includes(`static const unsigned short seccomp_filter_len = ${facts.length};`));
    t.is((c.out.match(/^\t\{ 0x/gm) ?? []).length, facts.length);
  }
});

test('bpf disassembles with the names of the ABI', async (t) => {
  const r = await run(['bpf', 'p.txt'], { 'p.txt': 'read: fd == 0\nwrite: 1\n' });
  t.is(r.code, 0);
  t.regex(r.out, /^ line {2}CODE {2}JT {3}JF {6}K\n=+\n 0000: 0x20 0x00 0x00 0x00000004 {2}A = arch\n/);
  t.regex(r.out, /A = fd >> 32 # read\(fd, buf, count\)/);
  t.regex(r.out, /A = fd # read\(fd, buf, count\)/);
  t.regex(r.out, /return ALLOW\n/);
  t.regex(r.out, /return KILL_PROCESS\n/);
});

test('bpf never writes a raw program to a terminal; -o FILE writes it; a failed write is an error', async (t) => {
  const tty = await run(['bpf', 'examples/policy.txt', '--format', 'raw'], {}, { outIsTty: true });
  t.is(tty.code, 2);
  t.is(tty.bytes.length, 0);
  t.regex(tty.err, /refusing to write a binary BPF program to a terminal: give -o FILE/);
  const file = await run(['bpf', 'examples/policy.txt', '--format', 'raw', '-o', 'out.bpf'], {}, { outIsTty: true });
  t.is(file.code, 0);
  const bytes = file.written.get('out.bpf');
  t.true(bytes instanceof Uint8Array && bytes.length % 8 === 0 && bytes.length > 0);
  const text = await run(['bpf', 'examples/policy.txt', '--output=out.c', '--format=c']);
  t.is(text.code, 0);
  t.is(text.out, '');
  t.regex(String(text.written.get('out.c')), /#include <linux\/filter.h>/);
  const denied = await run(['bpf', 'examples/policy.txt', '-o', '/ro/x'], {}, { unwritable: ['/ro/x'] });
  t.is(denied.code, 1);
  t.regex(denied.err, /^\/ro\/x: cannot write: EACCES/m);
});

test('bpf --kill and --allow choose the actions; errno on both sides executes nothing', async (t) => {
  const r = await run(['bpf', 'p.txt', '--format', 'json', '--kill', 'errno:1', '--allow', 'errno:0'], {
    'p.txt': 'getpid: 1\n',
  });
  t.is(r.code, 0);
  const facts = JSON.parse(r.out) as {
    kill: string;
    allow: string;
    cacheable: number[];
    program: { code: number; jt: number; jf: number; k: number }[];
  };
  t.is(facts.kill, 'ERRNO(1)');
  t.is(facts.allow, 'ERRNO(0)');
  t.deepEqual(facts.cacheable, []);
  const data = (nr: number) => ({
    nr,
    arch: AUDIT_ARCH_X86_64,
    instructionPointer: 0n,
    args: [0n, 0n, 0n, 0n, 0n, 0n],
  });
  t.is(emulate(facts.program, data(39)).ret, SECCOMP_RET.ERRNO);
  t.is(emulate(facts.program, data(40)).ret, SECCOMP_RET.ERRNO | 1);
  for (const action of ['kill-thread', 'trap', 'log', 'trace:7', 'allow']) {
    t.is((await run(['bpf', 'p.txt', '--kill', action], { 'p.txt': 'getpid: 1\n' })).code, 0, action);
  }
  const bad = await run(['bpf', 'p.txt', '--kill', 'die'], { 'p.txt': 'getpid: 1\n' });
  t.is(bad.code, 2);
  t.regex(
    bad.err,
    /invalid --kill: unknown action 'die': expected one of allow, log, errno:N, trap\[:N\], trace\[:N\], user-notif, kill-thread, kill-process/,
  );
  const kill2011 = await run(['bpf', 'p.txt', '--kill', 'kill'], { 'p.txt': 'getpid: 1\n' });
  t.is(kill2011.code, 2);
  t.regex(kill2011.err, /invalid --kill: 'kill' \(the 2011 kill\) has no BPF value of its own/);
  const badAllow = await run(['bpf', 'p.txt', '--allow', 'errno:5000'], { 'p.txt': 'getpid: 1\n' });
  t.is(badAllow.code, 2);
  t.regex(badAllow.err, /invalid --allow: errno:5000: an errno is at most 4095/);
});

test('bpf --plain prints the linear twin, longer than the optimised program', async (t) => {
  const opt = JSON.parse((await run(['bpf', 'examples/policies/ls-allows.txt', '--format', 'json'])).out) as {
    length: number;
  };
  const plain = JSON.parse(
    (await run(['bpf', 'examples/policies/ls-allows.txt', '--format', 'json', '--plain'])).out,
  ) as { length: number };
  t.true(plain.length > opt.length, `${plain.length} vs ${opt.length}`);
});

test('bpf reports bad policies, bad flags and programs too long for BPF', async (t) => {
  const bad = await run(['bpf', 'p.txt'], { 'p.txt': 'read: fd = 0\n' });
  t.is(bad.code, 1);
  t.is(bad.err, 'p.txt:1:10: Invalid operator\nread: fd = 0\n         ^\n');
  const missing = await run(['bpf', 'nope.txt']);
  t.is(missing.code, 2);
  t.regex(missing.err, /nope.txt: cannot read/);
  const format = await run(['bpf', 'examples/policy.txt', '--format', 'elf']);
  t.is(format.code, 2);
  t.regex(format.err, /invalid --format/);
  t.is((await run(['bpf'])).code, 2);
  t.is((await run(['bpf', 'examples/policy.txt', '--abi', 'arm'])).code, 2);
  const help = await run(['bpf', '--help']);
  t.is(help.code, 0);
  t.regex(help.out, /^usage: seccomp-spec bpf POLICY/);
  const table = (await import('../src/x86/index.ts')).syscallTable('x86_64');
  // As many 64-bit equalities as fit in 255 characters, distinct per entry; 64 KiB of them.
  const lines = table.calls
    .filter((c) => c.args.length > 0)
    .map((c, j) =>
      Array.from(
        { length: 16 },
        (_, i) =>
          `${c.args[0]!.name} == 0x${i + 1}00${j.toString(16).padStart(4, '0')}${i.toString(16).padStart(2, '0')}`,
      )
        .reduce(
          (acc, p) => (acc.length + p.length + 4 > 255 - c.name.length - 2 ? acc : `${acc} || ${p}`),
          `${c.name}: 0`,
        )
        .replace(': 0 || ', ': '),
    );
  const long = await run(['bpf', 'long.txt'], { 'long.txt': lines.slice(0, 240).join('\n') });
  t.is(long.code, 1);
  t.regex(
    long.err,
    /^long.txt: the program would be \d+ instructions, more than BPF_MAXINSNS \(4096\); the entry for \w+ \(\d+\) makes it too long\n$/,
  );
});

test("eval --bpf reports the emulator's action and instruction count beside the engine", async (t) => {
  const ok = await run(['eval', 'p.txt', 'write', 'fd=1', '--bpf'], { 'p.txt': 'write: fd == 1\n' });
  t.is(ok.code, 0);
  t.regex(ok.out, /\n {2}bpf: {5}ALLOW \(allow\) after \d+ of \d+ instructions\n/);
  const high = await run(['eval', 'p.txt', 'write', 'fd=0x100000001', '--bpf', '--json'], {
    'p.txt': 'write: fd == 1\n',
  });
  t.is(high.code, 1);
  const j = JSON.parse(high.out) as {
    allowed: boolean;
    bpf: { action: string; ret: string; executed: number; length: number };
    action: string;
    rule: unknown;
    notes: string[];
  };
  t.false(j.allowed);
  t.is(j.bpf.ret, 'KILL_PROCESS');
  t.is(j.bpf.action, 'kill-process');
  t.is(j.action, 'kill');
  t.deepEqual(j.rule, { file: 'p.txt', lines: [1], text: 'fd == 1' });
  t.true(j.bpf.executed > 0 && j.bpf.executed <= j.bpf.length);
  t.deepEqual(j.notes, []);
  const compat = await run(['eval', 'p.txt', '--vector', 'int80', 'read', '0', '--bpf'], {
    'p.txt': 'read: fd == 0\n',
  });
  t.is(compat.code, 1);
  t.regex(
    compat.out,
    /  rule:    none: no entry answered, the default did \(S6.4\)\n  bpf: {5}KILL_PROCESS \(kill-process\) after 3 of/,
  );
  const pending = await run(['eval', 'p.txt', 'read', '0', '--bpf'], {
    'p.txt': 'on_next_syscall: 1\nread: fd == 0\ngetpid: 1\n',
  });
  t.is(pending.code, 0);
  t.regex(pending.out, /bpf: {5}ALLOW/);
});

/** What a raw program answers a native x86_64 call with the given registers. */
const nativeAnswer = (bytes: Uint8Array, nr: number, arg = 0n): number => {
  const p = decodeRaw(bytes);
  if (E.isLeft(p)) throw new Error(p.left);
  return emulate(p.right, { nr, arch: AUDIT_ARCH_X86_64, instructionPointer: 0n, args: [arg, arg, arg, 0n, 0n, 0n] })
    .ret;
};

test('bpf warns when a loader that installs before its execve would be denied that execve (B14)', async (t) => {
  const warning = /^warning: p\.txt: the program denies the native execve a loader makes right after installing it/m;
  const none = await run(['bpf', 'p.txt', '--format', 'raw'], { 'p.txt': 'read: 1\n' });
  t.is(none.code, 0);
  t.regex(none.err, warning);
  t.regex(none.err, /--allow-execve allows every native execve/);
  t.is(nativeAnswer(none.bytes, 59), SECCOMP_RET.KILL_PROCESS, 'the warning is about the program it wrote');
  const allowed = await run(['bpf', 'p.txt', '--format', 'raw'], { 'p.txt': 'read: 1\nexecve: 1\n' });
  t.is(allowed.err, '', 'a policy that allows execve itself needs no warning');
  const some = await run(['bpf', 'p.txt'], { 'p.txt': 'read: 1\nexecve: filename == 0\n' });
  t.regex(some.err, /^warning: p\.txt: the program may deny, depending on its arguments, the native execve/m);
  const errno = await run(['bpf', 'p.txt', '--kill', 'errno:1'], { 'p.txt': 'read: 1\n' });
  t.regex(errno.err, warning, 'a failed execve stops the command as surely as a kill');
  const both = await run(['bpf', 'p.txt', '--allow-execve', '--verify'], { 'p.txt': 'read: 1\n' });
  t.deepEqual([both.code, both.out], [2, ''], '--verify would prove the widened program differs');
  t.regex(both.err, /--allow-execve makes it differ on execve \(B14\)/);
  const ia32 = await run(['bpf', '--abi', 'ia32', 'p.txt'], { 'p.txt': 'execve: 1\n' });
  t.regex(ia32.err, warning, "an ia32 policy's execve entry is not the loader's native execve");
});

test('bpf --allow-execve allows every native execve and changes nothing else, on x86_64 and ia32 (B14)', async (t) => {
  for (const abi of ['x86_64', 'ia32'] as const) {
    const text = abi === 'x86_64' ? 'read: fd == 0\nexecve: filename == 0\n' : 'read: fd == 0\n';
    const [plain, loader] = await Promise.all([
      run(['bpf', 'p.txt', '--abi', abi, '--format', 'raw'], { 'p.txt': text }),
      run(['bpf', 'p.txt', '--abi', abi, '--format', 'raw', '--allow-execve'], { 'p.txt': text }),
    ]);
    t.is(loader.code, 0);
    t.is(loader.err, '', `${abi}: no warning once execve is allowed`);
    const p = decodeRaw(plain.bytes);
    const l = decodeRaw(loader.bytes);
    if (E.isLeft(p) || E.isLeft(l)) return t.fail('raw output does not decode');
    t.deepEqual(validate(l.right), E.right(undefined), `${abi}: the kernel's checks pass`);
    for (const v of [0n, 1n, 0x7ffc_0000_1000n, 0xffff_ffff_ffff_ffffn])
      t.is(nativeAnswer(loader.bytes, 59, v), SECCOMP_RET.ALLOW, `${abi}: execve(${v})`);
    // Every other call, native and compat, is answered as without the flag.
    const differ: string[] = [];
    for (const arch of [AUDIT_ARCH_X86_64, 0x40000003])
      for (let nr = 0; nr < 450; nr++)
        for (const v of [0n, 1n]) {
          const d = { nr, arch, instructionPointer: 0n, args: [v, v, v, 0n, 0n, 0n] };
          if (!(arch === AUDIT_ARCH_X86_64 && nr === 59) && emulate(l.right, d).ret !== emulate(p.right, d).ret)
            differ.push(`arch ${arch.toString(16)} nr ${nr} args ${v}`);
        }
    t.deepEqual(differ, [], abi);
  }
});
