/**
 * Filter strings (S2.1 to S2.4): ohm-js parse, resolution of fields and
 * values against one system call, the term limit. Total: never throws.
 */
import * as ohm from 'ohm-js';
import { constantNames, constantValue, isNarrowType } from '../x86/constants.ts';
import { nearestNames, type Abi, type ArgInfo } from '../x86/table.ts';
import {
  COMMON_FIELDS,
  fieldType,
  type CmpOp,
  type CommonFieldName,
  type Expr,
  type FieldRef,
  type Filter,
} from './ast.ts';
import { MSG, type FilterError } from './errors.ts';
import { GRAMMAR_RECIPES } from './recipe.ts';
import { printValue } from './print.ts';

/** Longest filter string after trimming and merging (S2.3). */
export const MAX_FILTER_LENGTH = 255;
/** Most predicate and logical nodes in one filter (S2.3). */
export const MAX_TERMS = 32;

// The grammars of grammar.ts, built from their recipes (scripts/gen-grammar.ts): compiling the source costs tens of ms at every start.
const makeRecipe = (ohm as unknown as { readonly makeRecipe: (recipe: readonly unknown[]) => ohm.Grammar }).makeRecipe;
const grammars: ohm.Namespace = Object.fromEntries(
  Object.entries(GRAMMAR_RECIPES).map(([name, recipe]) => [name, makeRecipe(recipe)]),
);
/**
 * The filter language's grammars as an ohm namespace, for dialects whose
 * grammars extend `SeccompLexical` (words and integer literals).
 */
export const GRAMMAR_NAMESPACE: ohm.Namespace = grammars;
const filterGrammar = grammars['SeccompFilter']!;
/** The policy-line grammar (S2.5), shared with policy.ts. */
export const lineGrammar = grammars['SeccompPolicyLine']!;

/** Syntax tree with source offsets, before resolution. */
type Syn =
  | { readonly k: 'or' | 'and'; readonly l: Syn; readonly r: Syn; readonly at: number }
  | { readonly k: 'not'; readonly e: Syn; readonly at: number }
  | {
      readonly k: 'pred';
      readonly field: string;
      readonly fieldAt: number;
      readonly op: CmpOp;
      readonly value: string;
      readonly valueAt: number;
    };

const semantics = filterGrammar.createSemantics().addOperation<Syn>('syn', {
  Filter: (e, _end) => e['syn']() as Syn,
  Or_or: (l, op, r) => ({ k: 'or', l: l['syn']() as Syn, r: r['syn']() as Syn, at: op.source.startIdx }),
  And_and: (l, op, r) => ({ k: 'and', l: l['syn']() as Syn, r: r['syn']() as Syn, at: op.source.startIdx }),
  Unary_not: (op, e) => ({ k: 'not', e: e['syn']() as Syn, at: op.source.startIdx }),
  Unary_paren: (_l, e, _r) => e['syn']() as Syn,
  Pred: (f, op, v) => ({
    k: 'pred',
    field: f.sourceString,
    fieldAt: f.source.startIdx,
    op: op.sourceString as CmpOp,
    value: v.sourceString,
    valueAt: v.source.startIdx,
  }),
});

/** C isspace(): the only characters trimmed or skipped between tokens (S2.1). */
export const isSpace = (c: string | undefined): boolean =>
  c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\x0B' || c === '\x0C';

/** Offsets of the first and one-past-last non-space characters of `s`. */
export function trimBounds(s: string): readonly [number, number] {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s[a])) a++;
  while (b > a && isSpace(s[b - 1])) b--;
  return [a, b];
}

const INTEGER = /^(-?)(?:0[xX]([0-9a-fA-F]+)|0([0-7]*)|([1-9][0-9]*))$/;
const U64_MAX = (1n << 64n) - 1n;
const S64_MIN = -(1n << 63n);
const S64_MAX = (1n << 63n) - 1n;

/**
 * Parse an integer literal as kstrtoull/kstrtoll with base 0 would (S2.1,
 * S2.3): decimal, 0x-hex or 0-octal, `-` only when `signed`, 64-bit range.
 */
export function parseInteger(text: string, signed: boolean): bigint | undefined {
  if (text.length > 4 * MAX_FILTER_LENGTH) return undefined; // bounds BigInt work; any value inside a 255-character filter fits
  const m = INTEGER.exec(text);
  if (m === null) return undefined;
  const [, minus, hex, oct, dec] = m;
  const magnitude =
    hex !== undefined ? BigInt(`0x${hex}`) : oct !== undefined ? (oct === '' ? 0n : BigInt(`0o${oct}`)) : BigInt(dec!);
  if (minus === '-') {
    if (!signed) return undefined;
    const v = -magnitude;
    return v < S64_MIN ? undefined : v;
  }
  return magnitude > (signed ? S64_MAX : U64_MAX) ? undefined : magnitude;
}

function checkParens(s: string): number | undefined {
  const open: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') open.push(i);
    else if (s[i] === ')' && open.pop() === undefined) return i;
  }
  return open[0];
}

const OPERATOR_CHARS = new Set(['=', '!', '<', '>', '&', '|']);
const WORD = /[A-Za-z0-9_]/;

/** Name the ftrace error for an ohm failure at `pos` (S2.3, S2.4). */
function classifyFailure(s: string, pos: number): FilterError {
  let q = pos;
  while (q < s.length && isSpace(s[q])) q++;
  const c = s[q];
  if (c === undefined || c === ')') return { message: MSG.meaningless, column: q };
  if (OPERATOR_CHARS.has(c)) return { message: MSG.invalidOperator, column: q };
  if (WORD.test(c) || c === '-') return { message: MSG.tooManyOperands, column: q };
  return { message: MSG.invalidCharacter, column: q };
}

/** How a filter is read: the ABI its symbolic constants resolve in [ext], and the 2011-only mode. */
export interface FilterOptions {
  /** Resolve symbolic constants (`O_WRONLY`, `AF_UNIX`) of this ABI [ext]; without it a name is an illegal value. */
  readonly abi?: Abi;
  /** Accept only the 2011 grammar's fields and values: no constants, no `argN` aliases. */
  readonly strict2011?: boolean;
}

/** `arg0` to `arg5`: the N-th argument [ext], as minijail and libseccomp users write it. */
const ARG_ALIAS = /^arg([0-5])$/;

function resolveField(name: string, args: readonly ArgInfo[], opts: FilterOptions): FieldRef | undefined {
  // A real argument name wins over an alias: prctl's own `arg2` is its second argument.
  const index = args.findIndex((a) => a.name === name);
  if (index >= 0) return { kind: 'arg', name, index };
  if (name === 'nr') return { kind: 'nr', name: 'nr' };
  if ((COMMON_FIELDS as readonly string[]).includes(name)) return { kind: 'common', name: name as CommonFieldName };
  const alias = ARG_ALIAS.exec(name);
  const k = alias === null ? -1 : Number(alias[1]);
  if (k >= 0 && k < args.length && opts.strict2011 !== true) return { kind: 'arg', name: args[k]!.name, index: k };
  return undefined;
}

/** The fields of a call and the nearest to `name`, for `Field not found`. */
function fieldHint(name: string, args: readonly ArgInfo[], opts: FilterOptions): string {
  const strict = opts.strict2011 === true;
  if (strict && ARG_ALIAS.test(name))
    return `'${name}' is an alias, an extension the 2011 grammar does not have (strict 2011 mode)`;
  const aliases = strict ? [] : args.map((_, k) => `arg${k}`);
  const near = nearestNames([...args.map((a) => a.name), 'nr', ...COMMON_FIELDS, ...aliases], name, 1);
  const mean = near.length > 0 ? `did you mean '${near[0]}'? ` : '';
  return `${mean}the fields are ${[...args.map((a) => a.name), 'nr'].join(', ')} and common_*`;
}

const CONSTANT_NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * A symbolic constant as the value of `field` [ext]: its header value, a
 * negative one in two's complement at the argument's width (AT_FDCWD on an
 * int `dfd` is 0xffffff9c, as the register holds it), or why not.
 */
function constantFor(word: string, field: FieldRef, args: readonly ArgInfo[], opts: FilterOptions): bigint | string {
  if (!CONSTANT_NAME.test(word)) return '';
  if (opts.strict2011 === true)
    return `'${word}' is a symbolic constant, an extension the 2011 grammar does not have (strict 2011 mode)`;
  if (opts.abi === undefined) return '';
  const v = constantValue(opts.abi, word);
  if (v === undefined) {
    const near = nearestNames(constantNames(opts.abi), word, 3);
    return `no constant '${word}' for ${opts.abi}${near.length > 0 ? `; did you mean ${near.map((n) => `'${n}'`).join(', ')}?` : ''}`;
  }
  const t = fieldType(field);
  if (v >= 0n || t.signed) return v;
  const bits = field.kind === 'arg' && isNarrowType(args[field.index]?.type ?? '') ? 32 : t.bits;
  return BigInt.asUintN(bits, v);
}

/** Source offsets of every predicate and logical node, in source order. */
function termOffsets(n: Syn, out: number[]): number[] {
  if (n.k === 'pred') out.push(n.fieldAt);
  else if (n.k === 'not') {
    out.push(n.at);
    termOffsets(n.e, out);
  } else {
    termOffsets(n.l, out);
    out.push(n.at);
    termOffsets(n.r, out);
  }
  return out;
}

type Resolved = { readonly ok: true; readonly expr: Expr } | { readonly ok: false; readonly error: FilterError };

/** A span of the filter text that the stored text replaces: an alias by its field, a constant by its number. */
interface Rewrite {
  readonly at: number;
  readonly length: number;
  readonly text: string;
}

function resolve(n: Syn, args: readonly ArgInfo[], opts: FilterOptions, rewrites: Rewrite[]): Resolved {
  if (n.k === 'pred') {
    const field = resolveField(n.field, args, opts);
    if (field === undefined) {
      return {
        ok: false,
        error: { message: MSG.fieldNotFound, column: n.fieldAt, detail: fieldHint(n.field, args, opts) },
      };
    }
    if (field.name !== n.field) rewrites.push({ at: n.fieldAt, length: n.field.length, text: field.name });
    let value = parseInteger(n.value, fieldType(field).signed);
    if (value === undefined) {
      const c = constantFor(n.value, field, args, opts);
      if (typeof c === 'string') {
        return {
          ok: false,
          error:
            c === ''
              ? { message: MSG.illegalInteger, column: n.valueAt }
              : { message: MSG.illegalInteger, column: n.valueAt, detail: c },
        };
      }
      value = c;
      rewrites.push({ at: n.valueAt, length: n.value.length, text: printValue(c) });
    }
    return { ok: true, expr: { kind: 'pred', field, op: n.op, value } };
  }
  if (n.k === 'not') {
    const r = resolve(n.e, args, opts, rewrites);
    return r.ok ? { ok: true, expr: { kind: 'not', operand: r.expr } } : r;
  }
  const l = resolve(n.l, args, opts, rewrites);
  if (!l.ok) return l;
  const r = resolve(n.r, args, opts, rewrites);
  if (!r.ok) return r;
  return { ok: true, expr: { kind: n.k, left: l.expr, right: r.expr } };
}

// Filters are frozen, deeply: states hand them out (filterFor, the model's maps), and a
// reader that changed one would change /proc and later merges behind the kernel's back (S5.5).
const ALLOW: Filter = Object.freeze({ kind: 'allow' });
const DROP: Filter = Object.freeze({ kind: 'drop' });

function frozen(e: Expr): Expr {
  if (e.kind === 'pred') Object.freeze(e.field);
  else if (e.kind === 'not') frozen(e.operand);
  else {
    frozen(e.left);
    frozen(e.right);
  }
  return Object.freeze(e);
}

/** Result of parsing one filter string. */
export type FilterResult =
  { readonly ok: true; readonly filter: Filter } | { readonly ok: false; readonly error: FilterError };

/**
 * Parse and resolve one filter string for a system call whose arguments are
 * `args` (S2). `1` allows, `0` drops, anything else must be an expression.
 * Columns in errors are 0-based offsets into `text`. Never throws.
 */
export function parseFilter(text: string, args: readonly ArgInfo[], opts: FilterOptions = {}): FilterResult {
  const [a, b] = trimBounds(text);
  const s = text.slice(a, b);
  const fail = (e: FilterError): FilterResult => ({ ok: false, error: { ...e, column: e.column + a } });
  if (s.length > MAX_FILTER_LENGTH) return fail({ message: MSG.filterTooLong, column: MAX_FILTER_LENGTH });
  if (s === '1') return { ok: true, filter: ALLOW };
  if (s === '0') return { ok: true, filter: DROP };
  if (s === '') return fail({ message: MSG.meaningless, column: 0 });
  const unbalanced = checkParens(s);
  if (unbalanced !== undefined) return fail({ message: MSG.unbalancedParens, column: unbalanced });
  const m = filterGrammar.match(s, 'Filter');
  if (m.failed()) return fail(classifyFailure(s, m.getRightmostFailurePosition()));
  const syn = semantics(m)['syn']() as Syn;
  const rewrites: Rewrite[] = [];
  const resolved = resolve(syn, args, opts, rewrites);
  if (!resolved.ok) return fail(resolved.error);
  const offsets = termOffsets(syn, []);
  if (offsets.length > MAX_TERMS) {
    return fail({ message: MSG.tooManyTerms, column: offsets.sort((x, y) => x - y)[MAX_TERMS]! });
  }
  // G2 the stored text is what the kernel would have been given: fields by name, values as numbers.
  const stored = rewrites
    .sort((x, y) => y.at - x.at)
    .reduce((t, r) => t.slice(0, r.at) + r.text + t.slice(r.at + r.length), s);
  if (stored.length > MAX_FILTER_LENGTH) {
    return fail({
      message: MSG.filterTooLong,
      column: Math.min(MAX_FILTER_LENGTH, s.length - 1),
      detail: `with its constants and aliases replaced the filter is ${stored.length} characters`,
    });
  }
  // C34 line breaks inside a filter are stored as spaces: /proc and GET keep one line per filter (S8).
  return {
    ok: true,
    filter: Object.freeze({ kind: 'expr', expr: frozen(resolved.expr), text: stored.replace(/[\n\r\x0B\x0C]/g, ' ') }),
  };
}
