/**
 * What `run` prints about the calls the kernel denied: the call with its
 * argument names, the entry it met, why (the same explanation as replay,
 * from src/trace), and the 2011 kernel log line (S6.6).
 */
import type { Action } from '../../action/index.ts';
import { printValue, type Filter } from '../../grammar/index.ts';
import { decideRules, type Origin, type RuleSet } from '../../ruleset/index.ts';
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

/** What a call the kernel stopped got from a rule set (A1), and the rule (or default) that chose it. */
export interface Answered {
  readonly denial: Denial;
  readonly action: Action;
  /** `FILE:LINE: text` of the rule, or what the default came from. */
  readonly rule: string;
  /** The call with argument names, e.g. `uname(name=0x7ffc...)`. */
  readonly call: string;
}

/** A6 the action `rs` gives the call `d` the kernel stopped, and the rule that chose it. */
export function answerOf(d: Denial, rs: RuleSet, file: string): Answered {
  const abi: Abi = d.abi ?? 'x86_64';
  const args = d.abi === 'ia32' ? d.args.map((a) => a & 0xffff_ffffn) : d.args;
  // An arch neither ABI has meets the rule set's otherArch (R2).
  const r = d.abi === null ? { action: rs.otherArch, by: 'other-arch' as const } : decideRules(rs, abi, d.nr, args);
  const o = r.rule?.origin ?? (r.by === 'otherwise' ? rs.arches[abi]?.otherwiseOrigin : undefined);
  const at = (x: Origin): string => `${x.file ?? file}${x.line !== undefined ? `:${x.line}` : ''}: ${x.text}`;
  const rule = o !== undefined ? at(o) : r.by === 'rule' ? 'a rule' : `the policy's default (${r.by})`;
  const known = syscallTable(abi).byNr(d.nr)?.args.length ?? 6;
  const named = namedArgs(abi, d.nr, args)
    .slice(0, known)
    .map((a) => `${a.name}=${printValue(a.value)}`);
  return { denial: d, action: r.action, rule, call: `${traceName(abi, d.nr)}(${named.join(', ')})` };
}
