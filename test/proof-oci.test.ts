/**
 * V4 and V5 on the bundled Docker and Podman default profiles (O1-O9 of
 * spec/18-oci.md): `verify` proves, for every seccomp_data, both this
 * project's program (each layout) and libseccomp's (Debian's 2.5.4 through
 * python3-seccomp, installed by .ci/run), read as runc hands a profile to
 * it; `diff` of Docker's and Podman's profiles gives witnesses that both
 * libseccomp programs, run on the emulator, answer as reported.
 */
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { readFileSync } from 'node:fs';
import { actionRet, parseAction, isActionError } from '../src/action/index.ts';
import { compileRules, emulate, encodeRaw, type Program } from '../src/bpf/index.ts';
import { runCli, type Run } from '../src/cli/memory.ts';
import { DOCKER_DEFAULT_CAPS, readOci, type OciOptions } from '../src/oci/index.ts';
import { libseccomp, oracleRules } from './support/libseccomp.ts';

const PROFILES = {
  docker: 'data/profiles/docker-default.json',
  podman: 'data/profiles/podman-default.json',
} as const;
const text = (p: string): string => readFileSync(new URL(`../${p}`, import.meta.url), 'utf8');
const run = (argv: readonly string[], files: Readonly<Record<string, Uint8Array>> = {}): Promise<Run> =>
  runCli(argv, (p) => files[p] ?? (p.startsWith('data/') ? text(p) : undefined));

const ALL_CAPS = [...DOCKER_DEFAULT_CAPS, 'CAP_SYS_ADMIN', 'CAP_SYS_PTRACE', 'CAP_SYS_BOOT', 'CAP_BPF', 'CAP_PERFMON'];

// What runc hands libseccomp for a profile, and libseccomp's program for it.
function programs(file: string, o: OciOptions): { mine: Program; plain: Program; lib: Program } {
  const r = readOci(text(file), o);
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  const lib = libseccomp(oracleRules(r.right.rules), r.right.ruleSet.arches.x86_64!.otherwise, r.right.arches);
  if (typeof lib === 'string') throw new Error(lib);
  // Every name resolves and no rule is refused: libseccomp's filter is the profile's whole meaning.
  if (lib.unknown.length > 0 || lib.refused.length > 0) throw new Error(JSON.stringify(lib));
  const tree = compileRules(r.right.ruleSet);
  const plain = compileRules(r.right.ruleSet, { layout: 'plain', fold: false });
  if (E.isLeft(tree) || E.isLeft(plain)) throw new Error('a bundled profile does not compile');
  return { mine: tree.right.program, plain: plain.right.program, lib: lib.program };
}

for (const [name, file] of Object.entries(PROFILES))
  for (const [caps, kernel] of [
    [undefined, '6.1'],
    [ALL_CAPS, '4.4'],
  ] as const) {
    const what = `${name} (${caps === undefined ? "docker run's caps" : 'more caps'}, kernel ${kernel})`;
    test(`V4 verify proves this project's programs and libseccomp's for ${what}, for every call`, async (t) => {
      const k = kernel.split('.').map(Number) as [number, number];
      const p = programs(file, { docker: { arch: 'amd64', caps: caps ?? DOCKER_DEFAULT_CAPS, kernel: k } });
      const flags = ['--kernel', kernel, ...(caps === undefined ? [] : ['--caps', caps.join(',')])];
      for (const [who, prog] of Object.entries(p)) {
        const r = await run(['verify', file, 'p.bpf', ...flags], { 'p.bpf': encodeRaw(prog) });
        t.is(r.code, 0, `${who}: ${r.out}${r.err}`);
        t.regex(r.out, /^proven: p\.bpf decides every seccomp_data as .* does\n/, who);
        t.log(`${who}: ${prog.length} instructions; ${r.out.split('\n')[1]!.trim()}`);
      }
    });
  }

test("V4 verify tells Docker's program from Podman's profile, with a counterexample libseccomp's program confirms", async (t) => {
  const o: OciOptions = { docker: { arch: 'amd64', caps: DOCKER_DEFAULT_CAPS, kernel: [6, 1] } };
  const { lib } = programs(PROFILES.docker, o);
  const r = await run(['verify', PROFILES.podman, 'docker.bpf', '--kernel', '6.1', '--json'], {
    'docker.bpf': encodeRaw(lib),
  });
  t.is(r.code, 1, r.err);
  const v = JSON.parse(r.out) as { call: { nr: number; arch: number; args: string[] }; program: { ret: number } };
  const d = { nr: v.call.nr, arch: v.call.arch, instructionPointer: 0n, args: v.call.args.map(BigInt) };
  t.is(emulate(lib, d).ret >>> 0, v.program.ret >>> 0);
});

test("V5 diff of Docker's and Podman's profiles: every witness answered as reported by both libseccomp programs", async (t) => {
  const o: OciOptions = { docker: { arch: 'amd64', caps: DOCKER_DEFAULT_CAPS, kernel: [6, 1] } };
  const docker = programs(PROFILES.docker, o);
  const podman = programs(PROFILES.podman, o);
  const r = await run(['diff', PROFILES.docker, PROFILES.podman, '--kernel', '6.1', '--json']);
  t.is(r.code, 1, r.err);
  const v = JSON.parse(r.out) as {
    differences: {
      arch: string;
      nr: number | null;
      a: string;
      b: string;
      witness: { arch: number; nr: number; args: string[] };
    }[];
  };
  t.true(v.differences.length > 20);
  const ret = (s: string): number => {
    const a = parseAction(s);
    if (isActionError(a)) throw new Error(s);
    return actionRet(a) >>> 0;
  };
  for (const d of v.differences) {
    const w = { nr: d.witness.nr, arch: d.witness.arch, instructionPointer: 0n, args: d.witness.args.map(BigInt) };
    t.is(emulate(docker.lib, w).ret >>> 0, ret(d.a), `Docker's libseccomp program at ${JSON.stringify(d)}`);
    t.is(emulate(podman.lib, w).ret >>> 0, ret(d.b), `Podman's libseccomp program at ${JSON.stringify(d)}`);
    t.is(emulate(docker.mine, w).ret >>> 0, ret(d.a));
    t.is(emulate(podman.mine, w).ret >>> 0, ret(d.b));
  }
  // What the chapters name: Podman lets a container mount and unshare, Docker lets it vmsplice.
  const at = (nr: number) => v.differences.find((d) => d.arch === 'x86_64' && d.nr === nr);
  t.like(at(165), { a: 'errno:1', b: 'allow' });
  t.like(at(272), { a: 'errno:1', b: 'allow' });
  t.like(at(278), { a: 'allow', b: 'errno:1' });
  const subset = await run(['diff', PROFILES.docker, PROFILES.podman, '--kernel', '6.1', '--subset']);
  t.is(subset.code, 1);
  t.regex(subset.out, /^x86_64 278 \(vmsplice\): A allow, B errno:1 for every argument$/m);
});

test('verify and diff refuse a bad --kernel', async (t) => {
  for (const argv of [
    ['verify', PROFILES.docker, 'p.bpf', '--kernel', 'six'],
    ['diff', PROFILES.docker, PROFILES.podman, '--kernel', '6'],
  ]) {
    const r = await run(argv, { 'p.bpf': new Uint8Array(8) });
    t.is(r.code, 2);
    t.regex(r.err, /--kernel takes a version X\.Y/);
  }
});
