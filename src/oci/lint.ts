/**
 * O7 rules libseccomp's rewriting weakens (spec/18-oci.md): each names the
 * rule, the architecture, and a call that gets the rule's action although
 * the rule as written does not hold for it.
 */
import { formatAction } from '../action/index.ts';
import { IPC_SUBCALLS, numberOn, SOCKET_SUBCALLS, type SeccompArch } from './libseccomp.ts';
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
