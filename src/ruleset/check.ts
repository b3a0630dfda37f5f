/**
 * A5 whether a rule set can be installed: every action a kind of A1 with
 * its data in range, every condition on arguments 0 to 5 with 64-bit
 * constants. A rule set built by hand (not read from a dialect) may break
 * these; an install refuses it with -EINVAL, as the kernel refuses a
 * program its checker rejects.
 */
import { MAX_DATA, MAX_ERRNO, type Action } from '../action/index.ts';
import type { ArchRules, Cond, RuleSet } from './ruleset.ts';

const OPS: ReadonlySet<string> = new Set(['==', '!=', '<', '<=', '>', '>=']);
const ARCHES: ReadonlySet<string> = new Set(['x86_64', 'ia32', 'x32']);
const U64_MAX = (1n << 64n) - 1n;

const inRange = (n: unknown, max: number): boolean => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= max;
const u64 = (v: unknown): boolean => typeof v === 'bigint' && v >= 0n && v <= U64_MAX;

/** What is wrong with action `a`, or undefined. */
export function actionProblem(a: Action): string | undefined {
  switch (a.kind) {
    case 'errno':
      return inRange(a.errno, MAX_ERRNO) ? undefined : `errno ${String(a.errno)} is outside 0..${MAX_ERRNO}`;
    case 'trap':
    case 'trace':
      return inRange(a.data, MAX_DATA) ? undefined : `${a.kind} data ${String(a.data)} is outside 0..${MAX_DATA}`;
    case 'kill':
    case 'kill-process':
    case 'kill-thread':
    case 'user-notif':
    case 'log':
    case 'allow':
      return undefined;
    default:
      return `unknown action kind '${String((a as { kind: unknown }).kind)}'`;
  }
}

/** What is wrong with condition `c`, or undefined. */
export function condProblem(c: Cond): string | undefined {
  switch (c.kind) {
    case 'true':
    case 'false':
      return undefined;
    case 'cmp':
      if (!inRange(c.arg, 5)) return `argument ${String(c.arg)} is outside 0..5`;
      if (!OPS.has(c.op)) return `unknown comparison '${String(c.op)}'`;
      return u64(c.value) ? undefined : `value ${String(c.value)} is not an unsigned 64-bit bigint`;
    case 'masked':
      if (!inRange(c.arg, 5)) return `argument ${String(c.arg)} is outside 0..5`;
      return u64(c.mask) && u64(c.value) ? undefined : 'mask and value must be unsigned 64-bit bigints';
    case 'and':
    case 'or':
      for (const x of c.of) {
        const p = condProblem(x);
        if (p !== undefined) return p;
      }
      return undefined;
    case 'not':
      return condProblem(c.of);
    default:
      return `unknown condition kind '${String((c as { kind: unknown }).kind)}'`;
  }
}

function archProblem(arch: string, rules: ArchRules): string | undefined {
  const other = actionProblem(rules.otherwise);
  if (other !== undefined) return `${arch} otherwise: ${other}`;
  for (const [nr, list] of rules.calls) {
    if (!Number.isInteger(nr) || nr < -0x8000_0000 || nr > 0x7fff_ffff)
      return `${arch}: call number ${nr} is not a signed 32-bit number`;
    for (const [i, r] of list.entries()) {
      const p = actionProblem(r.action) ?? condProblem(r.when);
      if (p !== undefined) return `${arch} call ${nr} rule ${i + 1} (${r.origin.text}): ${p}`;
    }
  }
  return undefined;
}

/** A5 what makes `rs` impossible to install, or undefined when it can be. */
export function ruleSetProblem(rs: RuleSet): string | undefined {
  const other = actionProblem(rs.otherArch);
  if (other !== undefined) return `otherArch: ${other}`;
  for (const [arch, rules] of Object.entries(rs.arches)) {
    if (!ARCHES.has(arch)) return `unknown architecture '${arch}'`;
    if (rules === undefined) continue;
    const p = archProblem(arch, rules);
    if (p !== undefined) return p;
  }
  return undefined;
}
