/**
 * What `run` prints about the calls the kernel denied: the call with its
 * argument names, the entry it met, why (the same explanation as replay,
 * from src/trace), and the 2011 kernel log line (S6.6).
 */
import { printValue, type Filter } from '../../grammar/index.ts';
import type { Denial } from '../../native/index.ts';
import {
  recordOfCall,
  explainDecision,
  namedArgs,
  traceName,
  type CallExplanation,
  type DecisionState,
} from '../../trace/index.ts';
import { syscallTable, type Abi } from '../../x86/table.ts';

/** A denial and its explanation against the policy (null: an arch neither ABI has). */
export interface Explained {
  readonly denial: Denial;
  readonly decision: CallExplanation | null;
  readonly text: string;
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** S6.6 the kernel log line of a kill, with the real task's comm, pid and ip. */
export const logLine = (d: Denial, abi: Abi): string =>
  `${d.comm}[${d.pid}]: system call ${d.nr} (${syscallTable(abi).byNr(d.nr)?.sysName ?? '?'}) blocked at ip:${d.ip.toString(16)}`;

/** The installed policy a denial is explained against: its state (the grant spent) and its entry for a number. */
export interface Installed {
  readonly state: DecisionState;
  readonly filterFor: (nr: number) => Filter | undefined;
}

/** Explain `d` against the installed policy. `verb` is KILLED, or `would kill` under --audit. */
export function explainDenial(d: Denial, installed: Installed, verb: string): Explained {
  if (d.abi === null) {
    const text = `${verb}: system call ${d.nr} with arch 0x${d.arch.toString(16)} [pid ${d.pid}, ${d.comm}]\n  reason: the arch is neither x86_64 nor ia32 (S6.4)\n`;
    return { denial: d, decision: null, text };
  }
  const rec = recordOfCall(d.abi, d.nr, d.args);
  const decision = explainDecision(installed.state, d.abi, rec, installed.filterFor(d.nr));
  const name = traceName(d.abi, d.nr);
  const known = syscallTable(d.abi).byNr(d.nr)?.args.length ?? 6;
  const args = namedArgs(d.abi, d.nr, rec.args)
    .slice(0, known)
    .map((a) => `${a.name}=${printValue(a.value)}`);
  const ia32 = d.abi === 'ia32' ? ' [ia32]' : '';
  const upper =
    d.abi === 'ia32' && d.args.some((a) => a >> 32n !== 0n)
      ? `  note:   the registers had upper halves set (${d.args.map(hex).join(', ')}); a compat filter reads the low 32 bits (S3.2)\n`
      : '';
  const disagree = decision.allowed
    ? "  note:   the model allows this call, yet the kernel's program denied it: a compiler bug, please report it\n"
    : '';
  const text =
    `${verb}: ${name}(${args.join(', ')})${ia32} [pid ${d.pid}, ${d.comm}]\n` +
    `  entry:  ${decision.entry === null ? 'none' : `${name}: ${decision.entry}`}\n` +
    `  reason: ${decision.reason}\n` +
    `  log:    ${logLine(d, d.abi)}\n` +
    upper +
    disagree;
  return { denial: d, decision, text };
}
