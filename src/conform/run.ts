/**
 * `conform`: run an implementation against the corpus, then against the
 * model on requests fast-check generates, and shrink the first disagreement
 * to a small request (P6). Each request is independent (P2), so replaying
 * shrunk requests into the same running child is sound.
 */
import fc from 'fast-check';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { request as requestArb } from './arbitraries.ts';
import type { Implementation } from './child.ts';
import type { CorpusCase } from './corpus.ts';
import { callRule, installRule, type RuleNote } from './explain.ts';
import { modelAnswer } from './model-adapter.ts';
import type { Answer, Request } from './protocol.ts';

/** A request on which the implementation and the expected answer differ. */
export interface Disagreement {
  /** `corpus` (with the case's name) or `search`. */
  readonly source: string;
  readonly request: Request;
  readonly expected: Answer;
  readonly actual: Answer;
  /** Where they first differ, e.g. `calls[1]: expected kill, got allow`. */
  readonly where: string;
  readonly rule: RuleNote;
}

/** What a run found. */
export interface ConformReport {
  readonly corpus: { readonly cases: number; readonly agreed: number; readonly unsupported: number };
  readonly search: {
    readonly requests: number;
    readonly agreed: number;
    readonly unsupported: number;
    readonly seed: number;
    readonly shrinks: number;
  };
  /** Up to five reasons the implementation gave for `unsupported`, with how often. */
  readonly unsupportedReasons: readonly { readonly reason: string; readonly count: number }[];
  /** The corpus's disagreements and the search's shrunk one. */
  readonly disagreements: readonly Disagreement[];
  /** A protocol error that stopped the run, or null. */
  readonly protocolError: string | null;
}

/** Options of a run. */
export interface ConformOptions {
  readonly runs: number;
  readonly seed: number;
  readonly corpus: readonly CorpusCase[];
}

/** Where two answered answers first differ, with the rule that decides it; null when equal. */
export function compare(
  r: Request,
  expected: Answer,
  actual: Answer,
): { readonly where: string; readonly rule: RuleNote } | null {
  if ('unsupported' in expected || 'unsupported' in actual) return null;
  const k = expected.installs.findIndex((v, i) => v !== actual.installs[i]);
  if (k >= 0)
    return {
      where: `installs[${k}]: expected ${expected.installs[k]}, got ${String(actual.installs[k])}`,
      rule: installRule(r, k, expected.installs[k]!),
    };
  const i = expected.calls.findIndex((v, j) => v !== actual.calls[j]);
  if (i >= 0)
    return {
      where: `calls[${i}]: expected ${expected.calls[i]}, got ${String(actual.calls[i])}`,
      rule: callRule(r, i),
    };
  return null;
}

/** The top-level operands of a filter expression: of `||`, else of `&&`, else the inside of `(...)` or `!(...)`. */
export function operands(expr: string): readonly string[] {
  const split = (op: string): string[] => {
    const parts: string[] = [];
    let depth = 0;
    let start = 0;
    for (let i = 0; i < expr.length; i++) {
      if (expr[i] === '(') depth++;
      else if (expr[i] === ')') depth--;
      else if (depth === 0 && expr.startsWith(op, i)) {
        parts.push(expr.slice(start, i).trim());
        start = i + op.length;
        i += op.length - 1;
      }
    }
    return [...parts, expr.slice(start).trim()];
  };
  for (const op of ['||', '&&']) {
    const parts = split(op);
    if (parts.length > 1) return parts;
  }
  const m = /^!?\s*\((.*)\)$/s.exec(expr.trim());
  return m === null ? [] : [m[1]!.trim()];
}

/** Each line of `text` with its filter replaced by one of its operands. */
function* simplerLines(text: string): Generator<string> {
  const lines = text.split('\n');
  for (let l = 0; l < lines.length; l++) {
    const colon = lines[l]!.indexOf(':');
    if (colon < 0) continue;
    for (const o of operands(lines[l]!.slice(colon + 1))) {
      yield lines.map((x, m) => (m === l ? `${x.slice(0, colon)}: ${o}` : x)).join('\n');
    }
  }
}

/** Smaller variants of `r`: a call, an install or a line dropped, a filter cut to an operand, an argument zeroed. */
function* smaller(r: Request): Generator<Request> {
  for (let i = 0; i < r.calls.length; i++)
    if (r.calls.length > 1) yield { ...r, calls: r.calls.filter((_, j) => j !== i) };
  for (let k = 0; k < r.installs.length; k++) yield { ...r, installs: r.installs.filter((_, j) => j !== k) };
  for (let k = 0; k < r.installs.length; k++) {
    const lines = r.installs[k]!.split('\n');
    for (let l = 0; l < lines.length && lines.length > 1; l++) {
      yield { ...r, installs: r.installs.map((t, j) => (j === k ? lines.filter((_, m) => m !== l).join('\n') : t)) };
    }
  }
  for (let k = 0; k < r.installs.length; k++) {
    for (const t of simplerLines(r.installs[k]!)) yield { ...r, installs: r.installs.map((x, j) => (j === k ? t : x)) };
  }
  for (let i = 0; i < r.calls.length; i++) {
    for (let a = 0; a < 6; a++) {
      if (r.calls[i]!.args[a] !== 0n)
        yield {
          ...r,
          calls: r.calls.map((c, j) => (j === i ? { ...c, args: c.args.map((v, b) => (b === a ? 0n : v)) } : c)),
        };
    }
  }
}

/**
 * After fast-check's shrinking, drop what still does not matter, one piece
 * at a time, while the disagreement persists (P6): each request is
 * independent, so this only asks more questions. Stops on a protocol error.
 */
async function trim(r: Request, stillDisagrees: (r: Request) => Promise<boolean>): Promise<Request> {
  let current = r;
  for (let changed = true; changed;) {
    changed = false;
    for (const candidate of smaller(current)) {
      if (await stillDisagrees(candidate)) {
        current = candidate;
        changed = true;
        break;
      }
    }
  }
  return current;
}

/** Run the corpus, then the search, against `impl`. */
export async function conform(impl: Implementation, opts: ConformOptions): Promise<ConformReport> {
  const reasons = new Map<string, number>();
  const disagreements: Disagreement[] = [];
  let protocolError: string | null = null;
  const note = (a: Answer): boolean => {
    if (!('unsupported' in a)) return false;
    const reason = a.unsupported.slice(0, 200);
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    return true;
  };

  const corpus = { cases: 0, agreed: 0, unsupported: 0 };
  for (const c of opts.corpus) {
    const a = await impl.ask(c.request);
    if (isLeft(a)) {
      protocolError = a.left;
      break;
    }
    corpus.cases++;
    if (note(a.right)) corpus.unsupported++;
    else {
      const d = compare(c.request, c.answer, a.right);
      if (d === null) corpus.agreed++;
      else
        disagreements.push({
          source: `corpus case ${c.request.id} (${c.rule}: ${c.name})`,
          request: c.request,
          expected: c.answer,
          actual: a.right,
          ...d,
        });
    }
  }

  const search = { requests: 0, agreed: 0, unsupported: 0, seed: opts.seed, shrinks: 0 };
  if (protocolError === null && opts.runs > 0) {
    let nextId = 1 + Math.max(0, ...opts.corpus.map((c) => c.request.id));
    let counting = true;
    const property = fc.asyncProperty(requestArb(), async (generated) => {
      if (protocolError !== null) return true;
      const r = { ...generated, id: nextId++ };
      const a = await impl.ask(r);
      if (isLeft(a)) {
        protocolError = a.left;
        return true;
      }
      if (counting) search.requests++;
      if (note(a.right)) {
        if (counting) search.unsupported++;
        return true;
      }
      const agree = compare(r, modelAnswer(r), a.right) === null;
      if (counting && agree) search.agreed++;
      // From the first failure on, fast-check only shrinks: those requests are not counted.
      if (!agree) counting = false;
      return agree;
    });
    const out = await fc.check(property, { numRuns: opts.runs, seed: opts.seed, endOnFailure: false });
    search.shrinks = out.numShrinks;
    if (out.failed && protocolError === null) {
      const shrunk = out.counterexample?.[0];
      const stillDisagrees = async (c: Request): Promise<boolean> => {
        const a = await impl.ask({ ...c, id: nextId++ });
        if (isLeft(a)) protocolError = a.left;
        return protocolError === null && isRight(a) && compare(c, modelAnswer(c), a.right) !== null;
      };
      const trimmed = shrunk === undefined ? undefined : await trim(shrunk, stillDisagrees);
      const r = trimmed === undefined || protocolError !== null ? null : { ...trimmed, id: nextId++ };
      const a = r === null ? null : await impl.ask(r);
      const d = r === null || a === null || isLeft(a) ? null : compare(r, modelAnswer(r), a.right);
      if (a !== null && isLeft(a)) protocolError = a.left;
      else if (r !== null && a !== null && d !== null)
        disagreements.push({ source: 'search', request: r, expected: modelAnswer(r), actual: a.right, ...d });
      // Asked again, the implementation agreed, or the search itself broke: either way it cannot be trusted.
      else
        protocolError = `the implementation is not deterministic, or the search failed: ${String(out.errorInstance)}`;
    }
  }
  const unsupportedReasons = [...reasons]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([reason, count]) => ({ reason, count }));
  return { corpus, search, unsupportedReasons, disagreements, protocolError };
}
