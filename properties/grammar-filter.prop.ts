/**
 * Properties of the filter language (S2, S9.8):
 * - round trip: parse(print(e)) = e for random trees over a random call's fields;
 * - valid texts with random whitespace, redundant parentheses and value
 *   spellings always parse to the tree they spell;
 * - arbitrary strings and mutated valid filters never throw, and every error
 *   column lies within [0, input.length].
 */
import test from 'ava';
import fc from 'fast-check';
import {
  COMMON_FIELDS,
  MAX_FILTER_LENGTH,
  MAX_TERMS,
  fieldType,
  parseFilter,
  printExpr,
  termCount,
  type CmpOp,
  type Expr,
  type FieldRef,
  type FilterResult,
} from '../src/grammar/index.ts';
import { syscallTable, type ArgInfo, type SyscallInfo } from '../src/x86/table.ts';
import { params, u64 } from './support.ts';

const CALLS: readonly SyscallInfo[] = [...syscallTable('x86_64').calls, ...syscallTable('ia32').calls];
const OPS: readonly CmpOp[] = ['==', '!=', '<', '<=', '>', '>=', '&'];
const SPACES = [' ', '\t', '\n', '\r', '\x0b', '\x0c'];

/** The fields a filter of `args` can name, resolved as the parser does (arguments shadow nr, S2.2). */
function fieldsOf(args: readonly ArgInfo[]): readonly FieldRef[] {
  const out: FieldRef[] = [];
  const seen = new Set<string>();
  args.forEach((a, index) => {
    if (!seen.has(a.name)) out.push({ kind: 'arg', name: a.name, index });
    seen.add(a.name);
  });
  if (!seen.has('nr')) out.push({ kind: 'nr', name: 'nr' });
  for (const c of COMMON_FIELDS) if (!seen.has(c)) out.push({ kind: 'common', name: c });
  return out;
}

const S64_MIN = -(1n << 63n);
const S64_MAX = (1n << 63n) - 1n;
const s64 = (): fc.Arbitrary<bigint> =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        S64_MIN,
        S64_MIN + 1n,
        -(1n << 31n),
        -1n,
        0n,
        1n,
        (1n << 31n) - 1n,
        1n << 32n,
        S64_MAX,
      ),
    },
    { weight: 2, arbitrary: fc.bigInt({ min: -16n, max: 16n }) },
    { weight: 2, arbitrary: fc.bigInt({ min: S64_MIN, max: S64_MAX }) },
  );

const predOf = (fields: readonly FieldRef[]): fc.Arbitrary<Expr> =>
  fc.constantFrom(...fields).chain((field) =>
    fc.record({
      kind: fc.constant('pred' as const),
      field: fc.constant(field),
      op: fc.constantFrom(...OPS),
      value: fieldType(field).signed ? s64() : u64(),
    }),
  );

const exprOf = (fields: readonly FieldRef[]): fc.Arbitrary<Expr> =>
  fc.letrec<{ e: Expr }>((tie) => ({
    e: fc.oneof(
      { maxDepth: 5, depthIdentifier: 'expr', withCrossShrink: true },
      { weight: 3, arbitrary: predOf(fields) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('and' as const), left: tie('e'), right: tie('e') }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('or' as const), left: tie('e'), right: tie('e') }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('not' as const), operand: tie('e') }) },
    ),
  })).e;

const fits = (e: Expr): boolean => termCount(e) <= MAX_TERMS && printExpr(e).length <= MAX_FILTER_LENGTH;

/** Cut a tree down to the S2.3 limits by construction: replace an oversized node by one of its children. */
function fit(e: Expr, pickLeft = true): Expr {
  if (fits(e)) return e;
  switch (e.kind) {
    case 'pred':
      return e;
    case 'not':
      return fit(e.operand, !pickLeft);
    default: {
      const l = fit(e.left, !pickLeft);
      const r = fit(e.right, pickLeft);
      const joined: Expr = { kind: e.kind, left: l, right: r };
      return fits(joined) ? joined : pickLeft ? l : r;
    }
  }
}

/** A random system call (either ABI) with a random tree over its fields, within the limits. */
const callAndExpr: fc.Arbitrary<{ call: SyscallInfo; expr: Expr }> = fc
  .constantFrom(...CALLS)
  .chain((call) => exprOf(fieldsOf(call.args)).map((e) => ({ call, expr: fit(e) })));

const show = (x: unknown): string => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

test('S9.8 round trip: parse(print(e)) gives back e (cut for CI time; more under npm run props)', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(callAndExpr, ({ call, expr }) => {
        const text = printExpr(expr);
        const r = parseFilter(text, call.args);
        if (!r.ok)
          throw new Error(
            `${call.abi} ${call.sysName}: ${JSON.stringify(text)} -> ${r.error.message} at ${r.error.column}`,
          );
        if (r.filter.kind !== 'expr') throw new Error(`${JSON.stringify(text)} -> ${r.filter.kind}`);
        if (show(r.filter.expr) !== show(expr))
          throw new Error(`${JSON.stringify(text)}: ${show(r.filter.expr)} != ${show(expr)}`);
        if (r.filter.text !== text) throw new Error('the filter keeps its text');
        if (printExpr(r.filter.expr) !== text) throw new Error('printing is stable');
      }),
      params(1500),
    ),
  );
});

test('S9.8 the generator is not starved: most trees are compound and many are deep', (t) => {
  const sample = fc.sample(callAndExpr, { numRuns: 500, seed: 42 }).map(({ expr }) => termCount(expr));
  t.true(sample.filter((n) => n > 1).length > 250, 'compound trees');
  t.true(sample.filter((n) => n >= 7).length > 50, 'trees of 7+ terms');
  t.true(sample.every((n) => n <= MAX_TERMS));
});

// ---------------------------------------------------------------- decorated valid texts

type Gen = fc.GeneratorValue;

const spaces = (g: Gen, max: number): string => {
  const n = g(fc.integer, { min: 0, max });
  let s = '';
  for (let i = 0; i < n; i++) s += g(fc.constantFrom, ...SPACES);
  return s;
};

/** Spell a non-negative magnitude as decimal, 0x/0X-hex (any case) or 0-octal, maybe zero-padded. */
function spellMagnitude(g: Gen, m: bigint): string {
  const pad = g(fc.boolean) ? '0'.repeat(g(fc.integer, { min: 1, max: 4 })) : '';
  switch (g(fc.constantFrom, 'dec', 'hex', 'oct')) {
    case 'dec':
      return m.toString();
    case 'hex': {
      const digits = pad + m.toString(16);
      return `${g(fc.constantFrom, '0x', '0X')}${g(fc.boolean) ? digits.toUpperCase() : digits}`;
    }
    default:
      return m === 0n ? `0${pad}` : `0${pad}${m.toString(8)}`;
  }
}

const spellValue = (g: Gen, v: bigint): string => (v < 0n ? `-${spellMagnitude(g, -v)}` : spellMagnitude(g, v));

const level = (e: Expr): number => (e.kind === 'or' ? 1 : e.kind === 'and' ? 2 : 3);

/** Spell `e` with random whitespace and redundant parentheses; the result must parse to `e`. */
function decorate(g: Gen, e: Expr, atLeast: number): string {
  const ws = (): string => spaces(g, 2);
  let s: string;
  switch (e.kind) {
    case 'pred':
      s = `${e.field.name}${ws()}${e.op}${ws()}${spellValue(g, e.value)}`;
      break;
    case 'not':
      s = `!${ws()}${decorate(g, e.operand, 3)}`;
      break;
    case 'and':
      s = `${decorate(g, e.left, 2)}${ws()}&&${ws()}${decorate(g, e.right, 3)}`;
      break;
    case 'or':
      s = `${decorate(g, e.left, 1)}${ws()}||${ws()}${decorate(g, e.right, 2)}`;
      break;
  }
  const needed = level(e) < atLeast;
  return needed || g(fc.integer, { min: 0, max: 5 }) === 0 ? `(${ws()}${s}${ws()})` : s;
}

test('S2.1 valid texts with random whitespace, redundant parens and value spellings parse to their tree (cut for CI time; more under npm run props)', (t) => {
  let parsed = 0;
  t.notThrows(() =>
    fc.assert(
      fc.property(callAndExpr, fc.gen(), ({ call, expr }, g) => {
        const text = `${spaces(g, 3)}${decorate(g, expr, 1)}${spaces(g, 3)}`;
        const r = parseFilter(text, call.args);
        const trimmed = text.trim();
        if (trimmed.length > MAX_FILTER_LENGTH) {
          if (r.ok || r.error.message !== 'Filter string too long (at most 255 characters)')
            throw new Error(`${JSON.stringify(text)} over 255 -> ${show(r)}`);
          return;
        }
        if (!r.ok)
          throw new Error(
            `${call.abi} ${call.sysName}: ${JSON.stringify(text)} -> ${r.error.message} at ${r.error.column}`,
          );
        if (r.filter.kind !== 'expr' || show(r.filter.expr) !== show(expr))
          throw new Error(`${JSON.stringify(text)}: ${show(r.filter)} != ${show(expr)}`);
        parsed++;
      }),
      params(1500),
    ),
  );
  t.log(`${parsed} decorated texts parsed (the rest were over 255 characters)`);
  t.true(parsed > 0);
});

// ---------------------------------------------------------------- totality

const columnInRange = (s: string, r: FilterResult): void => {
  if (r.ok) return;
  const c = r.error.column;
  if (!Number.isInteger(c) || c < 0 || c > s.length)
    throw new Error(`${JSON.stringify(s)}: column ${c} outside [0, ${s.length}] (${r.error.message})`);
  if (typeof r.error.message !== 'string' || r.error.message === '') throw new Error('an error has a message');
};

const LANGUAGE = [...'fdcountnr_common_pid ()!&|=<>-0x19aAfF\t\n\r\x0b\x0c\0'];
const anyArgs = fc.constantFrom(...CALLS).map((c) => c.args);

const STRINGS: readonly (readonly [string, fc.Arbitrary<string>])[] = [
  ['binary', fc.string({ unit: 'binary', maxLength: 300 })],
  ['binary-ascii', fc.string({ unit: 'binary-ascii', maxLength: 300 })],
  ['grapheme', fc.string({ unit: 'grapheme', maxLength: 100 })],
  [
    'lone surrogates and code units',
    fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)), maxLength: 300 }),
  ],
  ['language characters', fc.string({ unit: fc.constantFrom(...LANGUAGE), maxLength: 300 })],
];

for (const [name, arb] of STRINGS) {
  test(`S2.4 parseFilter never throws on arbitrary ${name} strings; error columns lie in the input`, (t) => {
    t.notThrows(() =>
      fc.assert(
        fc.property(arb, anyArgs, (s, args) => {
          columnInRange(s, parseFilter(s, args));
        }),
        params(1000),
      ),
    );
  });
}

const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    c: fc.oneof(fc.constantFrom(...LANGUAGE), fc.string({ unit: 'binary', minLength: 1, maxLength: 2 })),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 4 }) }),
  fc.record({
    kind: fc.constant('replace' as const),
    at: fc.nat(),
    c: fc.oneof(fc.constantFrom(...LANGUAGE), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
  }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(s: string, ms: readonly Mutation[]): string {
  let out = s;
  for (const m of ms) {
    const at = out.length === 0 ? 0 : m.at % (out.length + 1);
    if (m.kind === 'insert') out = out.slice(0, at) + m.c + out.slice(at);
    else if (m.kind === 'delete') out = out.slice(0, at) + out.slice(at + m.n);
    else out = out.slice(0, at) + m.c + out.slice(at + 1);
  }
  return out;
}

test('S2.4 mutated valid filters never throw; errors are in range; survivors still round-trip (cut for CI time; more under npm run props)', (t) => {
  let survivors = 0;
  t.notThrows(() =>
    fc.assert(
      fc.property(callAndExpr, fc.array(mutation, { minLength: 1, maxLength: 4 }), ({ call, expr }, ms) => {
        const s = mutate(printExpr(expr), ms);
        const r = parseFilter(s, call.args);
        columnInRange(s, r);
        if (r.ok && r.filter.kind === 'expr') {
          survivors++;
          const again = parseFilter(printExpr(r.filter.expr), call.args);
          if (!again.ok || again.filter.kind !== 'expr' || show(again.filter.expr) !== show(r.filter.expr)) {
            throw new Error(
              `${JSON.stringify(s)} parsed, but its print ${JSON.stringify(printExpr(r.filter.expr))} did not parse back: ${show(again)}`,
            );
          }
        }
      }),
      params(2000),
    ),
  );
  t.log(`${survivors} mutants still parsed`);
});

test('S2.4 long or deep inputs built from valid pieces never throw (cut for CI time; more under npm run props)', (t) => {
  const piece = fc.constantFrom('(', ')', '!', 'fd == 1', ' && ', ' || ', ' ', 'nr < -1', 'x', '\0');
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 400 }), fc.nat({ max: 3000 }), (pieces, depth) => {
        const s = `${'('.repeat(depth)}${pieces.join('')}${')'.repeat(depth % 7 === 0 ? depth : 0)}`;
        columnInRange(s, parseFilter(s, syscallTable('x86_64').byNr(0)!.args));
      }),
      params(300),
    ),
  );
});
