/**
 * The bridge to z3 (the `z3-solver` package, WebAssembly): loaded on first
 * use only, so commands that prove nothing never pay for it. Terms become
 * z3 bit-vector and boolean terms one node at a time (shared nodes once);
 * one incremental solver answers every query of a proof between push and
 * pop. Queries are satisfiability checks: a model is a counterexample.
 */
import type { Z3_ast, Z3_context, Z3_solver, Z3_sort, Z3LowLevel } from 'z3-solver';
import type { Term } from './term.ts';

type Api = Z3LowLevel['Z3'];

let loading: Promise<Api | Error> | undefined;

// z3's WebAssembly build runs one asynchronous call at a time, across every context: queries wait their turn.
let turn: Promise<unknown> = Promise.resolve();
function inTurn<T>(f: () => Promise<T>): Promise<T> {
  const mine = turn.then(f, f);
  turn = mine.catch(() => undefined);
  return mine;
}

/** z3's low-level API, loaded once; an Error value if the package cannot load here (a browser, say). */
export function loadZ3(): Promise<Api | Error> {
  loading ??= (async () => {
    try {
      const mod = await import('z3-solver');
      return (await mod.init()).Z3;
    } catch (e) {
      /* c8 ignore next */
      return e instanceof Error ? e : new Error(String(e));
    }
  })();
  return loading;
}

/** The answer to one query: a model (values of the variables it mentions), none, or z3 gave up. */
export type Answer =
  | { readonly kind: 'unsat' }
  | { readonly kind: 'sat'; readonly model: ReadonlyMap<string, bigint> }
  | { readonly kind: 'unknown' };

/** One solver session: a z3 context, its translation cache and the time spent in `check`. */
export class Session {
  private readonly ctx: Z3_context;
  private readonly solver: Z3_solver;
  // Keyed by the term itself: ids are unique per builder only.
  private readonly cache = new WeakMap<Term, Z3_ast>();
  private readonly vars = new Map<string, Z3_ast>();
  private readonly sorts: Readonly<Record<0 | 32 | 64, Z3_sort>>;
  /** Milliseconds spent translating terms into z3. */
  translateMs = 0;
  /** Milliseconds spent in z3's check. */
  solveMs = 0;
  /** Queries sent to z3. */
  queries = 0;

  constructor(private readonly z3: Api) {
    const cfg = z3.mk_config();
    this.ctx = z3.mk_context(cfg);
    z3.del_config(cfg);
    // Solvers and models are reference counted even in a plain context.
    this.solver = z3.mk_simple_solver(this.ctx);
    z3.solver_inc_ref(this.ctx, this.solver);
    this.sorts = { 0: z3.mk_bool_sort(this.ctx), 32: z3.mk_bv_sort(this.ctx, 32), 64: z3.mk_bv_sort(this.ctx, 64) };
  }

  /** Free the z3 context (every term and the solver with it). */
  close(): void {
    this.z3.solver_dec_ref(this.ctx, this.solver);
    this.z3.del_context(this.ctx);
  }

  private variable(name: string, width: 0 | 32 | 64): Z3_ast {
    const k = `${name}/${width}`;
    let v = this.vars.get(k);
    if (v === undefined) {
      v = this.z3.mk_const(this.ctx, this.z3.mk_string_symbol(this.ctx, name), this.sorts[width]);
      this.vars.set(k, v);
    }
    return v;
  }

  /** `t` as a z3 term (a ranged variable is the plain variable; `query` asserts its range). */
  translate(t: Term): Z3_ast {
    const { z3, ctx } = this;
    const order: Term[] = [];
    const seen = new Set<Term>();
    const stack: [Term, boolean][] = [[t, false]];
    while (stack.length > 0) {
      const [x, done] = stack.pop()!;
      if (done) {
        order.push(x);
        continue;
      }
      if (this.cache.has(x) || seen.has(x)) continue;
      seen.add(x);
      stack.push([x, true]);
      for (const a of x.args) stack.push([a, false]);
    }
    for (const x of order) {
      const a = x.args.map((y) => this.cache.get(y)!);
      const [p = a[0]!, q = a[0]!, r = a[0]!] = a;
      let out: Z3_ast;
      switch (x.op) {
        case 'const':
          out =
            x.width === 0
              ? x.value !== 0n
                ? z3.mk_true(ctx)
                : z3.mk_false(ctx)
              : z3.mk_numeral(ctx, x.value.toString(), this.sorts[x.width]);
          break;
        case 'var':
          out = this.variable(x.name, x.width);
          break;
        case 'add':
          out = z3.mk_bvadd(ctx, p, q);
          break;
        case 'sub':
          out = z3.mk_bvsub(ctx, p, q);
          break;
        case 'mul':
          out = z3.mk_bvmul(ctx, p, q);
          break;
        case 'udiv':
          out = z3.mk_bvudiv(ctx, p, q);
          break;
        case 'and':
          out = z3.mk_bvand(ctx, p, q);
          break;
        case 'or':
          out = z3.mk_bvor(ctx, p, q);
          break;
        case 'xor':
          out = z3.mk_bvxor(ctx, p, q);
          break;
        case 'shl':
          out = z3.mk_bvshl(ctx, p, q);
          break;
        case 'lshr':
          out = z3.mk_bvlshr(ctx, p, q);
          break;
        case 'neg':
          out = z3.mk_bvneg(ctx, p);
          break;
        case 'concat':
          out = z3.mk_concat(ctx, p, q);
          break;
        case 'ite':
          out = z3.mk_ite(ctx, p, q, r);
          break;
        case 'eq':
          out = z3.mk_eq(ctx, p, q);
          break;
        case 'ult':
          out = z3.mk_bvult(ctx, p, q);
          break;
        case 'ule':
          out = z3.mk_bvule(ctx, p, q);
          break;
        case 'not':
          out = z3.mk_not(ctx, p);
          break;
        case 'band':
          out = z3.mk_and(ctx, a);
          break;
        case 'bor':
          out = z3.mk_or(ctx, a);
          break;
      }
      this.cache.set(x, out);
    }
    return this.cache.get(t)!;
  }

  // The range of each ranged variable of `t`, as assertions.
  private ranges(vars: readonly Term[]): Z3_ast[] {
    const out: Z3_ast[] = [];
    for (const v of vars) {
      if (v.range === undefined || v.width === 0) continue;
      const x = this.variable(v.name, v.width);
      const num = (n: bigint): Z3_ast => this.z3.mk_numeral(this.ctx, n.toString(), this.sorts[v.width]);
      out.push(this.z3.mk_bvule(this.ctx, num(v.range[0]), x), this.z3.mk_bvule(this.ctx, x, num(v.range[1])));
    }
    return out;
  }

  /**
   * Is there an assignment, each ranged variable of `vars` in its range,
   * under which the boolean term `goal` holds? The model gives every name
   * of `vars` a value.
   */
  query(goal: Term, vars: readonly Term[]): Promise<Answer> {
    return inTurn(() => this.ask(goal, vars));
  }

  private async ask(goal: Term, vars: readonly Term[]): Promise<Answer> {
    const { z3, ctx, solver } = this;
    const t0 = performance.now();
    const g = this.translate(goal);
    const rs = this.ranges(vars);
    this.translateMs += performance.now() - t0;
    z3.solver_push(ctx, solver);
    try {
      z3.solver_assert(ctx, solver, g);
      for (const r of rs) z3.solver_assert(ctx, solver, r);
      const t1 = performance.now();
      const r = await z3.solver_check(ctx, solver);
      this.solveMs += performance.now() - t1;
      this.queries++;
      if (r === -1) return { kind: 'unsat' };
      /* c8 ignore next */
      if (r !== 1) return { kind: 'unknown' };
      const m = z3.solver_get_model(ctx, solver);
      z3.model_inc_ref(ctx, m);
      const model = new Map<string, bigint>();
      for (const v of vars) {
        const val = z3.model_eval(ctx, m, this.variable(v.name, v.width), true);
        model.set(v.name, val === null ? 0n : BigInt(z3.get_numeral_string(ctx, val)));
      }
      z3.model_dec_ref(ctx, m);
      return { kind: 'sat', model };
    } finally {
      z3.solver_pop(ctx, solver, 1);
    }
  }
}

/** A new session, or an Error when z3 cannot load. */
export async function openSession(): Promise<Session | Error> {
  const z3 = await loadZ3();
  return z3 instanceof Error ? z3 : new Session(z3);
}
