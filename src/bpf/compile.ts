/**
 * Policies and seccomp states to seccomp BPF (S6.4 as a program): check
 * `arch` (another ABI is killed), dispatch on `nr` (numbers outside the
 * table, x32 numbers and negative ones included, are killed), then each
 * entry: `1` returns the allow action at once, an expression runs as
 * short-circuit jumps (expr.ts). Two layouts: `tree`, a balanced search
 * over ranges of numbers that share code, with folding and jump threading;
 * and `plain`, a linear chain with nothing folded, the twin the optimised
 * program is checked against.
 */
import * as E from 'fp-ts/lib/Either.js';
import { parsePolicy } from '../grammar/index.ts';
import { applyPolicy, INITIAL_STATE, type ActiveFilter, type SeccompState } from '../model/index.ts';
import { syscallTable, type Abi } from '../x86/index.ts';
import { assemble } from './assemble.ts';
import { constAllowed } from './emulate.ts';
import { compileExpr, type Faults } from './expr.ts';
import { actionValue, auditArch, BPF_MAXINSNS, SECCOMP_DATA, type Action, type Program } from './insn.ts';
import { Graph, type Ref } from './ir.ts';
import { threadJumps } from './thread.ts';

/** How to compile. */
export interface CompileOptions {
  /** The ABI the policy is for: the ABI of the prctl call that installs it (S1.3, S5.2). */
  readonly abi: Abi;
  /** What S6.4 kills gets (another arch, nr out of range, no entry, false expression); default kill-process. */
  readonly kill?: Action;
  /** What an allowed call gets; default allow. */
  readonly allow?: Action;
  /** Constant folding and jump threading; default true. */
  readonly fold?: boolean;
  /** `tree` (default): balanced search over ranges; `plain`: a linear chain of numbers. */
  readonly layout?: 'tree' | 'plain';
  /**
   * Allow every native x86_64 execve (B14): for loaders that install the
   * program just before their own execve (bwrap --seccomp, runc, systemd),
   * the nearest BPF comes to the launcher's `on_next_syscall: 1`, which it
   * cannot count. Later execve calls are allowed too. Default false.
   */
  readonly allowExecve?: boolean;
}

/** The native execve's number, which `allowExecve` lets through. */
const NATIVE_EXECVE = 59;

/** Why a policy or state does not compile. */
export interface CompileError {
  readonly message: string;
  /** 1-based line of the policy text, when one line is to blame. */
  readonly line?: number;
  /** The system call number whose entry is to blame. */
  readonly nr?: number;
}

/** A compiled program and the facts of its layout. */
export interface Compiled {
  readonly program: Program;
  readonly abi: Abi;
  /** Numbers the kernel's constant-action cache allows without running the program (seccomp_is_const_allow). */
  readonly cacheable: readonly number[];
}

/** A run of numbers [lo, hi) whose code is the node `ref`. */
interface Segment {
  readonly lo: number;
  readonly hi: number;
  readonly ref: Ref;
}

const SPACE = 0x1_0000_0000;

// A balanced search over segments inside [lo, hi); numbers in no segment are killed.
function tree(g: Graph, segs: readonly Segment[], lo: number, hi: number, kill: Ref): Ref {
  if (segs.length === 0) return kill;
  if (segs.length === 1) {
    const s = segs[0]!;
    if (s.lo === lo && s.hi === hi) return s.ref;
    if (s.lo === lo) return g.jmp('jge', s.hi, kill, s.ref);
    if (s.hi === hi) return g.jmp('jge', s.lo, s.ref, kill);
    if (s.hi === s.lo + 1) return g.jmp('jeq', s.lo, s.ref, kill);
    return g.jmp('jge', s.lo, g.jmp('jge', s.hi, kill, s.ref), kill);
  }
  const mid = segs.length >> 1;
  const at = segs[mid]!.lo;
  return g.jmp('jge', at, tree(g, segs.slice(mid), at, hi, kill), tree(g, segs.slice(0, mid), lo, at, kill));
}

// Adjacent numbers with the same code become one segment.
function segments(entries: readonly (readonly [number, Ref])[]): readonly Segment[] {
  const out: Segment[] = [];
  for (const [nr, ref] of entries) {
    const last = out[out.length - 1];
    if (last !== undefined && last.hi === nr && last.ref === ref) out[out.length - 1] = { ...last, hi: nr + 1 };
    else out.push({ lo: nr, hi: nr + 1, ref });
  }
  return out;
}

/** The DAG of a filter map for `abi`, and its root. */
function build(
  filters: ReadonlyMap<number, ActiveFilter>,
  opts: CompileOptions,
  faults?: Faults,
): { readonly g: Graph; readonly root: Ref } {
  const g = new Graph();
  const fold = opts.fold ?? true;
  const kill = g.ret(actionValue(opts.kill ?? { kind: 'kill-process' }));
  const allow = g.ret(actionValue(opts.allow ?? { kind: 'allow' }));
  const nrSyscalls = syscallTable(opts.abi).nrSyscalls;
  const execve = opts.allowExecve === true;
  // B14 on x86_64 the loader's execve is one more entry `1`; on ia32 it is a native call, checked before the arch kills it.
  const withExecve: ReadonlyMap<number, ActiveFilter> =
    execve && opts.abi === 'x86_64' ? new Map([...filters, [NATIVE_EXECVE, { kind: 'allow' }]]) : filters;
  // S6.4 only in-range numbers can have an entry; anything else is killed by the dispatch.
  const entries = [...withExecve]
    .filter(([nr]) => Number.isInteger(nr) && nr >= 0 && nr < nrSyscalls)
    .sort(([a], [b]) => a - b)
    .map(([nr, f]): readonly [number, Ref] => [
      nr,
      f.kind === 'allow'
        ? allow
        : compileExpr({ g, abi: opts.abi, nr, fold, ...(faults === undefined ? {} : { faults }) }, f.expr, allow, kill),
    ]);
  const dispatch =
    (opts.layout ?? 'tree') === 'tree'
      ? tree(g, segments(entries), 0, SPACE, kill)
      : g.jmp(
          'jge',
          nrSyscalls,
          kill,
          entries.reduceRight((rest, [nr, ref]) => g.jmp('jeq', nr, ref, rest), kill),
        );
  const native =
    execve && opts.abi === 'ia32'
      ? g.jmp('jeq', auditArch('x86_64'), g.ld(SECCOMP_DATA.nr, g.jmp('jeq', NATIVE_EXECVE, allow, kill)), kill)
      : kill;
  const root = g.ld(SECCOMP_DATA.arch, g.jmp('jeq', auditArch(opts.abi), g.ld(SECCOMP_DATA.nr, dispatch), native));
  return fold ? threadJumps(g, root) : { g, root };
}

const programOf = (filters: ReadonlyMap<number, ActiveFilter>, opts: CompileOptions, faults?: Faults): Program => {
  const { g, root } = build(filters, opts, faults);
  return assemble(g, root, faults?.offByOne === true);
};

// The first entry, in ascending nr, with which the program grows past BPF_MAXINSNS.
function culprit(filters: ReadonlyMap<number, ActiveFilter>, opts: CompileOptions): number {
  const sorted = [...filters].sort(([a], [b]) => a - b);
  let lo = 1;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (programOf(new Map(sorted.slice(0, mid)), opts).length > BPF_MAXINSNS) hi = mid;
    else lo = mid + 1;
  }
  return sorted[lo - 1]![0];
}

/** Compile a filter map; a program over BPF_MAXINSNS is an error naming the entry that made it too long. */
export function compileFilters(
  filters: ReadonlyMap<number, ActiveFilter>,
  opts: CompileOptions,
  faults?: Faults,
): E.Either<CompileError, Compiled> {
  const program = programOf(filters, opts, faults);
  if (program.length > BPF_MAXINSNS) {
    const nr = culprit(filters, opts);
    const name = syscallTable(opts.abi).byNr(nr)?.name ?? String(nr);
    return E.left({
      message: `the program would be ${program.length} instructions, more than BPF_MAXINSNS (${BPF_MAXINSNS}); the entry for ${name} (${nr}) makes it too long`,
      nr,
    });
  }
  const arch = auditArch(opts.abi);
  const n = syscallTable(opts.abi).nrSyscalls;
  const cacheable = Array.from({ length: n }, (_, i) => i).filter((nr) => constAllowed(program, arch, nr, n));
  return E.right({ program, abi: opts.abi, cacheable });
}

/**
 * Compile a model seccomp state (mode 2), e.g. after several merges. The
 * program is the filter of every call after a pending `on_next_syscall`
 * grant (BPF cannot count calls: the launcher installs it just before
 * execve, the call the grant was for).
 */
export function compileState(
  state: SeccompState,
  opts: CompileOptions,
  faults?: Faults,
): E.Either<CompileError, Compiled> {
  if (state.mode !== 2)
    return E.left({ message: `only filter mode (2) compiles to BPF; this state is in mode ${state.mode}` });
  if (state.abi !== opts.abi)
    return E.left({ message: `the state's filters are bound to ${state.abi ?? 'no ABI'}, not ${opts.abi} (S5.6)` });
  return compileFilters(state.filters, opts, faults);
}

/** Compile a policy text (S2.5) as PR_SET_SECCOMP 2 from mode 0 through `opts.abi` would install it. */
export function compilePolicy(text: string, opts: CompileOptions): E.Either<CompileError, Compiled> {
  const parsed = parsePolicy(text, opts.abi);
  if (!parsed.ok) {
    const e = parsed.errors[0]!;
    return E.left({ message: `line ${e.line}, column ${e.column + 1}: ${e.message}`, line: e.line });
  }
  const state = applyPolicy(INITIAL_STATE, text, opts.abi);
  if (E.isLeft(state)) {
    const errno = state.left;
    const why =
      errno === 7
        ? 'a merged filter is over 255 characters or 32 terms (-E2BIG, S5.4)'
        : `the kernel would refuse it (errno ${errno})`;
    return E.left({ message: `the policy does not install: ${why}` });
  }
  return compileState(state.right, opts);
}
