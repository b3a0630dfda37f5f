/**
 * Rule sets written back as text (M10 of spec/17-minijail.md): as a
 * minijail policy, with negations pushed down to the atoms (minijail has
 * no `!`), and as a 2011 policy text, where only allow and kill exist.
 * Each says which call cannot be written, and why.
 */
import type { Action } from '../action/index.ts';
import { printValue } from '../grammar/index.ts';
import type { Cond, CmpOp, Rule, RuleSet } from '../ruleset/index.ts';
import { syscallTable, type Abi } from '../x86/table.ts';

/** An atom of minijail's language: `argN OP VALUE`. */
export interface MjAtom {
  readonly arg: number;
  readonly op: CmpOp | '&' | 'in';
  readonly value: bigint;
}

/** A condition in disjunctive normal form: `||` of `&&` of atoms; `[]` is false, `[[]]` true. */
export type Dnf = readonly (readonly MjAtom[])[];

/** Most clauses a converted condition may have before it is refused as too large. */
export const MAX_CLAUSES = 256;

const NEGATE: Readonly<Record<CmpOp, CmpOp>> = {
  '==': '!=',
  '!=': '==',
  '<': '>=',
  '>=': '<',
  '<=': '>',
  '>': '<=',
};

const bitsOf = (v: bigint): bigint[] => {
  const out: bigint[] = [];
  for (let b = 1n; b <= v; b <<= 1n) if ((v & b) !== 0n) out.push(b);
  return out;
};

function and(a: Dnf, b: Dnf): Dnf | undefined {
  if (a.length * b.length > MAX_CLAUSES) return undefined;
  return a.flatMap((x) => b.map((y) => [...x, ...y]));
}

/**
 * M10 `c` (or its negation) as minijail atoms in DNF, with `word` the ABI's
 * word mask; undefined when the DNF would pass MAX_CLAUSES clauses.
 */
export function toDnf(c: Cond, word: bigint, negated = false): Dnf | undefined {
  switch (c.kind) {
    case 'true':
      return negated ? [] : [[]];
    case 'false':
      return negated ? [[]] : [];
    case 'cmp': {
      const op = negated ? NEGATE[c.op] : c.op;
      // A value past the word (a 64-bit value on ia32) against an argument within it: the answer is fixed.
      if (c.value > word) return op === '!=' || op === '<' || op === '<=' ? [[]] : [];
      return [[{ arg: c.arg, op, value: c.value }]];
    }
    case 'masked': {
      const m = c.mask & word;
      const v = c.value;
      if ((v & ~m) !== 0n) return negated ? [[]] : [];
      const rest = m & ~v;
      if (!negated) {
        // (a & m) == v: every bit of v set, no bit of m outside v set.
        const atoms: MjAtom[] = bitsOf(v).map((b) => ({ arg: c.arg, op: '&', value: b }));
        if (rest !== 0n) atoms.push({ arg: c.arg, op: 'in', value: ~rest & word });
        return [atoms];
      }
      // (a & m) != v: some bit of v clear, or some bit of m outside v set.
      const clauses: MjAtom[][] = bitsOf(v).map((b) => [{ arg: c.arg, op: 'in', value: ~b & word }]);
      if (rest !== 0n) clauses.push([{ arg: c.arg, op: '&', value: rest }]);
      return clauses;
    }
    case 'not':
      return toDnf(c.of, word, !negated);
    case 'and':
    case 'or': {
      const conj = (c.kind === 'and') !== negated;
      let acc: Dnf = conj ? [[]] : [];
      for (const x of c.of) {
        const d = toDnf(x, word, negated);
        if (d === undefined) return undefined;
        if (conj) {
          const next = and(acc, d);
          if (next === undefined) return undefined;
          acc = next;
        } else {
          acc = [...acc, ...d];
          if (acc.length > MAX_CLAUSES) return undefined;
        }
      }
      return acc;
    }
  }
}

/** A value as minijail writes it; a mask with most bits set is written `~M`. */
function mjValue(v: bigint, word: bigint): string {
  const inv = ~v & word;
  return v > 0xffffn && inv.toString(16).length < v.toString(16).length ? `~${printValue(inv)}` : printValue(v);
}

/** M10 a DNF in minijail's syntax (`arg0 == 1 && arg1 & 4 || ...`). */
export const printDnf = (d: Dnf, word: bigint): string =>
  d.map((clause) => clause.map((a) => `arg${a.arg} ${a.op} ${mjValue(a.value, word)}`).join(' && ')).join(' || ');

/** M3 an action as minijail spells it, or undefined for one it cannot name (trap and trace data other than 0). */
export function mjAction(a: Action): string | undefined {
  switch (a.kind) {
    case 'allow':
      return 'allow';
    case 'errno':
      return `return ${a.errno}`;
    case 'kill':
    case 'kill-process':
      return 'kill-process';
    case 'kill-thread':
      return 'kill-thread';
    case 'log':
      return 'log';
    case 'user-notif':
      return 'user-notify';
    case 'trap':
    case 'trace':
      return a.data === 0 ? a.kind : undefined;
  }
}

/** A conversion's outcome: the text, or the calls that cannot be written and why. */
export type ConvertResult =
  { readonly ok: true; readonly text: string } | { readonly ok: false; readonly problems: readonly ConvertProblem[] };

/** A rule (or the default) that the target dialect cannot express. */
export interface ConvertProblem {
  /** Where the rule came from, when known. */
  readonly file?: string;
  readonly line?: number;
  readonly message: string;
}

const callName = (abi: Abi, nr: number): string => syscallTable(abi).byNr(nr)?.name ?? String(nr);

/** The ABI a rule set was read for: its one native architecture. */
function nativeAbi(rs: RuleSet): Abi | undefined {
  const abis = (['x86_64', 'ia32'] as const).filter((a) => rs.arches[a] !== undefined);
  return abis.length === 1 ? abis[0] : undefined;
}

const problem = (r: Rule | undefined, message: string): ConvertProblem => ({
  ...(r?.origin.file !== undefined ? { file: r.origin.file } : {}),
  ...(r?.origin.line !== undefined ? { line: r.origin.line } : {}),
  message,
});

/**
 * M10 a rule set of one ABI as a minijail policy with the same decisions:
 * each rule a line (first match, in order), the default an `@default`.
 * minijail's own layout of the other architectures (x32 by the default,
 * any other architecture killed) must be what the rule set says.
 */
export function toMinijail(rs: RuleSet, header: readonly string[] = []): ConvertResult {
  const abi = nativeAbi(rs);
  if (abi === undefined)
    return { ok: false, problems: [{ message: 'a minijail policy is for one ABI: x86_64 or ia32' }] };
  const arch = rs.arches[abi]!;
  const word = abi === 'x86_64' ? (1n << 64n) - 1n : (1n << 32n) - 1n;
  const problems: ConvertProblem[] = [];
  const out: string[] = header.map((h) => `# ${h}`);
  const d = arch.otherwise;
  const isKill = (a: Action): boolean => a.kind === 'kill' || a.kind === 'kill-process' || a.kind === 'kill-thread';
  if (d.kind === 'kill-thread') {
    // minijail's default default.
  } else if (d.kind === 'kill' || d.kind === 'kill-process' || d.kind === 'trap' || d.kind === 'user-notif')
    out.push(`@default ${mjAction(d)!}`);
  else
    problems.push({
      message: `the default action ${d.kind} cannot be a minijail @default (kill-process, kill-thread, trap or user-notify only)`,
    });
  if (!isKill(rs.otherArch))
    problems.push({ message: `calls of other architectures get ${rs.otherArch.kind}; minijail kills them` });
  const x32 = rs.arches.x32;
  if (abi === 'x86_64' && x32 !== undefined && (x32.calls.size > 0 || x32.otherwise.kind !== d.kind))
    problems.push({ message: 'x32 calls have rules of their own; minijail gives them the default action' });
  for (const [nr, rules] of arch.calls) {
    const name = callName(abi, nr);
    for (const r of rules) {
      const act = mjAction(r.action);
      if (act === undefined) {
        problems.push(
          problem(r, `${name}: ${r.action.kind} data ${JSON.stringify(r.action)} has no minijail spelling`),
        );
        continue;
      }
      if (r.when.kind === 'true') {
        out.push(`${name}: ${act}`);
        continue;
      }
      const dnf = toDnf(r.when, word);
      if (dnf === undefined) {
        problems.push(problem(r, `${name}: the condition has more than ${MAX_CLAUSES} clauses without '!'`));
        continue;
      }
      if (dnf.length === 0) continue; // never holds: the rule decides nothing
      if (dnf.some((c) => c.length === 0)) out.push(`${name}: ${act}`);
      else out.push(`${name}: ${printDnf(dnf, word)}${act === 'allow' ? '' : `; ${act}`}`);
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, text: `${out.join('\n')}\n` };
}

/** `c` with its constant parts folded: the result is `true`, `false`, or holds neither. */
export function simplify(c: Cond): Cond {
  switch (c.kind) {
    case 'masked':
      if ((c.value & ~c.mask) !== 0n) return { kind: 'false' };
      return c.mask === 0n ? { kind: 'true' } : c;
    case 'not': {
      const x = simplify(c.of);
      if (x.kind === 'true') return { kind: 'false' };
      if (x.kind === 'false') return { kind: 'true' };
      if (x.kind === 'not') return x.of;
      return x.kind === 'cmp' ? { ...x, op: NEGATE[x.op] } : { kind: 'not', of: x };
    }
    case 'and':
    case 'or': {
      const unit = c.kind === 'and' ? 'true' : 'false';
      const zero = c.kind === 'and' ? 'false' : 'true';
      const of: Cond[] = [];
      for (const x of c.of.map(simplify)) {
        if (x.kind === zero) return x;
        if (x.kind !== unit) of.push(x);
      }
      return of.length === 0 ? { kind: unit } : of.length === 1 ? of[0]! : { kind: c.kind, of };
    }
    default:
      return c;
  }
}

/** A simplified condition (no `true` or `false` inside) as a 2011 expression over the call's argument names. */
function expr2011(c: Cond, args: readonly string[]): string | { readonly why: string } {
  const field = (i: number): string | { readonly why: string } =>
    args[i] ?? { why: `arg${i} is past the call's ${args.length} arguments, which 2011 filters cannot name` };
  const join = (xs: readonly Cond[], op: string): string | { readonly why: string } => {
    const parts: string[] = [];
    for (const x of xs) {
      const e = expr2011(x, args);
      if (typeof e !== 'string') return e;
      // && binds tighter than ||: only an || inside an && needs parentheses.
      parts.push(op === '&&' && x.kind === 'or' ? `(${e})` : e);
    }
    return parts.join(` ${op} `);
  };
  switch (c.kind) {
    case 'true':
    case 'false':
      return { why: 'a constant condition inside an expression (simplify first)' };
    case 'cmp': {
      const f = field(c.arg);
      return typeof f === 'string' ? `${f} ${c.op} ${printValue(c.value)}` : f;
    }
    case 'masked': {
      const f = field(c.arg);
      if (typeof f !== 'string') return f;
      const parts = bitsOf(c.value).map((b) => `${f} & ${printValue(b)}`);
      const rest = c.mask & ~c.value;
      if (rest !== 0n) parts.push(`!(${f} & ${printValue(rest)})`);
      return parts.join(' && ');
    }
    case 'not': {
      if (c.of.kind === 'masked' && c.of.value === 0n) {
        const f = field(c.of.arg);
        return typeof f === 'string' ? `${f} & ${printValue(c.of.mask)}` : f;
      }
      const e = expr2011(c.of, args);
      return typeof e === 'string' ? `!(${e})` : e;
    }
    case 'and':
    case 'or':
      return join(c.of, c.kind === 'and' ? '&&' : '||');
  }
}

/**
 * M10 a rule set of one ABI as a 2011 policy text: the call is allowed
 * exactly where the first rule that holds allows it (or, with none, the
 * default does); every other answer must be a kill, since 2011 filters
 * allow or kill (S3.4). Allow and log both allow; kill-process,
 * kill-thread and the 2011 kill all become the 2011 kill.
 */
export function to2011(rs: RuleSet, header: readonly string[] = []): ConvertResult {
  const abi = nativeAbi(rs);
  if (abi === undefined) return { ok: false, problems: [{ message: 'a 2011 policy is for one ABI: x86_64 or ia32' }] };
  const arch = rs.arches[abi]!;
  const table = syscallTable(abi);
  const problems: ConvertProblem[] = [];
  const out: string[] = header.map((h) => `# ${h}`);
  const allows = (a: Action): boolean | undefined =>
    a.kind === 'allow' || a.kind === 'log'
      ? true
      : a.kind === 'kill' || a.kind === 'kill-process' || a.kind === 'kill-thread'
        ? false
        : undefined;
  const dflt = allows(arch.otherwise);
  if (dflt !== false)
    problems.push({
      message: `the default action is ${arch.otherwise.kind}; a 2011 filter kills every call it does not allow`,
    });
  for (const [nr, rules] of arch.calls) {
    const name = table.byNr(nr)?.name;
    if (name === undefined) {
      problems.push(
        problem(rules[0], `call ${nr} has no entry on ${abi}, and a 2011 policy names calls by their entries`),
      );
      continue;
    }
    const args = table.byNr(nr)!.args.map((a) => a.name);
    // allowed = OR_i (c_i && !c_1 && ... && !c_{i-1}) over the rules that allow.
    const terms: Cond[] = [];
    const earlier: Cond[] = [];
    let bad = false;
    for (const r of rules) {
      const a = allows(r.action);
      if (a === undefined) {
        problems.push(problem(r, `${name}: 2011 has no ${r.action.kind} action (a filter allows or kills)`));
        bad = true;
        break;
      }
      if (a)
        terms.push(
          earlier.length === 0
            ? r.when
            : { kind: 'and', of: [...earlier.map((e) => ({ kind: 'not' as const, of: e })), r.when] },
        );
      earlier.push(r.when);
    }
    if (bad) continue;
    const allowed = simplify({ kind: 'or', of: terms });
    if (allowed.kind === 'false') continue; // never allowed: the 2011 default kills it
    if (allowed.kind === 'true') {
      out.push(`${name}: 1`);
      continue;
    }
    const e = expr2011(allowed, args);
    if (typeof e !== 'string') {
      problems.push(problem(rules[0], `${name}: ${e.why}`));
      continue;
    }
    out.push(`${name}: ${e}`);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, text: `${out.join('\n')}\n` };
}
