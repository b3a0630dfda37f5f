/**
 * The minijail grammar (src/minijail/grammar.ts) as ohm semantics: one
 * statement or `@frequency` line to a small tree with source offsets, which
 * parse.ts gives meaning.
 */
import * as ohm from 'ohm-js';
import { GRAMMAR_NAMESPACE } from '../grammar/index.ts';
import { MINIJAIL_GRAMMAR_SOURCE } from './grammar.ts';

// MinijailFrequency extends MinijailStatement, so one grammar and one semantics serve both start rules.
// Compiled on first use: a command that reads no minijail policy (check of a 2011 one) does not pay for it at start.
let compiled: { readonly grammar: ohm.Grammar; readonly semantics: ohm.Semantics } | null = null;
export function minijail(): { readonly grammar: ohm.Grammar; readonly semantics: ohm.Semantics } {
  if (compiled === null) {
    const grammar = ohm.grammars(MINIJAIL_GRAMMAR_SOURCE, GRAMMAR_NAMESPACE)['MinijailFrequency']!;
    compiled = { grammar, semantics: addSyntax(grammar) };
  }
  return compiled;
}

export type VNode =
  | { readonly k: 'num' | 'name'; readonly text: string; readonly at: number }
  | { readonly k: 'not'; readonly of: VNode; readonly at: number }
  | { readonly k: 'or'; readonly of: readonly VNode[]; readonly at: number };

export interface AtomNode {
  readonly arg: string;
  readonly at: number;
  readonly op: string;
  readonly value: VNode;
}

export type ActionNode =
  | { readonly k: 'return'; readonly value: VNode; readonly at: number }
  | { readonly k: 'named'; readonly name: string; readonly at: number }
  | { readonly k: 'number'; readonly text: string; readonly at: number };

export interface FilterNode {
  readonly expr?: readonly (readonly AtomNode[])[];
  readonly action?: ActionNode;
  readonly at: number;
}

export interface CallNode {
  readonly name: string;
  readonly at: number;
  readonly arches?: readonly string[];
}

export type StatementNode =
  | { readonly k: 'include' | 'frequency'; readonly path: string; readonly at: number }
  | { readonly k: 'default'; readonly action: ActionNode; readonly at: number }
  | { readonly k: 'denylist'; readonly at: number }
  | { readonly k: 'filter'; readonly calls: readonly CallNode[]; readonly filters: readonly FilterNode[] };

export type FreqNode = { readonly calls: readonly CallNode[]; readonly count: string; readonly countAt: number };

const at = (n: ohm.Node): number => n.source.startIdx;

function addSyntax(g: ohm.Grammar): ohm.Semantics {
  const s = g.createSemantics();
  s.addOperation<unknown>('ast', {
    Statement_directive: (d, _e) => d['ast'](),
    Statement_filter: (f, _e) => f['ast'](),
    Directive_include: (_k, p) => ({ k: 'include', path: p.sourceString, at: at(p) }),
    Directive_frequency: (_k, p) => ({ k: 'frequency', path: p.sourceString, at: at(p) }),
    Directive_default: (k, a) => ({ k: 'default', action: a['ast'](), at: at(k) }),
    Directive_denylist: (k) => ({ k: 'denylist', at: at(k) }),
    FilterStatement: (c, _colon, f) => ({ k: 'filter', calls: c['ast'](), filters: f['ast']() }),
    Calls_group: (_l, list, _r) => list['ast'](),
    Calls: (c) => (c.ctorName === 'Call' ? [c['ast']()] : c['ast']()),
    Call: (name, meta) => {
      const m = meta.children[0]?.['ast']() as { key: string; values: string[] }[] | undefined;
      const arches = m?.find((kv) => kv.key === 'arch')?.values;
      return { name: name.sourceString, at: at(name), ...(arches !== undefined ? { arches } : {}) };
    },
    Metadata: (_l, list, _r) => list['ast'](),
    KeyValue: (k, _eq, vs) => ({ key: k.sourceString, values: vs['ast']() }),
    word: (_w) => _w.sourceString,
    Filter_set: (_l, list, _r) => list['ast'](),
    Filter: (f) => (f.ctorName === 'SingleFilter' ? [f['ast']()] : f['ast']()),
    SingleFilter_then: (e, _semi, a) => ({ expr: e['ast'](), action: a['ast'](), at: at(e) }),
    SingleFilter_allow: (e) => ({ expr: e['ast'](), at: at(e) }),
    SingleFilter_action: (a) => ({ action: a['ast'](), at: at(a) }),
    ArgExpr: (list) => list['ast'](),
    Clause: (list) => list['ast'](),
    Atom: (arg, op, v) => ({ arg: arg.sourceString, at: at(arg), op: op.sourceString, value: v['ast']() }),
    Value: (list) => {
      const of = list['ast']() as VNode[];
      return of.length === 1 ? of[0] : { k: 'or', of, at: at(list) };
    },
    Constant_notParen: (t, _l, v, _r) => ({ k: 'not', of: v['ast'](), at: at(t) }),
    Constant_paren: (_l, v, _r) => v['ast'](),
    Constant_not: (t, v) => ({ k: 'not', of: v['ast'](), at: at(t) }),
    single_number: (n) => ({ k: 'num', text: n.sourceString, at: at(n) }),
    single_name: (n) => ({ k: 'name', text: n.sourceString, at: at(n) }),
    Action_return: (_r, v) => ({ k: 'return', value: v['ast'](), at: at(v) }),
    Action_named: (n) => ({ k: 'named', name: n.sourceString, at: at(n) }),
    Action_number: (n) => ({ k: 'number', text: n.sourceString, at: at(n) }),
    Line: (c, _colon, n, _e) => ({ calls: c['ast'](), count: n.sourceString, countAt: at(n) }),
    NonemptyListOf: (first, _seps, rest) => [first['ast'](), ...rest.children.map((c) => c['ast']())],
    _iter: (...children) => children.map((c) => c['ast']()),
  });
  return s;
}

/** A short "expected" list from ohm's failure, without its internal rule names. */
export function expectedText(m: ohm.FailedMatchResult): string {
  const text = m.getExpectedText();
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
