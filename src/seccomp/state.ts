/**
 * The engine's per-task seccomp state (S4): immutable once built, shared by
 * forked tasks (S7.1 copy on write: a change builds a new state, so sharing
 * needs no count). Each state carries its decision table, indexed by
 * system call number of its ABI: `kinds` (0 no entry, 1 `1`, 2 expression)
 * and one compiled test for its expression entries. Every change goes through a Draft that is
 * frozen only on success (S5.5 atomicity).
 */
import { MSG, parseFilter, parsePolicy, type Filter } from '../grammar/index.ts';
import { syscallTable } from '../x86/table.ts';
import { ERRNO } from '../x86/errno.ts';
import type { SeccompMode } from '../x86/views.ts';
import { compileState, type ExprEntry, type StateTests } from './compile.ts';
import type { CompiledRules } from './layer.ts';
import { ABI_OF, type EngineRules } from './rules.ts';

/** A filter that can sit in the map: `1` or an expression (S4.1; `0` only drops). */
export type ActiveFilter = Exclude<Filter, { readonly kind: 'drop' }>;

/** Decision-table kinds (S6.4). */
export const KIND_NONE = 0;
export const KIND_ALLOW = 1;
export const KIND_EXPR = 2;

/** No ABI yet (C12). */
export const NO_ABI = -1;

const EMPTY_KINDS = new Uint8Array(0);
const NO_LAYERS: readonly CompiledRules[] = Object.freeze([]);

/** S8 the text of a filter as stored and shown. */
export const filterText = (f: ActiveFilter): string => (f.kind === 'allow' ? '1' : f.text);

/**
 * One task's seccomp state; never changed after construction. Fields are
 * `declare`d and set in the constructor, as in Task (task.ts): an ES2022
 * class field would start as undefined and leave V8 checking it on every
 * read of the entry path.
 */
export class SeccompState {
  declare readonly mode: SeccompMode;
  /** C12 ABI code, or NO_ABI. */
  declare readonly abi: number;
  /** Entries in ascending nr. */
  declare readonly filters: ReadonlyMap<number, ActiveFilter>;
  /** S6.4 decision kinds by nr of `abi`; empty without an ABI. */
  declare readonly kinds: Uint8Array;
  /** S6.4 the compiled expression entries (compile.ts), read straight from the hot path. */
  declare readonly nativeRegs: StateTests['nativeRegs'];
  declare readonly compatRegs: StateTests['compatRegs'];
  declare readonly nativeArgs: StateTests['nativeArgs'];
  declare readonly compatArgs: StateTests['compatArgs'];

  /**
   * S6.4 whether a native (compat) call matches `abi` under the kernel's
   * S10-pluggable ABI rule, for the hot path: false in a stacked state, so
   * the 2011 path ends at once and the slow path decides over the stack
   * (secure.ts). `map2011Native` and `map2011Compat` are the 2011 map's own.
   */
  declare readonly nativeMatches: boolean;
  declare readonly compatMatches: boolean;
  declare readonly map2011Native: boolean;
  declare readonly map2011Compat: boolean;
  /** A5 the filters installed as rule sets, compiled, newest first. */
  declare readonly layers: readonly CompiledRules[];
  /** A6 whether `layers` is not empty: the decision runs over the stack. */
  declare readonly stacked: boolean;
  /** S6.2 TIF_SECCOMP: 1 when the entry path must call secure_computing (mode 1 or 2, or a stack). */
  declare readonly tif: number;

  /** `matches` is the kernel's rules.abiMatches table (rules.ts). */
  constructor(
    mode: SeccompMode,
    abi: number,
    filters: ReadonlyMap<number, ActiveFilter>,
    matches: Uint8Array,
    layers: readonly CompiledRules[] = NO_LAYERS,
  ) {
    this.mode = mode;
    this.abi = abi;
    this.filters = filters;
    this.layers = layers;
    this.stacked = layers.length > 0;
    this.tif = mode !== 0 || layers.length > 0 ? 1 : 0;
    this.map2011Native = abi !== NO_ABI && matches[abi * 2] === 1;
    this.map2011Compat = abi !== NO_ABI && matches[abi * 2 + 1] === 1;
    this.nativeMatches = this.map2011Native && layers.length === 0;
    this.compatMatches = this.map2011Compat && layers.length === 0;
    const n = abi === NO_ABI ? 0 : syscallTable(ABI_OF[abi]!).nrSyscalls;
    const kinds = n === 0 ? EMPTY_KINDS : new Uint8Array(n);
    const exprs: ExprEntry[] = [];
    for (const [nr, f] of filters) {
      if (nr >= n) continue;
      kinds[nr] = f.kind === 'allow' ? KIND_ALLOW : KIND_EXPR;
      if (f.kind === 'expr') exprs.push({ nr, expr: f.expr, text: f.text });
    }
    this.kinds = kinds;
    const tests = compileState(exprs, abi);
    this.nativeRegs = tests.nativeRegs;
    this.compatRegs = tests.compatRegs;
    this.nativeArgs = tests.nativeArgs;
    this.compatArgs = tests.compatArgs;
  }
}

/** S4.2 a new task's state: mode 0, no filters. */
export const INITIAL_STATE = new SeccompState(0, NO_ABI, new Map(), new Uint8Array(4));

/** A failed operation: the positive errno (S5.7). */
export type Errno = number;

/** A private, mutable copy of a state; `freeze` makes the new state. */
export class Draft {
  mode: SeccompMode;
  abi: number;
  pending: boolean;
  readonly filters: Map<number, ActiveFilter>;
  /** After a failed applyPolicy: the 1-based line that failed, 0 when no line did (the ABI check). */
  failedLine = 0;
  /** A5 the stacked rule sets, kept as they are. */
  private readonly layers: readonly CompiledRules[];

  constructor(
    from: SeccompState,
    pending: boolean,
    private readonly rules: EngineRules,
    private readonly matches: Uint8Array,
  ) {
    this.mode = from.mode;
    this.abi = from.abi;
    this.pending = pending;
    this.filters = new Map(from.filters);
    this.layers = from.layers;
  }

  /** C12 the ABI check of every SET: only a state that has an ABI can refuse. */
  abiAllowsSet(callAbi: number): boolean {
    return this.abi === NO_ABI || this.matches[this.abi * 2 + callAbi] === 1;
  }

  // C12 in mode 0 the state has an ABI exactly when it has filters.
  private settle(callAbi: number): void {
    if (this.mode === 0) this.abi = this.filters.size === 0 ? NO_ABI : this.abi === NO_ABI ? callAbi : this.abi;
  }

  /**
   * S5.4 reduce-only merge of `next` into `old`: `1` keeps `old`; an
   * expression narrows to `(old) && (next)`, parsed again so the tree
   * matches the text; over 255 characters or 32 terms is -E2BIG.
   */
  private merge(old: ActiveFilter, next: ActiveFilter, nr: number, callAbi: number): ActiveFilter | Errno {
    if (next.kind === 'allow') return old;
    if (old.kind === 'allow') return next;
    const text = this.rules.mergeText(old.text, next.text);
    const parsed = parseFilter(text, syscallTable(ABI_OF[callAbi]!).byNr(nr)?.args ?? []);
    if (parsed.ok && parsed.filter.kind === 'expr') return parsed.filter;
    const tooBig =
      !parsed.ok && (parsed.error.message === MSG.filterTooLong || parsed.error.message === MSG.tooManyTerms);
    return tooBig ? ERRNO.E2BIG : ERRNO.EINVAL;
  }

  /** S5.3, S5.4, C13 one entry `nr: filter` (the ABI check is the caller's); 0 or an errno. */
  set(nr: number, filter: Filter, callAbi: number): Errno {
    if (filter.kind === 'drop') {
      this.filters.delete(nr);
      this.settle(callAbi);
      return 0;
    }
    const old = this.filters.get(nr);
    if (old === undefined) {
      // S5.4 a new entry in mode 2 would widen access.
      if (this.mode === 2) return ERRNO.EACCES;
      this.filters.set(nr, filter);
    } else {
      const merged = this.merge(old, filter, nr, callAbi);
      if (typeof merged === 'number') return merged;
      this.filters.set(nr, merged);
    }
    this.settle(callAbi);
    return 0;
  }

  /** S5.3, C12 CLEAR: drop the entry of `nr`, in any mode. */
  clear(nr: number, callAbi: number): void {
    this.filters.delete(nr);
    this.settle(callAbi);
  }

  /**
   * S5.2 PR_SET_SECCOMP 2 with `text` (mode 0 or 2): each line applies as a
   * SET, the first failing line decides (C15), the directive is -EACCES in
   * mode 2 (C14), and on success the task is in mode 2 bound to `callAbi`.
   */
  applyPolicy(text: string, callAbi: number): Errno {
    this.failedLine = 0;
    if (!this.abiAllowsSet(callAbi)) return ERRNO.EACCES;
    const filtering = this.mode === 2;
    const abi = ABI_OF[callAbi]!;
    let directive = false;
    // S2.5 lines are independent, so each is parsed and applied in order.
    for (const line of text.split('\n')) {
      this.failedLine++;
      const r = parsePolicy(line, abi);
      if (!r.ok) return ERRNO.EINVAL;
      for (const e of r.policy.entries) {
        const err = this.set(e.nr, e.filter, callAbi);
        if (err !== 0) return err;
      }
      if (r.policy.onNextSyscall) {
        if (filtering) return ERRNO.EACCES;
        directive = true;
      }
    }
    this.failedLine = 0;
    if (!filtering) {
      this.mode = 2;
      this.abi = callAbi;
      this.pending = directive;
    }
    return 0;
  }

  /** The new state, entries in ascending nr. */
  freeze(): SeccompState {
    const sorted = new Map([...this.filters].sort((a, b) => a[0] - b[0]));
    return new SeccompState(this.mode, this.abi, sorted, this.matches, this.layers);
  }
}
