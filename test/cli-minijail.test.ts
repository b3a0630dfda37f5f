/**
 * minijail policies through the CLI (spec/17-minijail.md, M10, M11):
 * `--dialect` on check and eval, the hint a 2011 error gives on a minijail
 * text, `convert` both ways with what cannot be written, and the bundled
 * example set in examples/minijail.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { runCli, type Run } from '../src/cli/memory.ts';
import { detectDialect, minijailSign } from '../src/cli/dialect.ts';
import { parseMinijail } from '../src/minijail/index.ts';
import { loadUapi } from '../src/x86/uapi.ts';

const disk = (p: string): string | undefined => {
  const url = new URL(`../${p}`, import.meta.url);
  return existsSync(url) ? readFileSync(url, 'utf8') : undefined;
};
const run = (argv: readonly string[], files: Readonly<Record<string, string>> = {}): Promise<Run> =>
  runCli(argv, (p) => files[p] ?? disk(p));

test('M11 check --dialect minijail prints the rules in order and the default; --json adds frequencies', async (t) => {
  const files = { 'p.policy': '@frequency ./p.freq\nread: arg0 == 0\nread: return EBADF\n', 'p.freq': 'read: 9\n' };
  const r = await run(['check', '--dialect', 'minijail', 'p.policy'], files);
  t.is(r.code, 0);
  t.is(r.out, '0 read: arg0 == 0 -> allow\n0 read: 1 -> errno:9\ndefault: kill-thread\n');
  const j = await run(['check', '--dialect', 'minijail', '--json', 'p.policy'], files);
  t.deepEqual(JSON.parse(j.out).frequencies, { '0': 9 });
  const bad = await run(['check', '--dialect', 'minijail', 'p.policy'], { 'p.policy': 'read: arg0 == O_RDONY\n' });
  t.is(bad.code, 1);
  t.is(
    bad.err,
    "p.policy:1:15: unknown constant 'O_RDONY' for x86_64; did you mean 'O_RDONLY', 'MS_RDONLY'?\nread: arg0 == O_RDONY\n              ^\n",
  );
  t.is((await run(['check', '--dialect', 'pascal', 'p.policy'], files)).code, 2);
  // A minijail text read as an OCI profile is not JSON: an error in the text (exit 1).
  const oci = await run(['check', '--dialect', 'oci', 'p.policy'], files);
  t.is(oci.code, 1);
  t.regex(oci.err, /^p\.policy:1:1: \$: invalid JSON/);
});

test('M11 a 2011 error on a text that looks like minijail names --dialect minijail; a 2011 text gets no hint', async (t) => {
  const r = await run(['check', 'p.policy'], { 'p.policy': 'mmap: arg2 in ~PROT_EXEC\n' });
  t.is(r.code, 1);
  t.regex(r.err, /p\.policy: this looks like a minijail policy \('in'\); read it with --dialect minijail\n$/);
  const plain = await run(['check', 'p.policy'], { 'p.policy': 'read: fd = 1\n' });
  t.notRegex(plain.err, /minijail/);
  t.is(minijailSign('@include ./x\n'), 'an @ directive');
  t.is(minijailSign('read: return 1\n'), "'return'");
  t.is(minijailSign('{read, write}: 1\n'), 'a {a, b}: group');
  t.is(minijailSign('read: kill-process\n'), 'a minijail action');
  t.is(minijailSign('openat: arg2 == O_RDONLY|O_CLOEXEC\n'), "a '|' of values");
  t.is(minijailSign('read: arg0 == 1\n'), undefined);
  t.is(detectDialect('{"defaultAction": "SCMP_ACT_ERRNO"}'), 'oci');
  t.is(detectDialect('{read, write}: 1'), '2011');
  t.is(detectDialect('read: 1'), '2011');
});

test('M11 eval --dialect minijail: the action, the rule with its file and line, or the default; exit by whether it runs', async (t) => {
  const files = { 'p.policy': 'openat: arg2 & O_WRONLY; return EROFS\nopenat: 1\nread: arg0 == 0\n' };
  const e = await run(['eval', '--dialect', 'minijail', 'p.policy', 'openat', '0', '0', '1'], files);
  t.is(e.code, 1);
  t.regex(e.out, /: errno:30\n {2}rule: p\.policy:1: openat: arg2 & O_WRONLY; return EROFS\n$/);
  const a = await run(['eval', '--dialect', 'minijail', '--json', 'p.policy', 'read', '0'], files);
  t.is(a.code, 0);
  t.like(JSON.parse(a.out), { allowed: true, action: 'allow', by: 'rule' });
  const d = await run(['eval', '--dialect', 'minijail', 'p.policy', 'write', '1'], files);
  t.is(d.code, 1);
  t.regex(d.out, /kill-thread\n {2}by: no rule holds: the default \(no @default: kill-thread\)/);
  const x = await run(['eval', '--dialect', 'minijail', '--vector', 'int80', 'p.policy', 'read', '0'], files);
  t.regex(x.out, /by: no rules for this architecture \(ia32 call 3\)/);
  t.is(
    (await run(['eval', '--dialect', 'minijail', 'p.policy', 'read', '0'], { 'p.policy': 'read: arg9 == 1\n' })).code,
    1,
  );
});

test('M10 convert minijail -> 2011: allow where the first holding rule allows; errno and permissive defaults refused', async (t) => {
  const files = {
    'm.policy':
      'read: arg0 == 0 || arg0 == 2\nmmap: arg2 in ~PROT_EXEC\nopenat: arg2 == 0x80000; kill\nopenat: arg2 & O_WRONLY\nwrite: 1\n',
  };
  const r = await run(['convert', '--from', 'minijail', '--to', '2011', 'm.policy'], files);
  t.is(r.code, 0, r.err);
  t.is(
    r.out,
    [
      '# 2011 policy converted from m.policy (minijail, x86_64) by seccomp-spec convert',
      'read: fd == 0 || fd == 2',
      'mmap: !(prot & 4)',
      'openat: flags != 0x80000 && flags & 1',
      'write: 1',
      '',
    ].join('\n'),
  );
  const no = await run(['convert', '--from', 'minijail', '--to', '2011', 'm.policy'], {
    'm.policy': 'read: return EPERM\n',
  });
  t.is(no.code, 1);
  t.regex(no.err, /m\.policy:1: cannot be written in 2011: read: 2011 has no errno action/);
  const deny = await run(['convert', '--from', 'minijail', '--to', '2011', 'm.policy'], {
    'm.policy': '@denylist\nread: return EPERM\n',
  });
  t.regex(deny.err, /the default action is allow/);
  const o = await run(['convert', '--from', 'minijail', '--to', '2011', '-o', 'out.txt', 'm.policy'], files);
  t.is(o.code, 0);
  t.regex(String(o.written.get('out.txt')), /^# 2011 policy/);
});

test('M10 convert 2011 -> minijail: negations pushed to the atoms, the 2011 kill as kill-process; it reads back', async (t) => {
  const files = {
    'p.txt':
      'openat: !(flags & 3) && flags & 0x80000\nclose: fd > 2\nclose: fd < 100\nsocket: !(family == 1 || family == 2 && type & 1)\nwrite: 1\n',
  };
  const r = await run(['convert', '--from', '2011', '--to', 'minijail', 'p.txt'], files);
  t.is(r.code, 0, r.err);
  t.is(
    r.out,
    [
      '# minijail policy converted from p.txt (2011, x86_64) by seccomp-spec convert',
      '@default kill-process',
      'openat: arg2 in ~3 && arg2 & 0x80000',
      'close: arg0 > 2 && arg0 < 100',
      'socket: arg0 != 1 && arg0 != 2 || arg0 != 1 && arg1 in ~1',
      'write: allow',
      '',
    ].join('\n'),
  );
  const back = await run(['check', '--dialect', 'minijail', 'c.policy'], { 'c.policy': r.out });
  t.is(back.code, 0);
  t.is((await run(['convert', '--from', 'minijail', '--to', 'bogus', 'p.txt'], files)).code, 2);
  t.is((await run(['convert', '--to', 'minijail', 'p.txt'], files)).code, 2);
  t.is((await run(['convert', '--from', '2011', '--to', 'minijail', 'nope.txt'], files)).code, 2);
});

test('M10 convert 2011 -> minijail on ia32: a 64-bit value against a 32-bit argument is decided, not cut to the word', async (t) => {
  const files = {
    'p.txt': 'read: fd == 0xffffffffffffffff || fd == 3\nwrite: fd != 0x100000001\n',
  };
  const r = await run(['convert', '--from', '2011', '--to', 'minijail', '--abi', 'ia32', 'p.txt'], files);
  t.is(r.code, 0, r.err);
  t.is(
    r.out,
    [
      '# minijail policy converted from p.txt (2011, ia32) by seccomp-spec convert',
      '@default kill-process',
      'read: arg0 == 3',
      'write: allow',
      '',
    ].join('\n'),
  );
});

test('examples/minijail: every policy reads, through its include tree, with its frequencies, using every feature', async (t) => {
  const uapi = await loadUapi('x86_64');
  const read = (p: string): string | undefined => disk(p);
  const app = parseMinijail(disk('examples/minijail/app.policy')!, uapi, {
    file: 'examples/minijail/app.policy',
    readFile: read,
  });
  t.true(app.ok);
  if (!app.ok) return;
  t.deepEqual(app.policy.files, [
    'examples/minijail/app.policy',
    'examples/minijail/common/startup.policy',
    'examples/minijail/common/memory.policy',
    'examples/minijail/app.frequency',
  ]);
  t.is(app.policy.frequencies.get(0), 258);
  const kinds = new Set([...app.policy.ruleSet.arches.x86_64!.calls.values()].flat().map((r) => r.action.kind));
  t.deepEqual([...kinds].sort(), ['allow', 'errno', 'kill-thread', 'log', 'trace', 'trap', 'user-notif']);
  t.is(app.policy.defaultAction.kind, 'kill-process');
  const text = disk('examples/minijail/app.policy')!;
  for (const feature of [' in ~', ' & ', '|', '{', '; return', '\\\n', '<=', '&&', '||'])
    t.true(text.includes(feature) || disk('examples/minijail/common/memory.policy')!.includes(feature), feature);
  const deny = parseMinijail(disk('examples/minijail/denylist.policy')!, uapi, { file: 'denylist.policy' });
  t.true(deny.ok && deny.policy.denylist);
});

test('M4 generate --dialect minijail writes argN atoms and, with --frequency, the counts it names with @frequency', async (t) => {
  const r = await run([
    'generate',
    '--dialect',
    'minijail',
    '--args',
    'fd,flags',
    '--frequency',
    'out/true.frequency',
    'examples/traces/true.strace',
  ]);
  t.is(r.code, 0, r.err);
  t.regex(r.out, /^@frequency \.\/true\.frequency$/m);
  t.regex(r.out, /^read: arg0 == 3$/m);
  t.regex(r.out, /^openat: arg2 == 0x80000$/m);
  const freq = String(r.written.get('out/true.frequency'));
  t.regex(freq, /^mmap: 8$/m);
  t.regex(freq, /^exit_group: 1$/m);
  // The policy reads back with its frequency file beside it.
  const back = await run(['check', '--dialect', 'minijail', '--json', 'out/true.policy'], {
    'out/true.policy': r.out,
    'out/true.frequency': freq,
  });
  t.is(back.code, 0, back.err);
  t.is((JSON.parse(back.out) as { frequencies: Record<string, number> }).frequencies['9'], 8);
  // Too many combinations leave an argument free, with a note.
  const wide = await run([
    'generate',
    '--dialect',
    'minijail',
    '--args',
    'addr,len,prot,flags',
    'examples/traces/true.strace',
  ]);
  t.regex(wide.err, /make more than 32 clauses/);
  t.is((await run(['generate', '--dialect', 'oci', 'examples/traces/true.strace'])).code, 2);
});

test('M11 B15 bpf --dialect minijail compiles each rule with its action; --frequency or @frequency lays the search out by counts', async (t) => {
  const files = {
    'p.policy': 'read: arg0 == 0\nread: return EBADF\n{write, close, fstat, lseek, mmap, brk, getpid}: 1\n',
    'f.policy':
      '@frequency ./p.freq\nread: arg0 == 0\nread: return EBADF\n{write, close, fstat, lseek, mmap, brk, getpid}: 1\n',
    'p.freq': 'getpid: 900\nread: 5\n',
    'bad.freq': 'getpid: 9\nreed: 1\n',
    'p.txt': 'read: 1\nwrite: 1\nclose: 1\nfstat: 1\nlseek: 1\nmmap: 1\nbrk: 1\ngetpid: 1\n',
  };
  const plain = await run(['bpf', '--dialect', 'minijail', '--format', 'json', 'p.policy'], files);
  t.is(plain.code, 0, plain.err);
  const json = JSON.parse(plain.out) as { entries: { name: string }[]; program: { k: number }[]; cacheable: number[] };
  t.deepEqual(
    json.entries.map((e) => e.name),
    ['read', 'write', 'close', 'fstat', 'lseek', 'mmap', 'brk', 'getpid'],
  );
  t.true(
    json.program.some((i) => i.k === 0x00050009),
    'return EBADF is SECCOMP_RET_ERRNO | 9',
  );
  t.notRegex(plain.err, /expected instructions/);
  const flagged = await run(
    ['bpf', '--dialect', 'minijail', '--format', 'json', '--frequency', 'p.freq', 'p.policy'],
    files,
  );
  const own = await run(['bpf', '--dialect', 'minijail', '--format', 'json', 'f.policy'], files);
  t.is(flagged.out, own.out, '--frequency and @frequency lay it out alike');
  const m = /: ([\d.]+) laid out by frequency, ([\d.]+) balanced/.exec(flagged.err);
  t.truthy(m, flagged.err);
  t.true(Number(m![1]) < Number(m![2]), flagged.err);
  t.notDeepEqual(JSON.parse(flagged.out).program, json.program);
  t.deepEqual(JSON.parse(flagged.out).cacheable, json.cacheable, 'every unconditional allow stays cacheable');
  // Every dialect: a 2011 policy laid out by the same file.
  const p2011 = await run(['bpf', '--frequency', 'p.freq', 'p.txt'], files);
  t.is(p2011.code, 0);
  t.regex(p2011.err, /p\.txt: expected instructions per call on the given counts: [\d.]+ laid out by frequency/);
  const bad = await run(['bpf', '--frequency', 'bad.freq', 'p.txt'], files);
  t.is(bad.code, 1);
  t.regex(bad.err, /^bad\.freq:2:1: unknown system call 'reed'/);
  t.is((await run(['bpf', '--frequency', 'none.freq', 'p.txt'], files)).code, 2);
  const verify = await run(['bpf', '--dialect', 'minijail', '--verify', 'p.policy'], files);
  t.is(verify.code, 2);
  t.regex(verify.err, /--verify takes a 2011 policy/);
  t.is((await run(['bpf', '--dialect', 'minijail', '--allow', 'log', 'p.policy'], files)).code, 2);
  t.is((await run(['bpf', '--dialect', 'minijail', 'bad.freq'], files)).code, 1);
  t.is((await run(['bpf', '--dialect', 'pascal', 'p.policy'], files)).code, 2);
});

test('T18 replay --dialect minijail: installed after the first execve; an errno is reported at its line, a kill kills, --all lists', async (t) => {
  const trace = 'examples/traces/true.strace';
  const g = await run(['generate', '--dialect', 'minijail', trace]);
  t.is(g.code, 0, g.err);
  const all = g.out;
  t.notRegex(all, /^execve:/m, 'the generated policy leaves the launching execve out');
  const ok = await run(['replay', '--dialect', 'minijail', 'p.policy', trace], { 'p.policy': all });
  t.is(ok.code, 0, ok.out + ok.err);
  t.regex(ok.out, /0 of 1 task killed; 0 calls not reached/);
  const without = all.replace(/^brk: .*\n/m, '');
  const errno = await run(['replay', '--dialect', 'minijail', 'p.policy', trace], {
    'p.policy': `${without}brk: return ENOMEM\n`,
  });
  t.is(errno.code, 1);
  t.regex(
    errno.out,
    /  brk \(12\) at line 2: errno:12\n {4}call: {3}brk\(brk=0\)\n {4}answer: would return E\w+; the program's later calls may differ from the trace\n {4}reason: p\.policy:\d+: brk: return ENOMEM answers errno:12\n/,
  );
  const json = await run(['replay', '--json', '--dialect', 'minijail', 'p.policy', trace], {
    'p.policy': `${without}brk: return ENOMEM\n`,
  });
  t.is(JSON.parse(json.out).tasks[0].answers[0].first.action, 'errno:12');
  const killed = await run(['replay', '--dialect', 'minijail', 'p.policy', trace], { 'p.policy': without });
  t.is(killed.code, 1);
  t.regex(
    killed.out,
    /KILLED at line 2 after 1 allowed call\n {2}call: {3}brk\(brk=0\)\n {2}reason: no rule of the policy matches: its default answers kill-thread/,
  );
  const audit = await run(['replay', '--all', '--dialect', 'minijail', 'p.policy', trace], { 'p.policy': without });
  t.is(audit.code, 1);
  t.regex(audit.out, /1 system call denied \(1 call\), \d+ calls allowed\n {2}brk \(12\): 1 call/);
  const bad = await run(['replay', '--dialect', 'minijail', 'p.policy', trace], { 'p.policy': 'brk: arg9 == 1\n' });
  t.is(bad.code, 1);
  t.regex(bad.err, /^p\.policy:1:/);
  t.is((await run(['replay', '--dialect', 'cobol', 'p.policy', trace], { 'p.policy': all })).code, 2);
});
