/**
 * minijail policies read into the decision form (spec/17-minijail.md, M1
 * to M9): statements, values, actions, groups, directives with their
 * include chains, first match for repeated names, per ABI. Pure and
 * total: files come through a read function, errors are values.
 */
import * as ohm from 'ohm-js';
import { ALLOW, KILL_PROCESS, KILL_THREAD, LOG, MAX_ERRNO, USER_NOTIF, type Action } from '../action/index.ts';
import { GRAMMAR_NAMESPACE, parseInteger } from '../grammar/index.ts';
import type { ArchRules, Cond, Origin, Rule, RuleSet } from '../ruleset/index.ts';
import { nearestNames, suggestNames, syscallTable, type Abi } from '../x86/table.ts';
import type { UapiTable } from '../x86/uapi.ts';
import { MINIJAIL_GRAMMAR_SOURCE } from './grammar.ts';
import { dirname, joinPath } from './path.ts';

// MinijailFrequency extends MinijailStatement, so one grammar and one semantics serve both start rules.
// Compiled on first use: a command that reads no minijail policy (check of a 2011 one) does not pay for it at start.
let compiled: { readonly grammar: ohm.Grammar; readonly semantics: ohm.Semantics } | null = null;
function minijail(): { readonly grammar: ohm.Grammar; readonly semantics: ohm.Semantics } {
  if (compiled === null) {
    const grammar = ohm.grammars(MINIJAIL_GRAMMAR_SOURCE, GRAMMAR_NAMESPACE)['MinijailFrequency']!;
    compiled = { grammar, semantics: addSyntax(grammar) };
  }
  return compiled;
}

/** M5 how deep `@include` nests: minijail's default `--include-depth-limit`. */
export const INCLUDE_DEPTH_LIMIT = 10;

/** Reads a file of a policy's include tree: its text, an Error, or undefined when there is none. */
export type ReadFile = (path: string) => string | Error | undefined;

/** One `@include` line on the way to a file, outermost first. */
export interface IncludeStep {
  readonly file: string;
  readonly line: number;
}

/** An error in a minijail policy: where (file, 1-based line, 0-based column), what, and how the file was reached. */
export interface MinijailError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  /** The offending physical line, for the caret. */
  readonly source: string;
  /** Nearest known names, for an unknown call or constant. */
  readonly suggestions?: readonly string[];
  /** The `@include` lines that led to `file` (empty for the main file). */
  readonly chain: readonly IncludeStep[];
}

/** Something a minijail policy does that its author may not expect (the policy still reads). */
export interface MinijailWarning {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** How a minijail policy is read. */
export interface MinijailOptions {
  /** The ABI whose names, constants and word size apply (default x86_64). */
  readonly abi?: Abi;
  /** The main file's name, as errors show it and includes resolve against (default `-`, the current folder). */
  readonly file?: string;
  /** Reads included and frequency files; without it `@include` and `@frequency` are errors. */
  readonly readFile?: ReadFile;
  /** M7 what `kill`, the default default and a foreign architecture get (compile_seccomp_policy.py: kill-thread; --use-kill-process). */
  readonly kill?: 'kill-thread' | 'kill-process';
  /** M8 read as a denylist even without an `@denylist` line (minijail's --denylist). */
  readonly denylist?: boolean;
  /** M5 the include depth limit (default INCLUDE_DEPTH_LIMIT). */
  readonly includeDepthLimit?: number;
}

/** A minijail policy read for one ABI. */
export interface MinijailPolicy {
  readonly abi: Abi;
  /** The decision form: first match per call, the default for the rest (M6, M7). */
  readonly ruleSet: RuleSet;
  /** The action when no rule of a listed architecture holds. */
  readonly defaultAction: Action;
  /** Whether the policy is a denylist (M8). */
  readonly denylist: boolean;
  /** M4 the summed counts of the `@frequency` files, by call number (empty without one). */
  readonly frequencies: ReadonlyMap<number, number>;
  /** Every file read, main first. */
  readonly files: readonly string[];
  readonly warnings: readonly MinijailWarning[];
}

/** The outcome of reading a minijail policy. */
export type MinijailResult =
  | { readonly ok: true; readonly policy: MinijailPolicy }
  | { readonly ok: false; readonly errors: readonly MinijailError[] };

// ---------------------------------------------------------------- lines

/** A piece of a statement's text: where it starts in the joined text and where it came from. */
interface Segment {
  readonly at: number;
  readonly line: number;
  readonly column: number;
  readonly source: string;
}

/** One statement: physical lines joined by `\` continuations, comments cut. */
interface Logical {
  readonly text: string;
  readonly segments: readonly Segment[];
}

const DIRECTIVE_WITH_PATH = /^\s*@(?:include|frequency)\b/;

/**
 * M1 the statements of a text: `#` starts a comment (except inside the
 * path of an `@include` or `@frequency`, where it must follow a space to
 * start one); a line ending in `\` continues on the next; blank results
 * are dropped.
 */
export function logicalLines(text: string): Logical[] {
  const out: Logical[] = [];
  let parts: string[] = [];
  let segments: Segment[] = [];
  let length = 0;
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const source = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const continued = source.endsWith('\\');
    let body = continued ? source.slice(0, -1) : source;
    const pathLine = DIRECTIVE_WITH_PATH.test(parts.length === 0 ? body : parts.join(' ') + body);
    const hash = pathLine ? body.search(/(?:^|\s)#/) : body.indexOf('#');
    if (hash >= 0) body = body.slice(0, hash);
    if (parts.length > 0) length += 1;
    segments.push({ at: length, line: i + 1, column: 0, source });
    parts.push(body);
    length += body.length;
    if (!continued || i === lines.length - 1) {
      const joined = parts.join(' ');
      if (joined.trim() !== '') out.push({ text: joined, segments });
      parts = [];
      segments = [];
      length = 0;
    }
  });
  return out;
}

/** The physical line and column of offset `at` of a statement. */
function locate(l: Logical, at: number): { line: number; column: number; source: string } {
  let seg = l.segments[0]!;
  for (const s of l.segments) if (s.at <= at) seg = s;
  return { line: seg.line, column: Math.min(seg.column + at - seg.at, seg.source.length), source: seg.source };
}

// ---------------------------------------------------------------- syntax

type VNode =
  | { readonly k: 'num' | 'name'; readonly text: string; readonly at: number }
  | { readonly k: 'not'; readonly of: VNode; readonly at: number }
  | { readonly k: 'or'; readonly of: readonly VNode[]; readonly at: number };

interface AtomNode {
  readonly arg: string;
  readonly at: number;
  readonly op: string;
  readonly value: VNode;
}

type ActionNode =
  | { readonly k: 'return'; readonly value: VNode; readonly at: number }
  | { readonly k: 'named'; readonly name: string; readonly at: number }
  | { readonly k: 'number'; readonly text: string; readonly at: number };

interface FilterNode {
  readonly expr?: readonly (readonly AtomNode[])[];
  readonly action?: ActionNode;
  readonly at: number;
}

interface CallNode {
  readonly name: string;
  readonly at: number;
  readonly arches?: readonly string[];
}

type StatementNode =
  | { readonly k: 'include' | 'frequency'; readonly path: string; readonly at: number }
  | { readonly k: 'default'; readonly action: ActionNode; readonly at: number }
  | { readonly k: 'denylist'; readonly at: number }
  | { readonly k: 'filter'; readonly calls: readonly CallNode[]; readonly filters: readonly FilterNode[] };

type FreqNode = { readonly calls: readonly CallNode[]; readonly count: string; readonly countAt: number };

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
function expectedText(m: ohm.FailedMatchResult): string {
  const text = m.getExpectedText();
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

// ---------------------------------------------------------------- reading

interface Ctx {
  readonly abi: Abi;
  readonly bits: 32 | 64;
  readonly uapi: UapiTable;
  readonly read: ReadFile | undefined;
  readonly kill: Action;
  readonly depthLimit: number;
  readonly errors: MinijailError[];
  readonly warnings: MinijailWarning[];
  readonly files: string[];
  readonly frequencies: Map<number, number>;
  readonly calls: Map<
    number,
    {
      rules: Rule[];
      defs: { file: string; line: number; column: number; source: string; chain: readonly IncludeStep[] }[];
    }
  >;
  defaultAction: Action | undefined;
  defaultOrigin: Origin | undefined;
  denylist: boolean;
  readonly stack: string[];
  /** Files already warned about `EXPR; return E` (MJ2). */
  readonly warnedReturn: Set<string>;
}

/** Where an error is: the file, the chain that led there, and a statement offset. */
interface Place {
  readonly file: string;
  readonly chain: readonly IncludeStep[];
  readonly logical: Logical;
}

const MAX_ERRORS = 50;

function fail(ctx: Ctx, p: Place, offset: number, message: string, suggestions?: readonly string[]): void {
  if (ctx.errors.length >= MAX_ERRORS) return;
  const loc = locate(p.logical, offset);
  ctx.errors.push({
    file: p.file,
    ...loc,
    message,
    chain: p.chain,
    ...(suggestions !== undefined && suggestions.length > 0 ? { suggestions } : {}),
  });
}

/** M2 a value at the ABI's word size, or undefined after reporting why not. */
function valueOf(ctx: Ctx, p: Place, v: VNode): bigint | undefined {
  const mask = (1n << BigInt(ctx.bits)) - 1n;
  const minSigned = -(1n << BigInt(ctx.bits - 1));
  const inWord = (x: bigint, offset: number, what: string): bigint | undefined => {
    if (x > mask) {
      fail(ctx, p, offset, `${what} is past the ${ctx.bits}-bit word of ${ctx.abi} (unsigned overflow)`);
      return undefined;
    }
    if (x < minSigned) {
      fail(ctx, p, offset, `${what} is below the ${ctx.bits}-bit word of ${ctx.abi} (signed underflow)`);
      return undefined;
    }
    return x & mask;
  };
  switch (v.k) {
    case 'num': {
      const neg = v.text.startsWith('-');
      const mag = parseInteger(neg ? v.text.slice(1) : v.text, false);
      if (mag === undefined) {
        fail(ctx, p, v.at, `invalid number '${v.text}': decimal, 0x-hex or 0-octal, at most 64 bits`);
        return undefined;
      }
      return inWord(neg ? -mag : mag, v.at, `'${v.text}'`);
    }
    case 'name': {
      const c = ctx.uapi.constant(v.text);
      if (c === undefined) {
        fail(
          ctx,
          p,
          v.at,
          `unknown constant '${v.text}' for ${ctx.abi}`,
          nearestNames(ctx.uapi.constantNames, v.text, 3),
        );
        return undefined;
      }
      return inWord(c, v.at, `'${v.text}' (${c})`);
    }
    case 'not': {
      const x = valueOf(ctx, p, v.of);
      return x === undefined ? undefined : ~x & mask;
    }
    case 'or': {
      let acc = 0n;
      for (const part of v.of) {
        const x = valueOf(ctx, p, part);
        if (x === undefined) return undefined;
        acc |= x;
      }
      return acc;
    }
  }
}

/** M2 an atom as a condition on the arguments. */
function atomCond(ctx: Ctx, p: Place, a: AtomNode): Cond | undefined {
  const index = Number(a.arg.slice(3));
  if (!/^arg[0-5]$/.test(a.arg)) {
    fail(ctx, p, a.at, `invalid argument '${a.arg}': a system call has six, arg0 to arg5`);
    return undefined;
  }
  const v = valueOf(ctx, p, a.value);
  if (v === undefined) return undefined;
  const mask = (1n << BigInt(ctx.bits)) - 1n;
  switch (a.op) {
    case '&':
      return { kind: 'not', of: { kind: 'masked', arg: index, mask: v, value: 0n } };
    case 'in':
      return { kind: 'masked', arg: index, mask: ~v & mask, value: 0n };
    default:
      return { kind: 'cmp', arg: index, op: a.op as '==' | '!=' | '<' | '<=' | '>' | '>=', value: v };
  }
}

/** M2 an argument expression: `||` of `&&` of atoms. */
function exprCond(ctx: Ctx, p: Place, e: readonly (readonly AtomNode[])[]): Cond | undefined {
  const clauses: Cond[] = [];
  for (const clause of e) {
    const atoms: Cond[] = [];
    for (const a of clause) {
      const c = atomCond(ctx, p, a);
      if (c === undefined) return undefined;
      atoms.push(c);
    }
    clauses.push(atoms.length === 1 ? atoms[0]! : { kind: 'and', of: atoms });
  }
  return clauses.length === 1 ? clauses[0]! : { kind: 'or', of: clauses };
}

/** M3 an action, as a filter's (`isDefault` false) or `@default`'s. */
function actionOf(ctx: Ctx, p: Place, a: ActionNode, isDefault: boolean): Action | undefined {
  if (a.k === 'return') {
    if (isDefault) {
      fail(ctx, p, a.at, 'invalid default action: @default takes kill-process, kill-thread, kill, trap or user-notify');
      return undefined;
    }
    const v = valueOf(ctx, p, a.value);
    if (v === undefined) return undefined;
    if (v > BigInt(MAX_ERRNO)) {
      fail(ctx, p, a.value.at, `invalid errno ${v}: 'return' takes 0 to ${MAX_ERRNO} (MAX_ERRNO) or an E* name`);
      return undefined;
    }
    return { kind: 'errno', errno: Number(v) };
  }
  if (a.k === 'number') {
    const v = parseInteger(a.text, true);
    if (v !== 1n || isDefault) {
      fail(
        ctx,
        p,
        a.at,
        isDefault
          ? 'invalid default action: @default takes kill-process, kill-thread, kill, trap or user-notify'
          : `invalid action '${a.text}': a filter is 1 or allow, an argument expression, or an action (kill, kill-process, kill-thread, trap, trace, log, user-notify, return ERRNO)`,
      );
      return undefined;
    }
    return ALLOW;
  }
  const named: Readonly<Record<string, Action>> = {
    allow: ALLOW,
    kill: ctx.kill,
    'kill-process': KILL_PROCESS,
    'kill-thread': KILL_THREAD,
    trap: { kind: 'trap', data: 0 },
    trace: { kind: 'trace', data: 0 },
    log: LOG,
    'user-notify': USER_NOTIF,
  };
  if (isDefault && (a.name === 'allow' || a.name === 'log' || a.name === 'trace')) {
    fail(
      ctx,
      p,
      a.at,
      `invalid permissive default action '${a.name}': @default takes kill-process, kill-thread, kill, trap or user-notify`,
    );
    return undefined;
  }
  return named[a.name]!;
}

const unistdNames = (abi: Abi): ReadonlyMap<string, number> => {
  const m = new Map<string, number>();
  for (const c of syscallTable(abi).calls) if (!m.has(c.name)) m.set(c.name, c.nr);
  return m;
};
const UNISTD: Readonly<Record<Abi, ReadonlyMap<string, number>>> = {
  x86_64: unistdNames('x86_64'),
  ia32: unistdNames('ia32'),
};

/** M1 a call's number: a unistd name of the ABI (the kernel's table, then its UAPI `__NR_` list) or a number. */
function callNumber(ctx: Ctx, p: Place, c: CallNode): number | undefined {
  const known = UNISTD[ctx.abi].get(c.name);
  if (known !== undefined) return known;
  const ni = ctx.uapi.syscall(c.name);
  if (ni !== undefined) {
    ctx.warnings.push({
      file: p.file,
      line: locate(p.logical, c.at).line,
      message: `'${c.name}' (number ${ni}) has no implementation on ${ctx.abi} (sys_ni_syscall): no program can make it succeed, whatever the policy says (it returns ENOSYS)`,
    });
    return ni;
  }
  if (/^[0-9]/.test(c.name)) {
    const n = parseInteger(c.name, false);
    if (n !== undefined && n < 0x40000000n) return Number(n);
  }
  if (c.name.includes('@')) {
    fail(ctx, p, c.at, `'${c.name}': syscall groups (NAME@NAMESPACE) are not supported; list the calls`);
    return undefined;
  }
  const near = [
    ...new Set([
      ...suggestNames(ctx.abi, c.name, 3).map((n) => (n.startsWith('sys_') ? n.slice(4) : n)),
      ...nearestNames(ctx.uapi.syscallNames, c.name, 2),
    ]),
  ].slice(0, 3);
  fail(ctx, p, c.at, `unknown system call '${c.name}' for ${ctx.abi}`, near);
  return undefined;
}

const ARCH_NAMES: Readonly<Record<Abi, readonly string[]>> = {
  x86_64: ['x86_64', 'amd64'],
  ia32: ['i386', 'x86', 'ia32'],
};

/** Match one statement; report a syntax error and give undefined on failure. */
function syntax<T>(ctx: Ctx, p: Place, start: 'Statement' | 'Line'): T | undefined {
  const { grammar, semantics } = minijail();
  const m = grammar.match(p.logical.text, start);
  if (m.failed()) {
    const pos = m.getRightmostFailurePosition();
    const rest = p.logical.text.slice(pos).trimStart();
    const found = rest === '' ? 'end of line' : `'${rest.split(/\s+/)[0]!.slice(0, 24)}'`;
    let hint = '';
    if (rest.startsWith('~') && p.logical.text.slice(0, pos).trimEnd().endsWith('~'))
      hint = 'invalid double complement; ';
    else if (/^!/.test(rest)) hint = "minijail has no '!': negate the atoms (== to !=, & to in ~); ";
    fail(ctx, p, pos, `${hint}unexpected ${found}: expected ${expectedText(m)}`);
    return undefined;
  }
  return semantics(m)['ast']() as T;
}

function readFrequency(ctx: Ctx, p: Place, path: string, chain: readonly IncludeStep[]): void {
  const text = load(ctx, p, path);
  if (text === undefined) return;
  ctx.files.push(path);
  for (const logical of logicalLines(text)) {
    const q: Place = { file: path, chain, logical };
    const node = syntax<FreqNode>(ctx, q, 'Line');
    if (node === undefined) continue;
    const count = parseInteger(node.count, false);
    if (count === undefined || count > BigInt(Number.MAX_SAFE_INTEGER)) {
      fail(ctx, q, node.countAt, `invalid count '${node.count}': a non-negative integer`);
      continue;
    }
    for (const c of node.calls) {
      const nr = callNumber(ctx, q, c);
      if (nr !== undefined) ctx.frequencies.set(nr, (ctx.frequencies.get(nr) ?? 0) + Number(count));
    }
  }
}

/** The text of `path` for a directive at offset 0 of `p`, or undefined after reporting why not. */
function load(ctx: Ctx, p: Place, path: string): string | undefined {
  const pathAt = p.logical.text.search(/\S+\s*$/);
  if (ctx.read === undefined) {
    fail(ctx, p, pathAt, `cannot read ${path}: this reader was given no file access`);
    return undefined;
  }
  const text = ctx.read(path);
  if (text === undefined || text instanceof Error) {
    fail(ctx, p, pathAt, `cannot read ${path}${text instanceof Error ? `: ${text.message}` : ': no such file'}`);
    return undefined;
  }
  return text;
}

function readFile(ctx: Ctx, file: string, text: string, chain: readonly IncludeStep[]): void {
  ctx.files.push(file);
  ctx.stack.push(file);
  for (const logical of logicalLines(text)) {
    if (ctx.errors.length >= MAX_ERRORS) break;
    const p: Place = { file, chain, logical };
    const node = syntax<StatementNode>(ctx, p, 'Statement');
    if (node === undefined) continue;
    const line = locate(logical, 0).line;
    switch (node.k) {
      case 'include':
      case 'frequency': {
        const target = joinPath(dirname(file), node.path);
        const steps = [...chain, { file, line }];
        if (node.k === 'frequency') {
          readFrequency(ctx, p, target, steps);
          break;
        }
        if (ctx.stack.includes(target)) {
          fail(
            ctx,
            p,
            node.at,
            `@include cycle: ${[...ctx.stack.slice(ctx.stack.indexOf(target)), target].join(' -> ')}`,
          );
          break;
        }
        if (ctx.stack.length + 1 >= ctx.depthLimit) {
          fail(
            ctx,
            p,
            0,
            `@include nested too deep: ${ctx.stack.length} files deep, minijail's limit ${ctx.depthLimit} allows ${ctx.depthLimit - 2}`,
          );
          break;
        }
        const included = load(ctx, p, target);
        if (included !== undefined) readFile(ctx, target, included, steps);
        break;
      }
      case 'default': {
        const a = actionOf(ctx, p, node.action, true);
        if (a !== undefined) {
          ctx.defaultAction = a;
          ctx.defaultOrigin = { file, line, text: logical.text.trim() };
        }
        break;
      }
      case 'denylist':
        ctx.denylist = true;
        break;
      case 'filter':
        filterStatement(ctx, p, node, line);
        break;
    }
  }
  ctx.stack.pop();
}

function filterStatement(ctx: Ctx, p: Place, node: Extract<StatementNode, { k: 'filter' }>, line: number): void {
  const rules: { when: Cond; action: Action; at: number; explicit: boolean }[] = [];
  for (const f of node.filters) {
    const when: Cond | undefined = f.expr === undefined ? { kind: 'true' } : exprCond(ctx, p, f.expr);
    const action = f.action === undefined ? ALLOW : actionOf(ctx, p, f.action, false);
    if (when === undefined || action === undefined) return;
    rules.push({ when, action, at: f.at, explicit: f.action !== undefined });
    if (f.expr !== undefined && f.action !== undefined && action.kind === 'errno' && !ctx.warnedReturn.has(p.file)) {
      ctx.warnedReturn.add(p.file);
      ctx.warnings.push({
        file: p.file,
        line: locate(p.logical, f.at).line,
        message: `'EXPR; return ${action.errno}' returns the errno when EXPR holds (minijail's compile_seccomp_policy.py, read here); minijail0's run-time parser (syscall_filter.c) allows when EXPR holds and returns the errno otherwise (said once per file)`,
      });
    }
  }
  const text = p.logical.text.trim();
  for (const c of node.calls) {
    if (c.arches !== undefined && !c.arches.some((a) => ARCH_NAMES[ctx.abi].includes(a))) continue;
    const nr = callNumber(ctx, p, c);
    if (nr === undefined) continue;
    let entry = ctx.calls.get(nr);
    if (entry === undefined) {
      entry = { rules: [], defs: [] };
      ctx.calls.set(nr, entry);
    }
    for (const r of rules) {
      entry.rules.push({ when: r.when, action: r.action, origin: { file: p.file, line, text } });
      entry.defs.push({ file: p.file, ...locate(p.logical, r.at), chain: p.chain });
    }
  }
}

/**
 * M1 to M9 read a minijail policy `text` for one ABI, with `uapi` (that
 * ABI's table, x86/uapi.ts's loadUapi) naming its constants and the
 * calls the kernel numbers but no longer implements. Never throws.
 */
export function parseMinijail(text: string, uapi: UapiTable, opts: MinijailOptions = {}): MinijailResult {
  const abi = opts.abi ?? uapi.abi;
  const kill = opts.kill === 'kill-process' ? KILL_PROCESS : KILL_THREAD;
  const ctx: Ctx = {
    abi,
    bits: abi === 'x86_64' ? 64 : 32,
    uapi,
    read: opts.readFile,
    kill,
    depthLimit: opts.includeDepthLimit ?? INCLUDE_DEPTH_LIMIT,
    errors: [],
    warnings: [],
    files: [],
    frequencies: new Map(),
    calls: new Map(),
    defaultAction: undefined,
    defaultOrigin: undefined,
    denylist: opts.denylist === true,
    stack: [],
    warnedReturn: new Set(),
  };
  const file = opts.file ?? '-';
  readFile(ctx, file, text, []);
  // M6 first match; nothing may follow an unconditional rule of the same call (minijail refuses it).
  for (const [nr, entry] of ctx.calls) {
    const k = entry.rules.findIndex((r) => r.when.kind === 'true');
    if (k < 0 || k === entry.rules.length - 1) continue;
    const first = entry.defs[k]!;
    const next = entry.defs[k + 1]!;
    const name = syscallTable(abi).byNr(nr)?.name ?? String(nr);
    ctx.errors.push({
      ...next,
      message: `'${name}' (number ${nr}) already has an unconditional action (${first.file}:${first.line}:${first.column + 1}); minijail refuses a rule after it, which could never apply`,
    });
  }
  if (ctx.denylist) {
    for (const [, entry] of ctx.calls)
      entry.rules.forEach((r, i) => {
        if (r.action.kind !== 'errno' && !(r.action.kind === 'allow' && r.when.kind !== 'true')) {
          const d = entry.defs[i]!;
          if (ctx.errors.length < MAX_ERRORS)
            ctx.errors.push({
              ...d,
              message: 'invalid denylist policy: every rule of a denylist returns an errno (return ERRNO)',
            });
        }
      });
  }
  if (ctx.errors.length > 0) return { ok: false, errors: ctx.errors };
  for (const [nr, entry] of ctx.calls) {
    const last = entry.rules[entry.rules.length - 1]!;
    if (
      !ctx.denylist &&
      last.when.kind === 'true' &&
      last.action.kind === 'allow' &&
      entry.rules.some((r) => r.action.kind !== 'allow')
    )
      ctx.warnings.push({
        file: last.origin.file ?? file,
        line: last.origin.line ?? 0,
        message: `call ${nr}: its last rule allows unconditionally, and minijail's compile_seccomp_policy.py then compiles the call as a plain allow, dropping its earlier rules; read here in order, first match`,
      });
  }
  const EPERM = 1;
  const defaultAction = ctx.denylist ? ALLOW : (ctx.defaultAction ?? kill);
  const otherwiseOrigin: Origin = ctx.denylist
    ? { file, text: '@denylist' }
    : (ctx.defaultOrigin ?? { file, text: `no @default: ${kill.kind}` });
  const calls = new Map<number, readonly Rule[]>([...ctx.calls].map(([nr, e]) => [nr, Object.freeze(e.rules)]));
  const native: ArchRules = { calls, otherwise: defaultAction, otherwiseOrigin };
  // M7 x32 calls arrive with AUDIT_ARCH_X86_64: no number of the policy matches them, so the default answers.
  const arches =
    abi === 'x86_64'
      ? { x86_64: native, x32: { calls: new Map(), otherwise: defaultAction, otherwiseOrigin } }
      : { ia32: native };
  if (abi === 'x86_64' && (defaultAction.kind === 'allow' || defaultAction.kind === 'log'))
    ctx.warnings.push({
      file,
      line: 0,
      message: `x32 calls (number | 0x40000000) pass minijail's architecture check and get the default action, ${defaultAction.kind}`,
    });
  const ruleSet: RuleSet = { arches, otherArch: ctx.denylist ? { kind: 'errno', errno: EPERM } : kill };
  return {
    ok: true,
    policy: {
      abi,
      ruleSet,
      defaultAction,
      denylist: ctx.denylist,
      frequencies: ctx.frequencies,
      files: ctx.files,
      warnings: ctx.warnings,
    },
  };
}
