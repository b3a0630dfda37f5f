/**
 * Terms over 32- and 64-bit bit-vectors and booleans (V1 of
 * spec/19-proofs.md): the symbolic values a BPF program and a rule set
 * compute from `struct seccomp_data`. Terms are hash-consed (one object per
 * distinct term) and folded only where every operand is a constant, or a
 * comparison of a variable with a constant lies wholly inside or outside
 * the variable's declared range; everything else is left to the solver.
 * The same operations evaluate a term on concrete values (`evaluate`), the
 * twin the tests hold equal to the BPF emulator, the rule set and z3.
 */

/** A term's sort: a bit-vector of 32 or 64 bits, or a boolean (0). */
export type Width = 0 | 32 | 64;

/** The operations of terms. Booleans are `const` of width 0 with value 0 or 1. */
export type Op =
  | 'const'
  | 'var'
  | 'add'
  | 'sub'
  | 'mul'
  | 'udiv'
  | 'and'
  | 'or'
  | 'xor'
  | 'shl'
  | 'lshr'
  | 'neg'
  | 'concat'
  | 'ite'
  | 'eq'
  | 'ult'
  | 'ule'
  | 'not'
  | 'band'
  | 'bor';

/** One hash-consed term. */
export interface Term {
  /** Unique per builder: two terms of one builder are the same term exactly when their ids are equal. */
  readonly id: number;
  readonly op: Op;
  readonly width: Width;
  readonly args: readonly Term[];
  /** The value of a `const` (booleans 0n or 1n). */
  readonly value: bigint;
  /** The name of a `var`. */
  readonly name: string;
  /** The inclusive range `[lo, hi]` of a `var`, unsigned, when it is narrower than its width. */
  readonly range?: readonly [bigint, bigint];
}

const mask = (w: Width): bigint => (w === 0 ? 1n : (1n << BigInt(w)) - 1n);

/** The value of `op` on constant operands (V1): unsigned, modulo 2^width; a division by zero is 0 (never asked). */
export function apply(op: Op, width: Width, v: readonly bigint[], argWidths: readonly Width[]): bigint {
  const m = mask(width);
  const [a = 0n, b = 0n, c = 0n] = v;
  switch (op) {
    case 'add':
      return (a + b) & m;
    case 'sub':
      return (a - b) & m;
    case 'mul':
      return (a * b) & m;
    case 'udiv':
      return b === 0n ? 0n : a / b;
    case 'and':
      return a & b;
    case 'or':
      return a | b;
    case 'xor':
      return a ^ b;
    case 'shl':
      return b >= BigInt(width) ? 0n : (a << b) & m;
    case 'lshr':
      return b >= BigInt(width) ? 0n : a >> b;
    case 'neg':
      return -a & m;
    case 'concat':
      return (a << BigInt(argWidths[1] ?? 32)) | b;
    case 'ite':
      return a !== 0n ? b : c;
    case 'eq':
      return a === b ? 1n : 0n;
    case 'ult':
      return a < b ? 1n : 0n;
    case 'ule':
      return a <= b ? 1n : 0n;
    case 'not':
      return a === 0n ? 1n : 0n;
    case 'band':
      return v.every((x) => x !== 0n) ? 1n : 0n;
    case 'bor':
      return v.some((x) => x !== 0n) ? 1n : 0n;
    /* c8 ignore next 2 */
    default:
      return 0n;
  }
}

/** Builds hash-consed terms, folding constants (see the file's comment). */
export class Builder {
  private readonly table = new Map<string, Term>();
  private next = 0;
  /** The boolean constants. */
  readonly T: Term;
  readonly F: Term;

  constructor() {
    this.T = this.make('const', 0, [], 1n);
    this.F = this.make('const', 0, [], 0n);
  }

  /** How many distinct terms this builder made. */
  get size(): number {
    return this.table.size;
  }

  private make(op: Op, width: Width, args: readonly Term[], value = 0n, name = '', range?: readonly [bigint, bigint]) {
    const key = `${op}/${width}/${args.map((a) => a.id).join(',')}/${value}/${name}/${range?.join('-') ?? ''}`;
    const old = this.table.get(key);
    if (old !== undefined) return old;
    const t: Term = { id: this.next++, op, width, args, value, name, ...(range === undefined ? {} : { range }) };
    this.table.set(key, t);
    return t;
  }

  /** A bit-vector constant (taken modulo 2^width). */
  bv(value: bigint | number, width: 32 | 64 = 32): Term {
    return this.make('const', width, [], BigInt(value) & mask(width));
  }

  /** A boolean constant. */
  bool(b: boolean): Term {
    return b ? this.T : this.F;
  }

  /** A variable, optionally known to lie in `[lo, hi]` (a variable with a range is a different term). */
  var(name: string, width: 32 | 64 = 32, range?: readonly [bigint, bigint]): Term {
    const full = range === undefined || (range[0] === 0n && range[1] === mask(width));
    if (!full && range[0] === range[1]) return this.bv(range[0], width);
    return this.make('var', width, [], 0n, name, full ? undefined : range);
  }

  private op(op: Op, width: Width, args: readonly Term[]): Term {
    if (args.every((a) => a.op === 'const'))
      return this.make(
        'const',
        width,
        [],
        apply(
          op,
          width,
          args.map((a) => a.value),
          args.map((a) => a.width),
        ),
      );
    return this.make(op, width, args);
  }

  add = (a: Term, b: Term): Term => this.op('add', a.width, [a, b]);
  sub = (a: Term, b: Term): Term => this.op('sub', a.width, [a, b]);
  mul = (a: Term, b: Term): Term => this.op('mul', a.width, [a, b]);
  /** Unsigned division; callers guard a zero divisor (BPF returns 0 then). */
  udiv = (a: Term, b: Term): Term => this.op('udiv', a.width, [a, b]);
  and = (a: Term, b: Term): Term => this.op('and', a.width, [a, b]);
  or = (a: Term, b: Term): Term => this.op('or', a.width, [a, b]);
  xor = (a: Term, b: Term): Term => this.op('xor', a.width, [a, b]);
  shl = (a: Term, b: Term): Term => this.op('shl', a.width, [a, b]);
  lshr = (a: Term, b: Term): Term => this.op('lshr', a.width, [a, b]);
  neg = (a: Term): Term => this.op('neg', a.width, [a]);
  /** `hi` (32 bits) above `lo` (32 bits): a 64-bit value. */
  concat = (hi: Term, lo: Term): Term => this.op('concat', 64, [hi, lo]);

  /** if c then a else b. */
  ite(c: Term, a: Term, b: Term): Term {
    if (c.op === 'const') return c.value !== 0n ? a : b;
    if (a === b) return a;
    return this.make('ite', a.width, [c, a, b]);
  }

  // A comparison of a ranged variable with a constant that its range decides.
  private byRange(op: 'eq' | 'ult' | 'ule', a: Term, b: Term): Term | null {
    if (a.range !== undefined && b.op === 'const') {
      const [lo, hi] = a.range;
      const v = b.value;
      if (op === 'eq') return v < lo || v > hi ? this.F : null;
      if (op === 'ult') return hi < v ? this.T : lo >= v ? this.F : null;
      return hi <= v ? this.T : lo > v ? this.F : null;
    }
    if (b.range !== undefined && a.op === 'const') {
      const [lo, hi] = b.range;
      const v = a.value;
      if (op === 'eq') return v < lo || v > hi ? this.F : null;
      if (op === 'ult') return v < lo ? this.T : v >= hi ? this.F : null;
      return v <= lo ? this.T : v > hi ? this.F : null;
    }
    return null;
  }

  eq(a: Term, b: Term): Term {
    if (a === b) return this.T;
    return this.byRange('eq', a, b) ?? this.op('eq', 0, [a, b]);
  }
  ult(a: Term, b: Term): Term {
    if (a === b) return this.F;
    return this.byRange('ult', a, b) ?? this.op('ult', 0, [a, b]);
  }
  ule(a: Term, b: Term): Term {
    if (a === b) return this.T;
    return this.byRange('ule', a, b) ?? this.op('ule', 0, [a, b]);
  }

  not(a: Term): Term {
    if (a.op === 'not') return a.args[0]!;
    return this.op('not', 0, [a]);
  }

  /** Conjunction; constants fold away. */
  band(...xs: readonly Term[]): Term {
    const rest = xs.filter((x) => x !== this.T);
    if (rest.includes(this.F)) return this.F;
    if (rest.length === 0) return this.T;
    if (rest.length === 1) return rest[0]!;
    return this.make('band', 0, rest);
  }

  /** Disjunction; constants fold away. */
  bor(...xs: readonly Term[]): Term {
    const rest = xs.filter((x) => x !== this.F);
    if (rest.includes(this.T)) return this.T;
    if (rest.length === 0) return this.F;
    if (rest.length === 1) return rest[0]!;
    return this.make('bor', 0, rest);
  }
}

/** The variables of `t` (each once), in first-seen order. */
export function variables(t: Term): readonly Term[] {
  const seen = new Set<number>();
  const out: Term[] = [];
  const stack = [t];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (seen.has(x.id)) continue;
    seen.add(x.id);
    if (x.op === 'var') out.push(x);
    stack.push(...x.args);
  }
  return out;
}

/** The number of distinct nodes of `t`. */
export function termSize(t: Term): number {
  const seen = new Set<number>();
  const stack = [t];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (seen.has(x.id)) continue;
    seen.add(x.id);
    stack.push(...x.args);
  }
  return seen.size;
}

/**
 * The value of `t` when each variable has the value `env(name)` (taken
 * modulo 2^width; a ranged variable's value is not checked against its range).
 */
export function evaluate(t: Term, env: (name: string) => bigint): bigint {
  const memo = new Map<number, bigint>();
  const go = (x: Term): bigint => {
    const known = memo.get(x.id);
    if (known !== undefined) return known;
    let v: bigint;
    if (x.op === 'const') v = x.value;
    else if (x.op === 'var') v = env(x.name) & mask(x.width);
    else if (x.op === 'ite') v = go(x.args[0]!) !== 0n ? go(x.args[1]!) : go(x.args[2]!);
    else
      v = apply(
        x.op,
        x.width,
        x.args.map(go),
        x.args.map((a) => a.width),
      );
    memo.set(x.id, v);
    return v;
  };
  return go(t);
}
