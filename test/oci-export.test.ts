/**
 * O11 of spec/18-oci.md: a RuleSet written as an OCI profile that
 * Debian's libseccomp 2.5.4 compiles to the same decisions (checked
 * through the oracle, call by call), or an error naming what OCI cannot
 * express; and `convert --to oci`.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { ALLOW, errno, KILL_THREAD, trap, type Action } from '../src/action/index.ts';
import { runCli, type Run } from '../src/cli/memory.ts';
import { DOCKER_DEFAULT_CAPS, readOci, toOci, type OciOptions } from '../src/oci/index.ts';
import type { Cond, RuleSet } from '../src/ruleset/index.ts';
import { compare, libseccomp, oracleRules } from './support/libseccomp.ts';

const O: OciOptions = { docker: { arch: 'amd64', caps: DOCKER_DEFAULT_CAPS, kernel: [6, 1] } };
const disk = (p: string): string | undefined => {
  const url = new URL(`../${p}`, import.meta.url);
  return existsSync(url) ? readFileSync(url, 'utf8') : undefined;
};
const cli = (argv: readonly string[], files: Readonly<Record<string, string>> = {}): Promise<Run> =>
  runCli(argv, (p) => files[p] ?? disk(p));

/** libseccomp's program for a profile text, compared with `rs` call by call. */
function libseccompAgrees(text: string, rs: RuleSet, skipMinusOne = false): string[] {
  const r = readOci(text, O);
  if (E.isLeft(r)) return [JSON.stringify(r.left)];
  const lib = libseccomp(oracleRules(r.right.rules), r.right.ruleSet.arches.x86_64!.otherwise, r.right.arches);
  if (typeof lib === 'string') return [lib];
  return compare(lib.program, rs, 3)
    .filter((d) => !skipMinusOne || d.call.nr !== -1)
    .map((d) => `${d.call.abi} ${d.call.nr} ${d.call.args.join(',')}: libseccomp ${d.libseccomp}, policy ${d.ruleSet}`);
}

const rule = (when: Cond, action: Action) => ({ when, action, origin: { text: 'rule' } });
const cmp = (arg: number, op: '==' | '>=' | '<=' | '!=', value: bigint): Cond => ({ kind: 'cmp', arg, op, value });
const set = (calls: [number, ReturnType<typeof rule>[]][], otherwise: Action = errno(1)): RuleSet => ({
  arches: { x86_64: { calls: new Map(calls), otherwise } },
  otherArch: KILL_THREAD,
});

for (const name of ['docker-default.json', 'podman-default.json'])
  test(`O11 ${name} read and written again: libseccomp compiles the written profile to the same decisions`, (t) => {
    const r = readOci(readFileSync(new URL(`../data/profiles/${name}`, import.meta.url), 'utf8'), O);
    if (E.isLeft(r)) return t.fail();
    const x = toOci(r.right.ruleSet);
    if (E.isLeft(x)) return t.fail(JSON.stringify(x.left));
    t.deepEqual(libseccompAgrees(x.right.text, r.right.ruleSet), []);
    t.deepEqual(x.right.notes, []);
  });

test('O11 an || is split into rules, a negated comparison becomes its opposite, and libseccomp agrees', (t) => {
  const rs = set([
    [1, [rule({ kind: 'or', of: [cmp(0, '==', 1n), cmp(0, '==', 2n)] }, ALLOW)]],
    [9, [rule({ kind: 'not', of: { kind: 'and', of: [cmp(1, '>=', 1n << 40n), cmp(2, '==', 3n)] } }, errno(13))]],
    [10, [rule({ kind: 'masked', arg: 2, mask: 4n, value: 0n }, ALLOW)]],
    [39, [rule({ kind: 'true' }, ALLOW)]],
  ]);
  const x = toOci(rs);
  if (E.isLeft(x)) return t.fail(JSON.stringify(x.left));
  const p = JSON.parse(x.right.text) as { syscalls: { names: string[] }[] };
  t.is(p.syscalls.filter((s) => s.names[0] === 'write').length, 2);
  t.is(p.syscalls.filter((s) => s.names[0] === 'mmap').length, 2);
  // x86_64's -1 is the one call libseccomp answers otherwise (O5), and the export says so.
  t.regex(x.right.notes.join('\n'), /x86_64 number -1 \(0xffffffff\) gets the default action/);
  t.deepEqual(libseccompAgrees(x.right.text, rs, true), []);
  t.notDeepEqual(libseccompAgrees(x.right.text, rs), [], 'the -1 difference is there');
});

test('O11 what OCI cannot express is named: a negated mask test, one argument twice, trap data, an order libseccomp does not keep', (t) => {
  const msg = (rs: RuleSet): string => {
    const x = toOci(rs);
    return E.isLeft(x) ? x.left.map((p) => p.message).join('\n') : 'written';
  };
  t.regex(
    msg(set([[10, [rule({ kind: 'not', of: { kind: 'masked', arg: 2, mask: 4n, value: 0n } }, ALLOW)]]])),
    /no negated mask test/,
  );
  t.regex(
    msg(set([[0, [rule({ kind: 'and', of: [cmp(0, '>=', 1n), cmp(0, '<=', 5n)] }, ALLOW)]]])),
    /compares a0 twice.*runc splits/,
  );
  t.regex(msg(set([[0, [rule({ kind: 'true' }, trap(7))]]])), /SCMP_ACT_TRAP has no data/);
  // First match: a0 == 1 answers errno before a1 == 2 allows; libseccomp tries a1 first.
  t.regex(
    msg(set([[0, [rule(cmp(0, '==', 1n), errno(5)), rule(cmp(1, '==', 2n), ALLOW)]]])),
    /would answer allow to x86_64 0 \(0x1, 0x2.*where the policy answers errno:5.*orders, rewrites or adds/,
  );
  t.regex(
    msg({ arches: { ia32: { calls: new Map(), otherwise: ALLOW } }, otherArch: KILL_THREAD }),
    /always has x86_64/,
  );
  t.regex(msg({ ...set([]), otherArch: ALLOW }), /runc leaves libseccomp's bad-architecture action/);
});

test('O11 convert --to oci writes a 2011 policy as a profile libseccomp agrees with, and refuses what cannot be written', async (t) => {
  const r = await cli(['convert', '--from', '2011', '--to', 'oci', 'examples/policy.txt']);
  t.is(r.code, 0, r.err);
  t.regex(r.err, /note: calls of architectures the profile does not list get kill-thread/);
  const back = readOci(r.out, O);
  t.true(E.isRight(back));
  const bad = await cli(['convert', '--from', 'minijail', '--to', 'oci', 'examples/minijail/app.policy']);
  t.is(bad.code, 1);
  t.regex(bad.err, /cannot be written in oci: .*no negated mask test/);
  const o = await cli(['convert', '--from', '2011', '--to', 'oci', 'examples/policy.txt', '-o', 'out.json']);
  t.is(o.code, 0);
  t.is(o.out, '');
});
