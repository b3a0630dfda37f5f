/**
 * The meaning of a statement's parts (spec/17-minijail.md, M2 to M4):
 * values at the ABI's word size with UAPI constants, argument
 * comparisons, actions and system call names, each reporting what it
 * refuses at its place in the file.
 */
import { ALLOW, KILL_PROCESS, KILL_THREAD, LOG, MAX_ERRNO, USER_NOTIF, type Action } from '../action/index.ts';
import { parseInteger } from '../grammar/index.ts';
import type { Cond, Origin, Rule } from '../ruleset/index.ts';
import { nearestNames, suggestNames, syscallTable, type Abi } from '../x86/table.ts';
import type { UapiTable } from '../x86/uapi.ts';
import { locate, type Logical } from './lines.ts';
import type { ActionNode, AtomNode, CallNode, VNode } from './syntax.ts';
import type { IncludeStep, MinijailError, MinijailWarning, ReadFile } from './types.ts';

export interface Ctx {
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
export interface Place {
  readonly file: string;
  readonly chain: readonly IncludeStep[];
  readonly logical: Logical;
}

export const MAX_ERRORS = 50;

export function fail(ctx: Ctx, p: Place, offset: number, message: string, suggestions?: readonly string[]): void {
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
export function valueOf(ctx: Ctx, p: Place, v: VNode): bigint | undefined {
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
export function atomCond(ctx: Ctx, p: Place, a: AtomNode): Cond | undefined {
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
export function exprCond(ctx: Ctx, p: Place, e: readonly (readonly AtomNode[])[]): Cond | undefined {
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
export function actionOf(ctx: Ctx, p: Place, a: ActionNode, isDefault: boolean): Action | undefined {
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
export const UNISTD: Readonly<Record<Abi, ReadonlyMap<string, number>>> = {
  x86_64: unistdNames('x86_64'),
  ia32: unistdNames('ia32'),
};

/** M1 a call's number: a unistd name of the ABI (the kernel's table, then its UAPI `__NR_` list) or a number. */
export function callNumber(ctx: Ctx, p: Place, c: CallNode): number | undefined {
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

export const ARCH_NAMES: Readonly<Record<Abi, readonly string[]>> = {
  x86_64: ['x86_64', 'amd64'],
  ia32: ['i386', 'x86', 'ia32'],
};
