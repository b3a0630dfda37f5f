/**
 * O10 of spec/18-oci.md: this project's program for a profile (compileRules
 * of readOci's RuleSet) and Debian's libseccomp 2.5.4 program for the same
 * profile decide every probed call the same: on the emulator for every
 * number of x86_64, x86 and x32 with edge arguments and upper halves set;
 * on the real kernel for every probed call through errno-only twins of
 * both programs (no call runs), and with the programs' real actions on
 * the harmless calls the helper's act mode takes.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { compileRules, encodeRaw, type Program } from '../src/bpf/index.ts';
import { act, errnoOnly, probe, type ActOutcome, type ProbeCall } from '../src/native/index.ts';
import { DOCKER_DEFAULT_CAPS, readOci, type OciOptions, type OciPolicy } from '../src/oci/index.ts';
import { comparePrograms, libseccomp, oracleRules, probeCalls, type Call } from './support/libseccomp.ts';

const docker = readFileSync(new URL('../data/profiles/docker-default.json', import.meta.url), 'utf8');
const podman = readFileSync(new URL('../data/profiles/podman-default.json', import.meta.url), 'utf8');
const O: OciOptions = { docker: { arch: 'amd64', caps: DOCKER_DEFAULT_CAPS, kernel: [6, 1] } };

function policy(text: string, o: OciOptions): OciPolicy {
  const r = readOci(text, o);
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
}

/** libseccomp's program, this project's, and the policy read without the names libseccomp does not know. */
function programs(text: string, o: OciOptions = O): { lib: Program; mine: Program; policy: OciPolicy } {
  const first = policy(text, o);
  const lib = libseccomp(oracleRules(first.rules), first.ruleSet.arches.x86_64!.otherwise, first.arches, 2);
  if (typeof lib === 'string') throw new Error(lib);
  const p = policy(text, { ...o, unknownNames: lib.unknown });
  const mine = compileRules(p.ruleSet);
  if (E.isLeft(mine)) throw new Error(mine.left.message);
  return { lib: lib.program, mine: mine.right.program, policy: p };
}

const show = (c: Call): string => `${c.abi} nr ${c.nr} (${c.args.map((a) => `0x${a.toString(16)}`).join(', ')})`;

for (const [name, text] of [
  ['Docker', docker],
  ['Podman', podman],
] as const)
  test(`O10 ${name}'s default profile: compileRules and libseccomp's program decide every probed call the same on the emulator`, (t) => {
    const { lib, mine, policy: p } = programs(text);
    const d = comparePrograms(lib, mine, p.ruleSet, 3);
    t.deepEqual(
      d.map((x) => `${show(x.call)}: libseccomp ${x.libseccomp}, mine ${x.ruleSet}`),
      [],
    );
    t.true(mine.length < lib.length);
  });

test('O10 the comparison of programs can fail: Podman-compiled against Docker-libseccomp', (t) => {
  const a = programs(docker);
  const b = programs(podman);
  t.true(comparePrograms(a.lib, b.mine, a.policy.ruleSet, 1).length > 0);
});

const vector = (c: Call): ProbeCall => ({ vector: c.abi === 'x86_64' ? 'syscall' : 'int80', nr: c.nr, args: c.args });

/** What the real kernel's BPF answered to each call under an errno-only twin of `p` (no call runs). */
function kernelRets(p: Program, calls: readonly ProbeCall[]): readonly number[] {
  const twin = errnoOnly(p);
  const r = probe(encodeRaw(twin.program), calls);
  if (E.isLeft(r)) throw new Error(`${r.left.kind}: ${r.left.message}`);
  return r.right.map((rax) => twin.rets[Number(-rax) - 1] ?? -1);
}

for (const [name, text] of [
  ['Docker', docker],
  ['Podman', podman],
] as const)
  test(`O10 ${name}'s default profile on the real kernel: both programs' BPF answer every probed call the same (errno-only twins)`, (t) => {
    const { lib, mine, policy: p } = programs(text);
    // uprobe and uretprobe (335, 336) are run without asking the filter: the helper refuses to probe them.
    const calls = probeCalls(p.ruleSet)
      .filter((c) => c.abi !== 'x86_64' || (c.nr !== 335 && c.nr !== 336))
      .map(vector);
    t.true(calls.length > 2000);
    const theirs = kernelRets(lib, calls);
    const ours = kernelRets(mine, calls);
    const differ = calls.flatMap((c, i) =>
      theirs[i] === ours[i]
        ? []
        : [`${c.vector} ${c.nr} ${c.args.join(',')}: libseccomp ${theirs[i]}, mine ${ours[i]}`],
    );
    t.deepEqual(differ.slice(0, 3), []);
    t.false(theirs.includes(-1), 'every answer is one of the program returns');
  });

/** An outcome without the child's pid, to compare. */
const outcome = (o: ActOutcome): string =>
  o.kind === 'ret'
    ? o.rax < 0n
      ? `ret ${o.rax}`
      : 'ran'
    : o.kind === 'trap'
      ? `trap ${o.nr} ${o.arch} ${o.data}`
      : `killed ${o.signal}`;

test('O10 real actions on the real kernel: a derived profile answers harmless calls the same under both programs (errno, trap, kill-process, kill-thread, log, allow; both ABIs; upper halves set)', (t) => {
  const derived = JSON.stringify({
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 38,
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [
      { names: ['getpid'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
      { names: ['getpid'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 0, op: 'SCMP_CMP_EQ' }] },
      {
        names: ['getppid'],
        action: 'SCMP_ACT_TRAP',
        args: [{ index: 1, value: 7, valueTwo: 5, op: 'SCMP_CMP_MASKED_EQ' }],
      },
      { names: ['getppid'], action: 'SCMP_ACT_LOG', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }] },
      {
        names: ['gettid'],
        action: 'SCMP_ACT_KILL_PROCESS',
        args: [{ index: 2, value: 4294967296, op: 'SCMP_CMP_GE' }],
      },
      { names: ['gettid'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }] },
      { names: ['getpgrp'], action: 'SCMP_ACT_KILL' },
    ],
  });
  const { lib, mine } = programs(derived);
  const HI = 0xffffffff00000000n;
  const calls: ProbeCall[] = [];
  for (const [vec, nrs] of [
    ['syscall', [39, 110, 186, 111, 0x40000000 + 39, 0x40000000 + 110, 0x40000000 + 186, 2000, 0x40000000 + 2000]],
    ['int80', [20, 64, 224, 65, 2000]],
  ] as const)
    for (const nr of nrs)
      for (const args of [
        [0n, 0n, 0n],
        [1n, 5n, 1n << 32n],
        [HI | 1n, HI | 5n, HI],
        [2n, 7n, 0n],
      ])
        calls.push({ vector: vec, nr, args: [...args, 0n, 0n, 0n] });
  const a = act(encodeRaw(lib), calls);
  const b = act(encodeRaw(mine), calls);
  if (E.isLeft(a) || E.isLeft(b)) return t.fail(JSON.stringify(E.isLeft(a) ? a.left : b));
  const differ = calls.flatMap((c, i) => {
    const x = outcome(a.right[i]!);
    const y = outcome(b.right[i]!);
    return x === y ? [] : [`${c.vector} ${c.nr} ${c.args.slice(0, 3).join(',')}: libseccomp ${x}, mine ${y}`];
  });
  t.deepEqual(differ, []);
  const seen = new Set(b.right.map(outcome).map((s) => s.split(' ')[0]));
  t.deepEqual([...seen].sort(), ['killed', 'ran', 'ret', 'trap'], 'every kind of outcome is exercised');
});
