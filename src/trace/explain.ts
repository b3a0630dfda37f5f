/**
 * Why a call is allowed or killed: the S6.4 decision steps in order, and
 * for an expression entry the smallest subexpression that decided it, with
 * the actual field values. Evaluation follows S3 and C4/C5 exactly; this is
 * for reports only, the engine's outcome stays the authority.
 */
import {
  atFieldWidth,
  compareValues,
  printExpr,
  printValue,
  type Expr,
  type FieldRef,
  type Filter,
} from '../grammar/index.ts';
import { decodeArg } from '../x86/constants.ts';
import type { CallRecord } from '../model/index.ts';
import { syscallTable, type Abi } from '../x86/table.ts';
import type { SeccompMode } from '../x86/views.ts';

/** The record of a call of `abi`: nr as a signed 32-bit value (C8); compat arguments cut to 32 bits (S3.2). */
export function recordOfCall(abi: Abi, nr: number, args: readonly bigint[]): CallRecord {
  const width = abi === 'ia32' ? 32 : 64;
  const full = [0, 1, 2, 3, 4, 5].map((k) => BigInt.asUintN(width, args[k] ?? 0n));
  return { nr: Number(BigInt.asIntN(32, BigInt(nr))), args: full };
}

/** A field and the value the record gave it. */
export interface FieldValue {
  readonly name: string;
  readonly value: bigint;
}

/** How an expression came out: its value, the subexpression that decided it, the fields that one read. */
export interface Why {
  readonly value: boolean;
  readonly culprit: Expr;
  readonly fields: readonly FieldValue[];
}

/** S3.1 the raw value of a field: an argument, nr, or a zeroed common field. */
function fieldValue(f: FieldRef, rec: CallRecord): bigint {
  if (f.kind === 'arg') return rec.args[f.index] ?? 0n;
  return f.kind === 'nr' ? BigInt(rec.nr) : 0n;
}

/** S3.3 one predicate, at its field's width (C5). */
const holds = (e: Extract<Expr, { kind: 'pred' }>, rec: CallRecord): boolean =>
  compareValues(e.op, atFieldWidth(fieldValue(e.field, rec), e.field), atFieldWidth(e.value, e.field));

const union = (a: readonly FieldValue[], b: readonly FieldValue[]): readonly FieldValue[] => [
  ...a,
  ...b.filter((f) => !a.some((g) => g.name === f.name)),
];

/**
 * S3.3 evaluate `e` on `rec` and say why: `&&` and `||` short-circuit, so
 * the culprit is the first operand that settled the value, or the whole
 * node when both operands were needed.
 */
export function why(e: Expr, rec: CallRecord): Why {
  switch (e.kind) {
    case 'pred':
      return {
        value: holds(e, rec),
        culprit: e,
        fields: [{ name: e.field.name, value: atFieldWidth(fieldValue(e.field, rec), e.field) }],
      };
    case 'not': {
      const o = why(e.operand, rec);
      return { value: !o.value, culprit: e, fields: o.fields };
    }
    case 'and':
    case 'or': {
      const settles = e.kind === 'or';
      const l = why(e.left, rec);
      if (l.value === settles) return l;
      const r = why(e.right, rec);
      if (r.value === settles) return r;
      return { value: !settles, culprit: e, fields: union(l.fields, r.fields) };
    }
  }
}

/** The constant names a field's value is made of (`O_CLOEXEC`), if any. */
export type FieldNamer = (f: FieldValue) => string | undefined;

/** `fd = 3, flags = 0x80000 (O_CLOEXEC)`: values printed as the filter language prints them, named when `name` can. */
export const showFields = (fields: readonly FieldValue[], name?: FieldNamer): string =>
  fields
    .map((f) => {
      const n = name?.(f);
      return `${f.name} = ${printValue(f.value)}${n === undefined ? '' : ` (${n})`}`;
    })
    .join(', ');

/** `` `fd == 1 || fd == 2` is false because fd = 3 `` */
export const showWhy = (w: Why, name?: FieldNamer): string =>
  `\`${printExpr(w.culprit)}\` is ${w.value ? 'true' : 'false'} because ${showFields(w.fields, name)}`;

/** The seccomp state a decision depends on (S4.1). */
export interface DecisionState {
  readonly mode: SeccompMode;
  readonly abi: Abi | null;
  readonly pending: boolean;
}

/** The S6.3/S6.4 decision for one call, explained: the step that decided and why. */
export interface CallExplanation {
  readonly allowed: boolean;
  /** The S6.4 step that decided (`engine`: the engine's outcome, with no explanation). */
  readonly step:
    'engine' | 'disabled' | 'strict' | 'pending' | 'abi' | 'range' | 'no_entry' | 'allow' | 'expr' | 'rule';
  readonly reason: string;
  /** The entry's filter text, when an entry decided. */
  readonly entry: string | null;
  /** For an expression entry: the deciding subexpression and the values it read. */
  readonly why: Why | null;
}

const STRICT: Readonly<Record<Abi, readonly number[]>> = { x86_64: [0, 1, 60, 15], ia32: [1, 3, 4, 119] };

/**
 * Decide and explain a call of `callAbi` with `rec` in `state`, where
 * `filter` is the state's entry for the call's number (undefined: none).
 */
export function explainDecision(
  state: DecisionState,
  callAbi: Abi,
  rec: CallRecord,
  filter: Filter | undefined,
): CallExplanation {
  const d = (
    allowed: boolean,
    step: CallExplanation['step'],
    reason: string,
    entry: string | null = null,
    w: Why | null = null,
  ): CallExplanation => ({
    allowed,
    step,
    reason,
    entry,
    why: w,
  });
  if (state.mode === 0) return d(true, 'disabled', 'seccomp is disabled for this task (mode 0)');
  if (state.mode === 1) {
    const ok = STRICT[callAbi].includes(rec.nr);
    return d(ok, 'strict', `strict mode (S6.3) ${ok ? 'allows' : 'does not allow'} nr ${rec.nr} of ${callAbi}`);
  }
  if (state.pending)
    return d(true, 'pending', 'on_next_syscall: the first call after the install is not checked (S6.4)');
  if (state.abi !== callAbi)
    return d(false, 'abi', `the filters are for ${state.abi ?? 'no ABI'} but the call enters as ${callAbi} (S6.4)`);
  const table = syscallTable(callAbi);
  if (rec.nr < 0 || rec.nr >= table.nrSyscalls)
    return d(false, 'range', `nr ${rec.nr} is outside [0, ${table.nrSyscalls}) for ${callAbi} (S6.4)`);
  const name = table.byNr(rec.nr)?.sysName ?? 'sys_ni_syscall';
  if (filter === undefined || filter.kind === 'drop')
    return d(false, 'no_entry', `the policy has no entry for ${name} (nr ${rec.nr}) (S3.4)`);
  if (filter.kind === 'allow') return d(true, 'allow', `the entry for ${name} is 1`, '1');
  const w = why(filter.expr, rec);
  const call = table.byNr(rec.nr)?.name ?? '';
  return d(
    w.value,
    'expr',
    showWhy(w, (f) => decodeArg(callAbi, call, f.name, f.value)),
    filter.text,
    w,
  );
}
