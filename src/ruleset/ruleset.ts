/**
 * The decision form every dialect ends in (R1 to R4 of spec/16-actions.md):
 * for each architecture a filter knows, the rules of each system call
 * number in order, each a condition on the six arguments and the action it
 * answers, the first that holds deciding; a default for the rest; an
 * action for calls of an architecture the filter does not know. The 2011
 * texts, minijail policies and OCI profiles are read into this form, and
 * the model, the engine, BPF, explanations and proofs all start from it.
 */
import type { Action } from '../action/index.ts';

/** An ordered comparison of an argument with a constant, unsigned 64-bit (R2). */
export type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/**
 * R2 a condition on the call's arguments, as the filter sees them: six
 * unsigned 64-bit values (on ia32 the low 32 bits of each register, the
 * upper half zero). `masked` holds when `(arg & mask) == value`; the 2011
 * and minijail `&` (some bit in common) is `not(masked(arg, v, 0))`, and
 * minijail's `in M` is `masked(arg, ~M, 0)`.
 */
export type Cond =
  | { readonly kind: 'true' }
  | { readonly kind: 'false' }
  | { readonly kind: 'cmp'; readonly arg: number; readonly op: CmpOp; readonly value: bigint }
  | { readonly kind: 'masked'; readonly arg: number; readonly mask: bigint; readonly value: bigint }
  | { readonly kind: 'and'; readonly of: readonly Cond[] }
  | { readonly kind: 'or'; readonly of: readonly Cond[] }
  | { readonly kind: 'not'; readonly of: Cond };

/** Where a rule came from, for explanations: a line of a text, or a rule of a profile. */
export interface Origin {
  /** The file (or `-`) the rule was read from, when it was read from one. */
  readonly file?: string;
  /** 1-based line of the rule in `file`. */
  readonly line?: number;
  /** Index of the rule in a profile's rule list (OCI `syscalls[i]`). */
  readonly index?: number;
  /** The rule as its dialect writes it, for messages. */
  readonly text: string;
}

/** R3 one rule: when `when` holds, the call gets `action`. */
export interface Rule {
  readonly when: Cond;
  readonly action: Action;
  readonly origin: Origin;
}

/** R3 the rules of one architecture, by system call number, and the answer when none holds. */
export interface ArchRules {
  readonly calls: ReadonlyMap<number, readonly Rule[]>;
  /** The action for a call whose number has no rule that holds. */
  readonly otherwise: Action;
  /** Where `otherwise` came from (a default directive, a profile's defaultAction), for explanations. */
  readonly otherwiseOrigin?: Origin;
}

/**
 * The architectures a rule set may name: x86_64 and ia32 as this project's
 * ABIs, and x32, whose calls arrive with arch X86_64 and bit 30 of the
 * number set (the numbers in `x32.calls` include that bit).
 */
export type RuleArch = 'x86_64' | 'ia32' | 'x32';

/** The x32 bit of a system call number (__X32_SYSCALL_BIT). */
export const X32_BIT = 0x40000000;

/** R1 a whole filter in the decision form. */
export interface RuleSet {
  readonly arches: Readonly<Partial<Record<RuleArch, ArchRules>>>;
  /** The action for a call of an architecture `arches` does not list. */
  readonly otherArch: Action;
}

/** Which rule answered a call, or none (the architecture's `otherwise`, or `otherArch`). */
export interface RuleAnswer {
  readonly action: Action;
  /** The rule that held, if one did. */
  readonly rule?: Rule;
  /** Why no rule answered: no rules for the architecture, or none of the number's held. */
  readonly by: 'rule' | 'otherwise' | 'other-arch';
}

/** R4 the architecture a call belongs to: an x86_64 number at or above bit 30, read unsigned, is x32 (as libseccomp's arch check reads it; numbers past 0x7fffffff are no native call either). */
export const archOfCall = (abi: 'x86_64' | 'ia32', nr: number): RuleArch =>
  abi === 'x86_64' && nr >>> 0 >= X32_BIT ? 'x32' : abi;

function compare(op: CmpOp, a: bigint, v: bigint): boolean {
  switch (op) {
    case '==':
      return a === v;
    case '!=':
      return a !== v;
    case '<':
      return a < v;
    case '<=':
      return a <= v;
    case '>':
      return a > v;
    case '>=':
      return a >= v;
  }
}

/** R2 the truth of `c` for the six arguments `args` (each taken as unsigned 64-bit). */
export function holds(c: Cond, args: readonly bigint[]): boolean {
  switch (c.kind) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'cmp':
      return compare(c.op, BigInt.asUintN(64, args[c.arg] ?? 0n), BigInt.asUintN(64, c.value));
    case 'masked':
      return (BigInt.asUintN(64, args[c.arg] ?? 0n) & BigInt.asUintN(64, c.mask)) === BigInt.asUintN(64, c.value);
    case 'and':
      return c.of.every((x) => holds(x, args));
    case 'or':
      return c.of.some((x) => holds(x, args));
    case 'not':
      return !holds(c.of, args);
  }
}

/**
 * R4 the answer of a rule set for one call through `abi` with number `nr`
 * (the signed 32-bit number the filter sees) and arguments `args`: the
 * call's architecture selects the rules (or `otherArch`); the first rule
 * of `nr` that holds answers; otherwise the architecture's `otherwise`.
 */
export function decideRules(rs: RuleSet, abi: 'x86_64' | 'ia32', nr: number, args: readonly bigint[]): RuleAnswer {
  const rules = rs.arches[archOfCall(abi, nr)];
  if (rules === undefined) return { action: rs.otherArch, by: 'other-arch' };
  for (const rule of rules.calls.get(nr) ?? [])
    if (holds(rule.when, args)) return { action: rule.action, rule, by: 'rule' };
  return { action: rules.otherwise, by: 'otherwise' };
}
