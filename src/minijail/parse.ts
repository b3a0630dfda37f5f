/**
 * minijail policies read into the decision form (spec/17-minijail.md, M1
 * to M9): statements, values, actions, groups, directives with their
 * include chains, first match for repeated names, per ABI. Pure and
 * total: files come through a read function, errors are values.
 */
import { ALLOW, KILL_PROCESS, KILL_THREAD, type Action } from '../action/index.ts';
import { parseInteger } from '../grammar/index.ts';
import type { ArchRules, Cond, Origin, Rule, RuleSet } from '../ruleset/index.ts';
import { syscallTable } from '../x86/table.ts';
import type { UapiTable } from '../x86/uapi.ts';
import { locate, logicalLines } from './lines.ts';
import { actionOf, ARCH_NAMES, callNumber, exprCond, fail, MAX_ERRORS, type Ctx, type Place } from './meaning.ts';
import { expectedText, minijail, type FreqNode, type StatementNode } from './syntax.ts';
import { INCLUDE_DEPTH_LIMIT, type IncludeStep, type MinijailOptions, type MinijailResult } from './types.ts';
import { dirname, joinPath } from './path.ts';

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
