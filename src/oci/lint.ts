/**
 * Where libseccomp 2.5.4's program may differ from the rules as written
 * (spec/18-oci.md): O7 rules its rewriting weakens, each with the rule,
 * the architecture and a call that gets the rule's action although the
 * rule does not hold for it; and the rule shapes of its defects O6, O8
 * and O9.
 */
import { formatAction } from '../action/index.ts';
import { IPC_SUBCALLS, numberOn, SOCKET_SUBCALLS, type SeccompArch } from './arches.ts';
import type { ProfileArg } from './profile.ts';
import { argText, type LibRule } from './runc.ts';

/** One weakened rule. */
export interface Weakened {
  readonly rule: LibRule;
  readonly arch: SeccompArch;
  readonly message: string;
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** O7 what libseccomp's rewriting lets through for `rules` on the `arches` of the filter. */
export function weakenedRules(rules: readonly LibRule[], arches: readonly SeccompArch[]): readonly Weakened[] {
  const out: Weakened[] = [];
  const act = (r: LibRule): string => formatAction(r.action);
  for (const r of rules) {
    for (const arch of arches) {
      const width = arch === 'x86_64' ? 64 : 32;
      const direct = numberOn(arch, r.name) !== undefined;
      for (const a of r.args) {
        if (width === 32 && direct && (a.value >> 32n !== 0n || a.valueTwo >> 32n !== 0n))
          out.push({
            rule: r,
            arch,
            message: `${argText(a)} is compared on its low 32 bits on ${arch}, as ${argText({ ...a, value: a.value & 0xffffffffn, valueTwo: a.valueTwo & 0xffffffffn })}: a call whose a${a.index} differs only above bit 31 gets ${act(r)}`,
          });
      }
      if (arch === 'x32' && direct && r.args.length > 0) {
        const a = r.args[0]!;
        out.push({
          rule: r,
          arch,
          message: `x32 compares only the low 32 bits of 64-bit registers: ${r.name} with a${a.index} = ${hex((1n << 32n) | (a.op === 'SCMP_CMP_MASKED_EQ' ? a.valueTwo & 0xffffffffn : a.value & 0xffffffffn))} (upper half set) gets ${act(r)} as if its a${a.index} were ${hex(a.op === 'SCMP_CMP_MASKED_EQ' ? a.valueTwo & 0xffffffffn : a.value & 0xffffffffn)}`,
        });
      }
      if (arch === 'x86' && r.args.length > 0) {
        const sub = SOCKET_SUBCALLS.get(r.name) ?? IPC_SUBCALLS.get(r.name);
        if (sub !== undefined) {
          const via = SOCKET_SUBCALLS.has(r.name) ? 'socketcall' : 'ipc';
          const dropped = r.args.filter((a) => a.index === 0);
          const misread = r.args.filter((a) => a.index !== 0);
          out.push({
            rule: r,
            arch,
            message:
              `through ${via}(${sub}, ...) on x86 ` +
              (dropped.length > 0
                ? `${dropped.map(argText).join(' && ')} is not checked (a0 becomes the subcall number)`
                : '') +
              (dropped.length > 0 && misread.length > 0 ? ' and ' : '') +
              (misread.length > 0
                ? `${misread.map(argText).join(' && ')} is compared with ${via}'s own arguments, not ${r.name}'s`
                : '') +
              `: a ${r.name} call made through ${via} gets ${act(r)} whatever its arguments`,
          });
        }
      }
    }
  }
  return out;
}

const RANGE: ReadonlySet<ProfileArg['op']> = new Set(['SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_GT', 'SCMP_CMP_GE']);

/** Two rules of one call that compare one argument with range operators (LT/LE/GT/GE). */
export interface RangePair {
  readonly name: string;
  readonly arg: number;
  readonly first: LibRule;
  readonly second: LibRule;
}

/**
 * O6 pairs of rules for one name with a range comparison (LT, LE, GT, GE)
 * of the same argument, one of them with a different comparison of it:
 * libseccomp 2.5.4 splits a 64-bit range test into high-word and low-word
 * tests and merges the two rules' high-word tests into one node of its
 * tree, and its program can then answer against both rules' meaning (a
 * call neither rule matches gets one rule's action). The RuleSet keeps the
 * rules' meaning; this says where libseccomp's program may differ.
 */
export function rangeMerges(rules: readonly LibRule[]): readonly RangePair[] {
  const out: RangePair[] = [];
  rules.forEach((a, i) => {
    for (const b of rules.slice(i + 1)) {
      if (a.name !== b.name) continue;
      for (const x of a.args)
        for (const y of b.args)
          if (x.index === y.index && (RANGE.has(x.op) || RANGE.has(y.op)) && (x.op !== y.op || x.value !== y.value)) {
            if (!out.some((p) => p.first === a && p.second === b && p.arg === x.index))
              out.push({ name: a.name, arg: x.index, first: a, second: b });
          }
    }
  });
  return out;
}

/**
 * O9 names of `rules` that some listed architecture has no number for
 * (libseccomp gives them a pseudo number there). With such a rule,
 * libseccomp 2.5.4 can emit an architecture's part of the program without
 * loading the system call number, so that part compares the arch value
 * instead and its calls get the default action (seen with send, recv,
 * accept or semop on x86, and with any conditional rule beside such a
 * name on x86_64 with x32). The RuleSet keeps the rules' meaning.
 */
export function pseudoNames(rules: readonly LibRule[], arches: readonly SeccompArch[]): readonly string[] {
  const out = new Set<string>();
  for (const r of rules) if (arches.some((a) => numberOn(a, r.name) === undefined)) out.add(r.name);
  return [...out];
}

const SWAPPED: ReadonlySet<ProfileArg['op']> = new Set(['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE']);

/**
 * O8 names with two or more conditional rules, one of them with an NE,
 * LT or LE comparison, on any architecture. libseccomp tests those
 * operators as EQ, GE and GT with the branches swapped; 2.5.4's tree then
 * sends some calls to the default action without trying the other rules,
 * or drops a rule that shares a test. Seen: `a1 != 1` beside
 * `a0 != 0 && a1 == 1` (x32 loses the second rule); on x86_64 alone,
 * `a0 != 0` beside `a0 != 2 && a1 != 0` (personality(1, 0) gets the
 * default). The RuleSet keeps the
 * rules' first-match meaning in libseccomp's order; this says where
 * libseccomp's program may differ from it.
 */
export function swappedOverlaps(rules: readonly LibRule[], arches: readonly SeccompArch[]): readonly string[] {
  void arches;
  const byName = new Map<string, LibRule[]>();
  for (const r of rules) if (r.args.length > 0) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  return [...byName]
    .filter(([, rs]) => rs.length > 1 && rs.some((r) => r.args.some((a) => SWAPPED.has(a.op))))
    .map(([n]) => n);
}
