/**
 * O1-O9 of spec/18-oci.md against Debian's libseccomp 2.5.4 (python3-seccomp,
 * installed by .ci/run): the bundled Docker and Podman profiles decide
 * every call the same in libseccomp's program (on this project's emulator)
 * and in the RuleSet; the name tables agree with libseccomp's resolver; and
 * the findings the chapter states are checked on libseccomp itself.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { errno, ALLOW } from '../src/action/index.ts';
import { AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, emulate } from '../src/bpf/index.ts';
import {
  DOCKER_DEFAULT_CAPS,
  numberOn,
  readOci,
  type OciOptions,
  type OciPolicy,
  type SeccompArch,
} from '../src/oci/index.ts';
import { compare, libseccomp, oracleRules, PYTHON, type OracleRule } from './support/libseccomp.ts';

const docker = readFileSync(new URL('../data/profiles/docker-default.json', import.meta.url), 'utf8');
const podman = readFileSync(new URL('../data/profiles/podman-default.json', import.meta.url), 'utf8');

const ALL_CAPS = [
  ...DOCKER_DEFAULT_CAPS,
  'CAP_SYS_ADMIN',
  'CAP_SYS_PTRACE',
  'CAP_SYS_BOOT',
  'CAP_SYSLOG',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_PACCT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_DAC_READ_SEARCH',
  'CAP_BPF',
  'CAP_PERFMON',
];

function policy(text: string, o: OciOptions): OciPolicy {
  const r = readOci(text, o);
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
}

/** libseccomp's program for a policy, and the policy read again without the names libseccomp does not know. */
function both(text: string, o: OciOptions, level: 1 | 2 = 1) {
  const first = policy(text, o);
  const lib = libseccomp(oracleRules(first.rules), first.ruleSet.arches.x86_64!.otherwise, first.arches, level);
  if (typeof lib === 'string') throw new Error(lib);
  return { lib, mine: policy(text, { ...o, unknownNames: lib.unknown }) };
}

for (const [name, text, caps, kernel] of [
  ['Docker default, default caps, kernel 6.1', docker, DOCKER_DEFAULT_CAPS, [6, 1]],
  ['Docker default, all caps, kernel 4.4', docker, ALL_CAPS, [4, 4]],
  ['Podman default, default caps, kernel 6.1', podman, DOCKER_DEFAULT_CAPS, [6, 1]],
  ['Podman default, all caps, kernel 6.1', podman, ALL_CAPS, [6, 1]],
] as const)
  test(`O1-O7 ${name}: libseccomp's program and the RuleSet decide every number of every arch the same (edge args, upper halves set)`, (t) => {
    const { lib, mine } = both(text, { docker: { arch: 'amd64', caps, kernel } });
    t.deepEqual(lib.refused, []);
    t.deepEqual(compare(lib.program, mine.ruleSet, 5), []);
    t.deepEqual(mine.arches, ['x86_64', 'x86', 'x32']);
  });

test("the comparison can fail: libseccomp's program for Docker's profile against the RuleSet of Podman's", (t) => {
  const o: OciOptions = { docker: { arch: 'amd64', caps: DOCKER_DEFAULT_CAPS, kernel: [6, 1] } };
  const { lib } = both(docker, o);
  t.true(compare(lib.program, policy(podman, o).ruleSet, 1).length > 0);
});

test('O4 the name tables agree with libseccomp 2.5.4 on every name it resolves for x86_64, x86 and x32', (t) => {
  const script = `
import json, seccomp
out = {}
for a, n in [(seccomp.Arch.X86_64, 'x86_64'), (seccomp.Arch.X86, 'x86'), (seccomp.Arch.X32, 'x32')]:
    base = 0x40000000 if n == 'x32' else 0
    m = {}
    for nr in range(base, base + 1024):
        try:
            s = seccomp.resolve_syscall(a, nr)
            if s: m[s.decode()] = nr
        except Exception:
            pass
    out[n] = m
print(json.dumps(out))`;
  const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8', timeout: 60000 });
  t.is(r.status, 0, r.stderr);
  const lib = JSON.parse(r.stdout) as Record<SeccompArch, Record<string, number>>;
  for (const arch of ['x86_64', 'x86', 'x32'] as const) {
    const names = Object.entries(lib[arch]);
    t.true(names.length > 300);
    t.deepEqual(
      names.filter(([n, nr]) => numberOn(arch, n) !== nr),
      [],
      arch,
    );
  }
});

const req = (rules: OracleRule[], arches: SeccompArch[] = [], def = errno(10)) => {
  const r = libseccomp(rules, def, arches);
  if (typeof r === 'string') throw new Error(r);
  return r;
};
const A = 0x7fff0000;
const run = (p: ReturnType<typeof req>, nr: number, args: bigint[], x86 = false) =>
  emulate(p.program, { nr, arch: x86 ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64, instructionPointer: 0n, args }).ret;

test('O9 finding: libseccomp 2.5.4 drops the number load of an arch block with a rule for a call the arch lacks', (t) => {
  // read(a0 == 5) allowed, and a rule for send, which x86_64 and x32 lack: x32 in the filter.
  const p = req(
    [
      { name: 'read', action: A, args: [[0, 'EQ', '5', '0']] },
      { name: 'send', action: A, args: [] },
    ],
    ['x32'],
  );
  t.is(run(p, 0, [5n]), 0x0005000a, 'read(5) gets the default: the block compares the arch value, not the number');
  const without = req([{ name: 'read', action: A, args: [[0, 'EQ', '5', '0']] }], ['x32']);
  t.is(run(without, 0, [5n]), A);
  // On x86, a rule for send alone: socketcall(SYS_SEND) is not allowed either.
  const send = req([{ name: 'send', action: A, args: [] }], ['x86']);
  t.is(run(send, 102, [9n], true), 0x0005000a);
});

test('O6 finding: libseccomp 2.5.4 merges 64-bit range tests of one argument and answers against both rules', (t) => {
  // a1 >= 0x100000001 or a1 < 0 (never): neither holds for a1 = 1, yet the program allows it.
  const p = req([
    { name: 'socket', action: A, args: [[1, 'GE', '4294967297', '0']] },
    { name: 'socket', action: A, args: [[1, 'LT', '0', '0']] },
  ]);
  t.is(run(p, 41, [0n, 1n]), A);
  const one = req([{ name: 'socket', action: A, args: [[1, 'GE', '4294967297', '0']] }]);
  t.is(run(one, 41, [0n, 1n]), 0x0005000a);
});

test('O5 findings on overlapping rules hold on libseccomp itself', (t) => {
  const eq = (i: number, v: number) => [i, 'EQ', String(v), '0'] as const;
  const E1 = 0x00050001;
  const E2 = 0x00050002;
  // a1 is tried first whatever the order; a failing subtree goes on to the next alternative.
  for (const rules of [
    [
      { name: 'read', action: A, args: [eq(0, 1)] },
      { name: 'read', action: E1, args: [eq(1, 2)] },
    ],
    [
      { name: 'read', action: E1, args: [eq(1, 2)] },
      { name: 'read', action: A, args: [eq(0, 1)] },
    ],
  ])
    t.is(run(req(rules), 0, [1n, 2n]), E1);
  t.is(
    run(
      req([
        { name: 'read', action: E1, args: [eq(1, 2), eq(2, 3)] },
        { name: 'read', action: E2, args: [eq(0, 1)] },
      ]),
      0,
      [1n, 2n, 5n],
    ),
    E2,
  );
  // Unconditional first; first unconditional wins; longer rule swallowed or refused.
  t.is(
    run(
      req([
        { name: 'read', action: E1, args: [eq(0, 1)] },
        { name: 'read', action: E2, args: [] },
      ]),
      0,
      [1n],
    ),
    E2,
  );
  t.is(
    run(
      req([
        { name: 'read', action: E2, args: [] },
        { name: 'read', action: E1, args: [] },
      ]),
      0,
      [1n],
    ),
    E2,
  );
  t.is(
    run(
      req([
        { name: 'read', action: A, args: [eq(0, 1)] },
        { name: 'read', action: E1, args: [eq(0, 1), eq(1, 2)] },
      ]),
      0,
      [1n, 2n],
    ),
    A,
  );
  t.deepEqual(
    req([
      { name: 'read', action: E1, args: [eq(0, 1), eq(1, 2)] },
      { name: 'read', action: A, args: [eq(0, 1)] },
    ]).refused,
    [1],
  );
  t.deepEqual(
    req([
      { name: 'read', action: E1, args: [eq(0, 1)] },
      { name: 'read', action: E2, args: [eq(0, 1)] },
    ]).refused,
    [1],
  );
  // Socket calls on x86 through socketcall: the condition on a0 is replaced by the subcall.
  const sock = req([{ name: 'socket', action: A, args: [eq(0, 2)] }], ['x86']);
  t.is(run(sock, 102, [1n, 0n], true), A);
  t.is(run(sock, 359, [1n], true), 0x0005000a);
  void ALLOW;
});
