/**
 * V5 of spec/19-proofs.md: where two rule sets answer differently. Over
 * the regions of `verify` (each number either lists, the runs of numbers
 * between), the two decisions become terms whose leaves are the actions
 * themselves; z3 says whether they can differ and gives a witness call,
 * which both rule sets' concrete decisions confirm. For a listed number the
 * set of arguments on which they differ is written out exactly, as
 * comparisons on the arguments, from the two rule lists.
 */
import { actionRuns, formatAction, sameAction, type Action } from '../action/index.ts';
import type { SeccompData } from '../bpf/index.ts';
import type { ArchRules, Cond, RuleArch, RuleSet } from '../ruleset/index.ts';
import type { Session } from './solver.ts';
import { decisionTerm } from './symbolic-rules.ts';
import { Builder, variables, type Term } from './term.ts';
import { dataOf, decideData, regions, regionTerms, type ProofStats, type Region } from './verify.ts';

/** One region where two rule sets answer differently, with a confirmed witness. */
export interface Difference {
  readonly region: Region;
  /** A call in the region on which they differ. */
  readonly witness: SeccompData;
  /** What each rule set answers for the witness (`decideRules`). */
  readonly a: Action;
  readonly b: Action;
  /**
   * Exactly the arguments (as the rule sets read them) on which the two
   * differ in this region, when the region is one number and the rules are
   * few enough to write out; `true` for a run of unlisted numbers.
   */
  readonly where?: Cond;
}

/** How to compare. */
export interface DiffOptions {
  /** Only the calls `a` lets run (allow, log) and `b` does not. */
  readonly subset?: boolean;
}

/** The outcome of `diff`. */
export type DiffResult =
  | { readonly kind: 'done'; readonly differences: readonly Difference[]; readonly stats: ProofStats }
  | { readonly kind: 'bug'; readonly message: string; readonly stats: ProofStats };

/**
 * V5 `rs` with the 2011 kill read as `kill` (the answer it is compared
 * as): in every rule, every default and for other arches.
 */
export function killAs(rs: RuleSet, kill: Action): RuleSet {
  const as = (a: Action): Action => (a.kind === 'kill' ? kill : a);
  const arches: Partial<Record<RuleArch, ArchRules>> = {};
  for (const [k, v] of Object.entries(rs.arches) as [RuleArch, ArchRules][])
    arches[k] = {
      ...v,
      calls: new Map([...v.calls].map(([nr, rules]) => [nr, rules.map((r) => ({ ...r, action: as(r.action) }))])),
      otherwise: as(v.otherwise),
    };
  return { arches, otherArch: as(rs.otherArch) };
}

const TRUE: Cond = { kind: 'true' };
const FALSE: Cond = { kind: 'false' };

/** `c` with constants folded and nested and/or flattened. */
export function simplify(c: Cond): Cond {
  switch (c.kind) {
    case 'and':
    case 'or': {
      const unit = c.kind === 'and' ? 'true' : 'false';
      const zero = c.kind === 'and' ? 'false' : 'true';
      const parts = c.of.map(simplify).flatMap((x) => (x.kind === c.kind ? x.of : [x]));
      if (parts.some((x) => x.kind === zero)) return c.kind === 'and' ? FALSE : TRUE;
      const rest = parts.filter((x) => x.kind !== unit);
      return rest.length === 0
        ? c.kind === 'and'
          ? TRUE
          : FALSE
        : rest.length === 1
          ? rest[0]!
          : { kind: c.kind, of: rest };
    }
    case 'not': {
      const x = simplify(c.of);
      return x.kind === 'true' ? FALSE : x.kind === 'false' ? TRUE : x.kind === 'not' ? x.of : { kind: 'not', of: x };
    }
    default:
      return c;
  }
}

/** The number of comparisons in `c`. */
export const condSize = (c: Cond): number =>
  c.kind === 'and' || c.kind === 'or'
    ? c.of.reduce((n, x) => n + condSize(x), 0)
    : c.kind === 'not'
      ? condSize(c.of)
      : c.kind === 'cmp' || c.kind === 'masked'
        ? 1
        : 0;

const hex = (v: bigint): string => `0x${BigInt.asUintN(64, v).toString(16)}`;

/** `c` as text: `a0 == 0x1`, `(a2 & 0x4) == 0x0`, `&&`, `||`, `!`. */
export function condText(c: Cond): string {
  switch (c.kind) {
    case 'true':
    case 'false':
      return c.kind;
    case 'cmp':
      return `a${c.arg} ${c.op} ${hex(c.value)}`;
    case 'masked':
      return `(a${c.arg} & ${hex(c.mask)}) == ${hex(c.value)}`;
    case 'not':
      return `!(${condText(c.of)})`;
    default:
      return c.of
        .map((x) => (x.kind === 'and' || x.kind === 'or' ? `(${condText(x)})` : condText(x)))
        .join(c.kind === 'and' ? ' && ' : ' || ');
  }
}

// The decision of `rs` in `r` as cases: each rule's guard (it holds, no earlier one does) and action, then the default.
function cases(rs: RuleSet, r: Region): (readonly [Cond, Action])[] {
  const rules = r.ruleArch === undefined ? undefined : rs.arches[r.ruleArch];
  if (rules === undefined) return [[TRUE, rs.otherArch]];
  if (r.listed === 'unlisted') return [[TRUE, rules.otherwise]];
  const list = rules.calls.get(r.listed | 0) ?? [];
  const out: (readonly [Cond, Action])[] = list.map((rule, i) => [
    { kind: 'and', of: [rule.when, ...list.slice(0, i).map((p): Cond => ({ kind: 'not', of: p.when }))] },
    rule.action,
  ]);
  out.push([{ kind: 'and', of: list.map((p): Cond => ({ kind: 'not', of: p.when })) }, rules.otherwise]);
  return out;
}

// Past this many pairs of cases the region is not written out.
const MAX_PAIRS = 64;

/** V5 exactly where in `r` the two rule sets differ (or `a` runs and `b` does not), as a condition; undefined when too large. */
export function differenceCond(a: RuleSet, b: RuleSet, r: Region, subset = false): Cond | undefined {
  const ca = cases(a, r);
  const cb = cases(b, r);
  if (ca.length * cb.length > MAX_PAIRS) return undefined;
  const differs = (x: Action, y: Action): boolean => (subset ? actionRuns(x) && !actionRuns(y) : !sameAction(x, y));
  return simplify({
    kind: 'or',
    of: ca.flatMap(([ga, xa]) =>
      cb.filter(([, xb]) => differs(xa, xb)).map(([gb]): Cond => ({ kind: 'and', of: [ga, gb] })),
    ),
  });
}

/**
 * V5 every region where `a` and `b` can answer differently (with
 * `subset`, where `a` lets a call run and `b` does not), each with a
 * witness both rule sets' concrete decisions confirm.
 */
export async function diff(session: Session, a: RuleSet, b: RuleSet, opts: DiffOptions = {}): Promise<DiffResult> {
  const bld = new Builder();
  const ids = new Map<string, number>();
  const leaf = opts.subset
    ? (x: Action): Term => bld.bv(actionRuns(x) ? 1 : 0)
    : (x: Action): Term => {
        const k = formatAction(x);
        if (!ids.has(k)) ids.set(k, ids.size);
        return bld.bv(ids.get(k)!);
      };
  const all = regions([a, b]);
  const out: Difference[] = [];
  let buildMs = 0;
  let byConstruction = 0;
  const t0 = { translate: session.translateMs, solve: session.solveMs, queries: session.queries };
  const stats = (): ProofStats => ({
    regions: all.length,
    byConstruction,
    queries: session.queries - t0.queries,
    termMs: buildMs + session.translateMs - t0.translate,
    solveMs: session.solveMs - t0.solve,
  });
  for (const r of all) {
    const start = performance.now();
    const rt = regionTerms(bld, r);
    const ta = decisionTerm(bld, a, r.ruleArch, r.listed, rt.args, leaf);
    const tb = decisionTerm(bld, b, r.ruleArch, r.listed, rt.args, leaf);
    const goal = opts.subset ? bld.band(bld.eq(ta, bld.bv(1)), bld.eq(tb, bld.bv(0))) : bld.not(bld.eq(ta, tb));
    buildMs += performance.now() - start;
    if (goal === bld.F) {
      byConstruction++;
      continue;
    }
    const vars = [...new Set([...variables(goal), ...[rt.nr, rt.arch].filter((t) => t.op === 'var')])];
    let model: ReadonlyMap<string, bigint>;
    if (goal === bld.T) {
      // Every call of the region differs: its first number and arch, arguments 0.
      byConstruction++;
      model = new Map(vars.map((v) => [v.name, v.range?.[0] ?? 0n]));
    } else {
      const answer = await session.query(goal, vars);
      if (answer.kind === 'unsat') continue;
      /* c8 ignore next */
      if (answer.kind === 'unknown')
        return { kind: 'bug', message: `z3 could not decide ${JSON.stringify(r)}`, stats: stats() };
      model = answer.model;
    }
    const witness = dataOf((n) => model.get(n) ?? (n === 'nr' ? rt.nr.value : n === 'arch' ? rt.arch.value : 0n));
    const da = decideData(a, witness);
    const db = decideData(b, witness);
    const confirmed = opts.subset ? actionRuns(da) && !actionRuns(db) : !sameAction(da, db);
    if (!confirmed)
      return {
        kind: 'bug',
        message: `z3's witness does not reproduce: both answer ${formatAction(da)} / ${formatAction(db)} for nr ${witness.nr}, arch 0x${(witness.arch >>> 0).toString(16)}, args [${witness.args.map(hex).join(', ')}]`,
        stats: stats(),
      };
    const where = r.listed === 'unlisted' ? TRUE : differenceCond(a, b, r, opts.subset);
    out.push({ region: r, witness, a: da, b: db, ...(where === undefined ? {} : { where }) });
  }
  return { kind: 'done', differences: out, stats: stats() };
}
