/**
 * Runs every ```oci-example block of spec/18-oci.md: the profile read with
 * the OCI reader, calls decided by the decision form and, for every block,
 * the same calls decided by Debian's libseccomp 2.5.4 program (on the BPF
 * emulator) unless the block says `not libseccomp` and why. The format:
 *
 *   profile                     the profile's text is the indented lines below (file p.json)
 *   caps LIST | kernel X.Y      Docker's context (default: docker run's caps, kernel 6.1)
 *   call [x86_64|ia32|x32] NAME|NR ARGS -> ACTION   the action for a call
 *   removed N TEXT              Docker removed rule N, the reason containing TEXT
 *   warning TEXT                some warning (or weakened-rule lint) contains TEXT
 *   error                       the rendered errors are exactly the indented lines below
 *   not libseccomp TEXT         libseccomp 2.5.4 decides one of the calls differently (a defect TEXT names)
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { actionRet, formatAction } from '../src/action/index.ts';
import { AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, emulate } from '../src/bpf/index.ts';
import { DOCKER_DEFAULT_CAPS, formatOciError, numberOn, readOci } from '../src/oci/index.ts';
import { decideRules } from '../src/ruleset/index.ts';
import { libseccomp, oracleRules } from './support/libseccomp.ts';
import { blocks, body } from './support/spec-blocks.ts';

const TAG = 'oci-example';
const spec = readFileSync(new URL('../spec/18-oci.md', import.meta.url), 'utf8');

const all = blocks(spec, TAG);

test('spec/18-oci.md has examples for the rules it states', (t) => {
  t.true(all.length >= 10, `${all.length} examples`);
  for (const rule of ['O1', 'O2', 'O3', 'O4', 'O5', 'O6', 'O7', 'O8', 'O9']) t.true(spec.includes(`**${rule}**`), rule);
});

interface Call {
  readonly abi: 'x86_64' | 'ia32';
  readonly nr: number;
  readonly args: bigint[];
  readonly want: string;
  readonly text: string;
}

for (const b of all) {
  test(`spec/18-oci.md:${b.line}`, (t) => {
    let profile = '';
    let caps = DOCKER_DEFAULT_CAPS;
    let kernel: readonly [number, number] = [6, 1];
    let expectError: string[] | undefined;
    let notLibseccomp = false;
    const calls: Call[] = [];
    const removed: [number, string][] = [];
    const warnings: string[] = [];
    for (let k = 0; k < b.lines.length;) {
      const l = b.lines[k]!.trim();
      const [word = '', ...rest] = l.split(/\s+/);
      if (word === 'profile' || word === 'error') {
        const [text, next] = body(b.lines, k);
        if (word === 'profile') profile = text.join('\n');
        else expectError = text.filter((x) => x !== '');
        k = next;
        continue;
      }
      if (word === 'caps') caps = rest[0]!.split(',');
      else if (word === 'kernel') kernel = rest[0]!.split('.').map(Number) as unknown as [number, number];
      else if (word === 'removed') removed.push([Number(rest[0]), rest.slice(1).join(' ')]);
      else if (word === 'warning') warnings.push(rest.join(' '));
      else if (word === 'not') notLibseccomp = true;
      else if (word === 'call') {
        const m = /^call(?: (x86_64|ia32|x32))? (\S+)((?: \S+)*) -> (\S+)$/.exec(l);
        if (m === null) throw new Error(`bad call line: ${l}`);
        const arch = (m[1] ?? 'x86_64') as 'x86_64' | 'ia32' | 'x32';
        const nr = numberOn(arch === 'ia32' ? 'x86' : arch, m[2]!) ?? Number(m[2]);
        const args = (m[3] ?? '')
          .trim()
          .split(' ')
          .filter((x) => x !== '')
          .map((x) => BigInt(x));
        calls.push({
          abi: arch === 'ia32' ? 'ia32' : 'x86_64',
          nr,
          args: [...args, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6),
          want: m[4]!,
          text: l,
        });
      } else throw new Error(`unknown line in the example at ${b.line + k + 1}: ${l}`);
      k++;
    }
    const r = readOci(profile, { docker: { arch: 'amd64', caps, kernel } });
    if (expectError !== undefined) {
      if (E.isRight(r)) return t.fail('expected an error');
      t.deepEqual(
        r.left.flatMap((e) => formatOciError(e, 'p.json', profile).split('\n')),
        expectError,
      );
      return;
    }
    if (E.isLeft(r)) return t.fail(r.left.map((e) => formatOciError(e, 'p.json', profile)).join('\n'));
    const p = r.right;
    for (const c of calls) t.is(formatAction(decideRules(p.ruleSet, c.abi, c.nr, c.args).action), c.want, c.text);
    for (const [i, why] of removed)
      t.true(
        p.removed.some((x) => x.index === i && x.reason.includes(why)),
        `removed ${i} ${why}`,
      );
    for (const w of warnings)
      t.true(
        p.warnings.some((x) => x.message.includes(w)) || p.weakened.some((x) => x.message.includes(w)),
        `warning ${w}`,
      );
    // The same calls in libseccomp's own program.
    const lib = libseccomp(oracleRules(p.rules), p.ruleSet.arches.x86_64!.otherwise, p.arches);
    if (typeof lib === 'string') return t.fail(lib);
    const theirs = calls.map(
      (c) =>
        emulate(lib.program, {
          nr: c.nr,
          arch: c.abi === 'x86_64' ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_I386,
          instructionPointer: 0n,
          args: c.abi === 'ia32' ? c.args.map((a) => a & 0xffffffffn) : c.args,
        }).ret,
    );
    const mine = calls.map((c) => actionRet(decideRules(p.ruleSet, c.abi, c.nr, c.args).action));
    if (notLibseccomp) t.notDeepEqual(theirs, mine, 'libseccomp 2.5.4 should differ here, as the block says');
    else t.deepEqual(theirs, mine, 'libseccomp 2.5.4 decides these calls the same');
  });
}
