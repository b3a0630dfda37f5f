/**
 * O7 of spec/18-oci.md in `replay`: a trace replayed under a profile names,
 * for every call that does not run, the profile rule that answered (index,
 * names, comparisons) or the default that applied (eval also names the
 * rules Docker's conditions removed).
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { runCli, type Run } from '../src/cli/memory.ts';

const disk = (p: string): string | undefined => {
  const url = new URL(`../${p}`, import.meta.url);
  return existsSync(url) ? readFileSync(url, 'utf8') : undefined;
};
const run = (argv: readonly string[], files: Readonly<Record<string, string>> = {}): Promise<Run> =>
  runCli(argv, (p) => files[p] ?? disk(p));

const docker = JSON.parse(disk('data/profiles/docker-default.json')!) as {
  syscalls: { names: string[]; action: string; errnoRet?: number; includes?: unknown; args?: unknown[] }[];
};
/** Docker's profile without ioctl and statx; statx answered errno 25 by a rule, ioctl allowed only with CAP_SYS_ADMIN. */
const derived = (() => {
  const p = structuredClone(docker);
  for (const s of p.syscalls) s.names = s.names.filter((n) => n !== 'ioctl' && n !== 'statx');
  p.syscalls.push({ names: ['ioctl'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } });
  p.syscalls.push({
    names: ['statx', 'fstatfs'],
    action: 'SCMP_ACT_ERRNO',
    errnoRet: 25,
    args: [{ index: 0, value: 0, op: 'SCMP_CMP_NE' }],
  });
  return JSON.stringify(p);
})();

test('O7 replay under a profile names the rule that answered, or the default', async (t) => {
  const r = await run(['replay', 'p.json', 'examples/traces/ls.strace'], { 'p.json': derived });
  t.is(r.code, 1, r.err);
  t.regex(r.out, /^replay of examples\/traces\/ls\.strace \(286 lines, 285 calls\) under p\.json \(oci, x86_64\)\n/);
  t.regex(
    r.out,
    /  ioctl \(16\) at line 134 and 1 later call: errno:1\n.*\n    answer: would return EPERM; the program's later calls may differ from the trace\n    reason: no rule of the policy matches: its default answers errno:1\n/,
  );
  t.regex(
    r.out,
    /  statx \(332\) at line 138 and 25 later calls: errno:25\n.*\n.*\n    reason: policy: syscalls\[\d+\] statx\(a0 != 0x0\) SCMP_ACT_ERRNO errnoRet 25 answers errno:25\n/,
  );
  const all = await run(['replay', 'p.json', 'examples/traces/ls.strace', '--caps', 'CAP_SYS_ADMIN'], {
    'p.json': derived,
  });
  t.notRegex(all.out, /ioctl \(16\) at line/, 'with CAP_SYS_ADMIN the ioctl rule stays and allows');
});

test("O7 replay under Docker's default profile: every call of ls runs; --json lists the answers", async (t) => {
  const r = await run(['replay', 'data/profiles/docker-default.json', 'examples/traces/ls.strace']);
  t.is(r.code, 0, r.err);
  t.regex(r.out, /task 7263 \(engine pid 1\): ok, 285 calls allowed\n/);
  const j = await run(['replay', 'p.json', 'examples/traces/ls.strace', '--json'], { 'p.json': derived });
  t.is(j.code, 1);
  t.regex(j.out, /"errno:1"/);
  t.regex(j.out, /"errno:25"/);
});

test('replay --dialect oci: a trace that does not parse and a profile that does not read are errors', async (t) => {
  const bad = await run(['replay', 'p.json', 't.strace'], { 'p.json': derived, 't.strace': '1 nosuchline(\n' });
  t.is(bad.code, 1);
  t.regex(bad.err, /^t\.strace:1:3: unknown system call 'nosuchline'/m);
  const wrong = await run(['replay', '--dialect', 'oci', 'p.json', 'examples/traces/ls.strace'], {
    'p.json': '{"syscalls": []}',
  });
  t.not(wrong.code, 0);
  t.regex(wrong.err, /defaultAction/);
});
