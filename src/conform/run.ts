/**
 * `conform`: run an implementation against the corpus, then against the
 * model on requests fast-check generates, and shrink the first disagreement
 * to a small request (P6). Each request is independent (P2), so replaying
 * shrunk requests into the same running child is sound.
 */
import fc from 'fast-check';
import { isLeft, isRight, type Either } from 'fp-ts/lib/Either.js';
import { ALLOW, formatAction, type Action } from '../action/index.ts';
import { request as requestArb, requestV2 as requestV2Arb } from './arbitraries.ts';
import type { Implementation } from './child.ts';
import type { CorpusCase } from './corpus.ts';
import { callRule, installRule, type RuleNote } from './explain.ts';
import { modelAnswer, modelAnswerV2, rulesLayer } from './model-adapter.ts';
import { isV2, type Answer, type AnyAnswer, type AnyRequest, type Request, type RequestV2 } from './protocol.ts';
import { parseRulesJson, printRulesJson } from './rules-json.ts';
import type { ArchRules, RuleArch, RuleSet } from '../ruleset/index.ts';
import { installRules, v1Of } from './v2.ts';

/** A request on which the implementation and the expected answer differ. */
export interface Disagreement {
  /** `corpus` (with the case's name) or `search`. */
  readonly source: string;
  readonly request: AnyRequest;
  readonly expected: AnyAnswer;
  readonly actual: AnyAnswer;
  /** Where they first differ, e.g. `calls[1]: expected kill, got allow`. */
  readonly where: string;
  readonly rule: RuleNote;
}

/** What a run found. */
export interface ConformReport {
  /** The protocol version the implementation speaks: 2 when it answered a version-2 request as version 2 (P9). */
  readonly protocol: 1 | 2;
  /** Corpus cases asked; `skipped` counts version-2 cases not asked of an implementation of version 1. */
  readonly corpus: {
    readonly cases: number;
    readonly agreed: number;
    readonly unsupported: number;
    readonly skipped: number;
  };
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

/** P9 why a version-2 call gets its action: each filter's answer, newest first, and the precedence. */
function stackRule(r: RequestV2, i: number): RuleNote {
  const answers: string[] = [];
  for (const [k, inst] of [...r.installs.entries()].reverse()) {
    if (inst.dialect === '2011') continue;
    const rs = installRules(inst, r.abi);
    if (rs !== 'invalid' && !('unsupported' in rs)) {
      const a = rulesLayer(rs, r.abi, [r.calls[i]!]) as readonly Action[];
      answers.push(`install ${k} answers ${formatAction(a[0]!)}`);
    }
  }
  if (r.installs.some((x) => x.dialect === '2011')) {
    const v1 = v1Of(r);
    const a = modelAnswer({ ...v1, calls: [r.calls[i]!] });
    answers.push(`the 2011 filter answers ${'unsupported' in a ? '?' : a.calls[0]}`);
  }
  return {
    rule: 'A3',
    why: `the strongest answer of the task's filters decides, the newest of one kind: ${answers.join('; ') || 'no filter: allow'}`,
  };
}

/** Where a version-2 answer differs from the expected one, with the rule that decides it; null when equal. */
export function compareV2(
  r: RequestV2,
  expected: AnyAnswer,
  actual: AnyAnswer,
): { readonly where: string; readonly rule: RuleNote } | null {
  if ('unsupported' in expected || 'unsupported' in actual) return null;
  if (!('version' in actual))
    return {
      where: 'the answer is of version 1 (no "version": 2)',
      rule: { rule: 'P9', why: 'a version-2 request gets a version-2 answer' },
    };
  const k = expected.installs.findIndex((v, i) => v !== actual.installs[i]);
  if (k >= 0) {
    const inst = r.installs[k]!;
    const v1 = v1Of(r);
    const rule =
      inst.dialect === '2011'
        ? installRule(v1, r.installs.slice(0, k).filter((x) => x.dialect === '2011').length, expected.installs[k]!)
        : { rule: 'P9', why: 'a rules install returns 0, or -EINVAL (-22) when its text does not parse' };
    return { where: `installs[${k}]: expected ${expected.installs[k]}, got ${String(actual.installs[k])}`, rule };
  }
  const i = expected.calls.findIndex((v, j) => v !== actual.calls[j]);
  if (i < 0) return null;
  const where = `calls[${i}]: expected ${expected.calls[i]}, got ${String(actual.calls[i])}`;
  // With 2011 texts only, the verdicts are version 1's and so is the rule that decides them.
  return { where, rule: r.installs.every((x) => x.dialect === '2011') ? callRule(v1Of(r), i) : stackRule(r, i) };
}

/** Where two answers of a request of either version differ; null when equal. */
export const compareAny = (
  r: AnyRequest,
  expected: AnyAnswer,
  actual: AnyAnswer,
): { readonly where: string; readonly rule: RuleNote } | null =>
  isV2(r) ? compareV2(r, expected, actual) : compare(r, expected as Answer, actual as Answer);

/** The model's answer to a request of either version. */
export const oracle = (r: AnyRequest): AnyAnswer => (isV2(r) ? modelAnswerV2(r) : modelAnswer(r));

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

/** Simpler `rules` texts: an arch, a number or a rule dropped, a default made `allow`. */
function* simplerRules(text: string): Generator<string> {
  const parsed = parseRulesJson(text);
  if ('error' in parsed) return;
  const rs = parsed.ok;
  const arches = Object.entries(rs.arches) as [RuleArch, ArchRules][];
  const withArch = (arch: RuleArch, r: ArchRules | undefined): RuleSet => {
    const next: Partial<Record<RuleArch, ArchRules>> = { ...rs.arches };
    if (r === undefined) delete next[arch];
    else next[arch] = r;
    return { ...rs, arches: next };
  };
  if (rs.otherArch.kind !== 'allow') yield printRulesJson({ ...rs, otherArch: ALLOW });
  for (const [arch, r] of arches) {
    yield printRulesJson(withArch(arch, undefined));
    if (r.otherwise.kind !== 'allow') yield printRulesJson(withArch(arch, { ...r, otherwise: ALLOW }));
    for (const [nr, rules] of r.calls) {
      const calls = new Map(r.calls);
      calls.delete(nr);
      yield printRulesJson(withArch(arch, { ...r, calls }));
      for (let i = 0; i < rules.length && rules.length > 1; i++)
        yield printRulesJson(
          withArch(arch, { ...r, calls: new Map([...r.calls, [nr, rules.filter((_, j) => j !== i)]]) }),
        );
    }
  }
}

/** Smaller variants of a version-2 request: its 2011 part as version 1 shrinks, a rules filter simplified, and a call, an install or an argument dropped. */
function* smallerV2(r: RequestV2): Generator<RequestV2> {
  for (let i = 0; i < r.calls.length; i++)
    if (r.calls.length > 1) yield { ...r, calls: r.calls.filter((_, j) => j !== i) };
  for (let k = 0; k < r.installs.length; k++) yield { ...r, installs: r.installs.filter((_, j) => j !== k) };
  for (const [k, inst] of r.installs.entries())
    if (inst.dialect === 'rules')
      for (const text of simplerRules(inst.text))
        yield { ...r, installs: r.installs.map((x, j) => (j === k ? { ...x, text } : x)) };
  const at2011 = r.installs.flatMap((x, k) => (x.dialect === '2011' ? [k] : []));
  for (const v of smaller(v1Of(r))) {
    if (v.calls.length !== r.calls.length || v.installs.length !== at2011.length) {
      if (v.installs.length === at2011.length) yield { ...r, calls: v.calls };
      continue;
    }
    const installs = r.installs.map((x, k) =>
      x.dialect === '2011' ? { ...x, text: v.installs[at2011.indexOf(k)]! } : x,
    );
    yield { ...r, installs, calls: v.calls };
  }
}

/**
 * After fast-check's shrinking, drop what still does not matter, one piece
 * at a time, while the disagreement persists (P6): each request is
 * independent, so this only asks more questions. Stops on a protocol error.
 */
async function trimAny<R extends AnyRequest>(
  r: R,
  variants: (r: R) => Generator<R>,
  stillDisagrees: (r: R) => Promise<boolean>,
): Promise<R> {
  let current = r;
  for (let changed = true; changed;) {
    changed = false;
    for (const candidate of variants(current)) {
      if (await stillDisagrees(candidate)) {
        current = candidate;
        changed = true;
        break;
      }
    }
  }
  return current;
}

/**
 * Run the corpus, then the search, against `impl`. After the version-1
 * cases, a version-2 request with no installs and no calls asks which
 * version `impl` speaks (P9): one that answers it as version 2 gets the version-2 corpus cases
 * and a search of version-2 requests; one of version 1 only is judged on
 * version 1 as before.
 */
export async function conform(impl: Implementation, opts: ConformOptions): Promise<ConformReport> {
  const reasons = new Map<string, number>();
  const disagreements: Disagreement[] = [];
  let protocolError: string | null = null;
  const note = (a: AnyAnswer): boolean => {
    if (!('unsupported' in a)) return false;
    const reason = a.unsupported.slice(0, 200);
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    return true;
  };
  let nextId = 1 + Math.max(0, ...opts.corpus.map((c) => c.request.id));
  const askAny = (r: AnyRequest): Promise<Either<string, AnyAnswer>> => (isV2(r) ? impl.askV2(r) : impl.ask(r));

  // Version 1 first, as a version-1 implementation always saw it; then the question of the version.
  let protocol: 1 | 2 | undefined;
  const hello = async (): Promise<void> => {
    const a = await impl.askV2({ version: 2, id: nextId++, abi: 'x86_64', installs: [], calls: [] });
    if (isLeft(a)) protocolError = a.left;
    protocol = isRight(a) && 'version' in a.right && a.right.version === 2 && !('unsupported' in a.right) ? 2 : 1;
  };

  const corpus = { cases: 0, agreed: 0, unsupported: 0, skipped: 0 };
  const ordered = [...opts.corpus.filter((c) => !isV2(c.request)), ...opts.corpus.filter((c) => isV2(c.request))];
  for (const c of ordered) {
    if (protocolError !== null) break;
    if (isV2(c.request) && protocol === undefined) await hello();
    if (protocolError !== null) break;
    if (isV2(c.request) && protocol === 1) {
      corpus.skipped++;
      continue;
    }
    const a = await askAny(c.request);
    if (isLeft(a)) {
      protocolError = a.left;
      break;
    }
    corpus.cases++;
    if (note(a.right)) corpus.unsupported++;
    else {
      const d = compareAny(c.request, c.answer, a.right);
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
  if (protocolError === null && protocol === undefined && opts.runs > 0) await hello();
  if (protocolError === null && opts.runs > 0) {
    let counting = true;
    // Version 2 is asked as well as version 1, never instead of it.
    const arb: fc.Arbitrary<AnyRequest> = protocol === 2 ? fc.oneof(requestArb(), requestV2Arb()) : requestArb();
    const property = fc.asyncProperty(arb, async (generated) => {
      if (protocolError !== null) return true;
      const r = { ...generated, id: nextId++ };
      const a = await askAny(r);
      if (isLeft(a)) {
        protocolError = a.left;
        return true;
      }
      if (counting) search.requests++;
      if (note(a.right)) {
        if (counting) search.unsupported++;
        return true;
      }
      const agree = compareAny(r, oracle(r), a.right) === null;
      if (counting && agree) search.agreed++;
      // From the first failure on, fast-check only shrinks: those requests are not counted.
      if (!agree) counting = false;
      return agree;
    });
    const out = await fc.check(property, { numRuns: opts.runs, seed: opts.seed, endOnFailure: false });
    search.shrinks = out.numShrinks;
    if (out.failed && protocolError === null) {
      const shrunk = out.counterexample?.[0];
      const stillDisagrees = async (c: AnyRequest): Promise<boolean> => {
        const a = await askAny({ ...c, id: nextId++ });
        if (isLeft(a)) protocolError = a.left;
        return protocolError === null && isRight(a) && compareAny(c, oracle(c), a.right) !== null;
      };
      let trimmed =
        shrunk === undefined
          ? undefined
          : isV2(shrunk)
            ? await trimAny<RequestV2>(shrunk, smallerV2, stillDisagrees)
            : await trimAny<Request>(shrunk, smaller, stillDisagrees);
      // A version-2 request left with 2011 texts only is shown as version 1 when that still disagrees.
      if (trimmed !== undefined && isV2(trimmed) && trimmed.installs.every((i) => i.dialect === '2011')) {
        const v1 = v1Of(trimmed);
        if (await stillDisagrees(v1)) trimmed = await trimAny<Request>(v1, smaller, stillDisagrees);
      }
      const r = trimmed === undefined || protocolError !== null ? null : { ...trimmed, id: nextId++ };
      const a = r === null ? null : await askAny(r);
      const d = r === null || a === null || isLeft(a) ? null : compareAny(r, oracle(r), a.right);
      if (a !== null && isLeft(a)) protocolError = a.left;
      else if (r !== null && a !== null && d !== null)
        disagreements.push({ source: 'search', request: r, expected: oracle(r), actual: a.right, ...d });
      // Asked again, the implementation agreed, or the search itself broke: either way it cannot be trusted.
      else
        protocolError = `the implementation is not deterministic, or the search failed: ${String(out.errorInstance)}`;
    }
  }
  const unsupportedReasons = [...reasons]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([reason, count]) => ({ reason, count }));
  return { protocol: protocol ?? 1, corpus, search, unsupportedReasons, disagreements, protocolError };
}
