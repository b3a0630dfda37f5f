/**
 * O11 a RuleSet written as an OCI profile that runc and libseccomp 2.5
 * compile to the same decisions, or the parts OCI cannot express
 * (spec/18-oci.md). The profile is read back as runc and libseccomp read
 * it (readOci) and compared with the RuleSet on every number with rules,
 * with each compared value, its neighbours and upper halves set.
 */
import * as E from 'fp-ts/lib/Either.js';
import { formatAction, type Action } from '../action/index.ts';
import { decideRules, type CmpOp, type Cond, type Rule, type RuleArch, type RuleSet } from '../ruleset/index.ts';
import { DOCKER_DEFAULT_CAPS } from './docker.ts';
import { readOci } from './read.ts';
import { nameOn, type SeccompArch } from './arches.ts';

/** Something of a RuleSet OCI cannot express, or a note on what the profile changes. */
export interface ExportProblem {
  readonly message: string;
}

/** The profile text, and notes on what it answers differently where nothing else can be written. */
export interface Exported {
  readonly text: string;
  readonly notes: readonly string[];
}

interface OciArg {
  readonly index: number;
  readonly value: bigint;
  readonly valueTwo?: bigint;
  readonly op: string;
}

const OP: Readonly<Record<CmpOp, string>> = {
  '==': 'SCMP_CMP_EQ',
  '!=': 'SCMP_CMP_NE',
  '<': 'SCMP_CMP_LT',
  '<=': 'SCMP_CMP_LE',
  '>': 'SCMP_CMP_GT',
  '>=': 'SCMP_CMP_GE',
};
const NEG: Readonly<Record<CmpOp, CmpOp>> = { '==': '!=', '!=': '==', '<': '>=', '<=': '>', '>': '<=', '>=': '<' };
const U64 = (1n << 64n) - 1n;
/** Past this many rules for one rule's condition, the condition is refused. */
const MAX_SPLIT = 64;

/** The OCI action fields of `a`, or why there are none. */
function ociAction(a: Action, errnoField: 'errnoRet' | 'defaultErrnoRet'): Record<string, unknown> | string {
  switch (a.kind) {
    case 'allow':
      return { action: 'SCMP_ACT_ALLOW' };
    case 'log':
      return { action: 'SCMP_ACT_LOG' };
    case 'errno':
      return { action: 'SCMP_ACT_ERRNO', [errnoField]: a.errno };
    case 'kill':
    case 'kill-process':
      return { action: 'SCMP_ACT_KILL_PROCESS' };
    case 'kill-thread':
      return { action: 'SCMP_ACT_KILL_THREAD' };
    case 'trap':
      return a.data === 0 ? { action: 'SCMP_ACT_TRAP' } : `trap:${a.data}: OCI's SCMP_ACT_TRAP has no data`;
    case 'trace':
      return errnoField === 'errnoRet'
        ? { action: 'SCMP_ACT_TRACE', errnoRet: a.data }
        : `trace as the default: OCI has no defaultErrnoRet for SCMP_ACT_TRACE`;
    case 'user-notif':
      return 'user-notif: SCMP_ACT_NOTIFY needs a listener the profile cannot name';
  }
}

/** The condition with negations pushed to the comparisons, as OR of ANDs of comparisons (true: []). */
function dnf(c: Cond, neg: boolean): (readonly OciArg[])[] | string {
  switch (c.kind) {
    case 'true':
      return neg ? [] : [[]];
    case 'false':
      return neg ? [[]] : [];
    case 'cmp':
      return [[{ index: c.arg, value: c.value, op: OP[neg ? NEG[c.op] : c.op] }]];
    case 'masked':
      if (neg)
        return `not ((a${c.arg} & 0x${c.mask.toString(16)}) == 0x${c.value.toString(16)}): OCI has no negated mask test`;
      // (arg & mask) == value never holds when value has a bit outside mask; libseccomp masks valueTwo.
      return (c.value & ~c.mask & U64) !== 0n
        ? []
        : [[{ index: c.arg, value: c.mask, valueTwo: c.value, op: 'SCMP_CMP_MASKED_EQ' }]];
    case 'not':
      return dnf(c.of, !neg);
    case 'and':
    case 'or': {
      const conj = (c.kind === 'and') !== neg;
      const parts: (readonly OciArg[])[][] = [];
      for (const x of c.of) {
        const d = dnf(x, neg);
        if (typeof d === 'string') return d;
        parts.push(d);
      }
      if (!conj) return parts.flat();
      let acc: (readonly OciArg[])[] = [[]];
      for (const p of parts) {
        acc = acc.flatMap((a) => p.map((b) => [...a, ...b]));
        if (acc.length > MAX_SPLIT) return `more than ${MAX_SPLIT} rules once its || are split`;
      }
      return acc;
    }
  }
}

/** runc splits a rule that compares one index twice into one rule per comparison (an OR): refuse it unless repeated. */
function oneIndexOnce(args: readonly OciArg[]): readonly OciArg[] | string {
  const seen = new Map<number, OciArg>();
  const out: OciArg[] = [];
  for (const a of args) {
    const s = seen.get(a.index);
    if (s === undefined) {
      seen.set(a.index, a);
      out.push(a);
    } else if (s.op !== a.op || s.value !== a.value || s.valueTwo !== a.valueTwo)
      return `compares a${a.index} twice in one conjunction: runc splits such a rule into one rule per comparison, an OR`;
  }
  return out;
}

const sameAction = (a: Action, b: Action): boolean =>
  formatAction(a.kind === 'kill' ? { kind: 'kill-process' } : a) ===
  formatAction(b.kind === 'kill' ? { kind: 'kill-process' } : b);

const ARCHES: readonly [RuleArch, SeccompArch, string][] = [
  ['x86_64', 'x86_64', 'SCMP_ARCH_X86_64'],
  ['ia32', 'x86', 'SCMP_ARCH_X86'],
  ['x32', 'x32', 'SCMP_ARCH_X32'],
];

/** Values worth probing, per argument: each value and mask compared on it, neighbours, upper halves set. */
function probeValues(rules: readonly Rule[]): Map<number, bigint[]> {
  const base = new Map<number, Set<bigint>>();
  const add = (arg: number, v: bigint): void => {
    const s = base.get(arg) ?? new Set<bigint>([0n, 1n, U64, 0xffffffffn, 1n << 32n]);
    s.add(v);
    base.set(arg, s);
  };
  const walk = (c: Cond): void => {
    if (c.kind === 'cmp') add(c.arg, c.value);
    else if (c.kind === 'masked') {
      add(c.arg, c.value);
      add(c.arg, c.value ^ (c.mask & -c.mask));
      add(c.arg, c.value | (~c.mask & U64));
    } else if (c.kind === 'and' || c.kind === 'or') c.of.forEach(walk);
    else if (c.kind === 'not') walk(c.of);
  };
  rules.forEach((r) => walk(r.when));
  const out = new Map<number, bigint[]>();
  for (const [arg, vs] of base) {
    const o = new Set<bigint>();
    for (const v of vs)
      for (const w of [v, v + 1n, v - 1n]) {
        const x = BigInt.asUintN(64, w);
        o.add(x);
        o.add(x | (0xffffffffn << 32n));
        o.add(x ^ (1n << 32n));
      }
    out.set(arg, [...o]);
  }
  return out;
}

/** Argument tuples: every combination of the compared arguments' values, or, past `limit`, each argument alone and each pair. */
function tuples(values: Map<number, bigint[]>, limit = 20000): bigint[][] {
  const zero = (): bigint[] => [0n, 0n, 0n, 0n, 0n, 0n];
  const args = [...values.keys()];
  const size = args.reduce((n, a) => n * values.get(a)!.length, 1);
  if (size <= limit) {
    let acc: bigint[][] = [zero()];
    for (const a of args) acc = acc.flatMap((t) => values.get(a)!.map((v) => t.map((x, j) => (j === a ? v : x))));
    return acc;
  }
  const out: bigint[][] = [zero()];
  for (const a of args) for (const v of values.get(a)!) out.push(zero().map((x, j) => (j === a ? v : x)));
  for (const a of args)
    for (const b of args)
      if (a < b)
        for (const v of values.get(a)!)
          for (const w of values.get(b)!) out.push(zero().map((x, j) => (j === a ? v : j === b ? w : x)));
  return out;
}

const showCall = (arch: RuleArch, nr: number, args: readonly bigint[]): string =>
  `${arch} ${nr} (${args.map((a) => `0x${a.toString(16)}`).join(', ')})`;

/**
 * O11 write `rs` as an OCI profile for x86_64 and the x86 architectures it
 * lists; or every part OCI cannot express. The profile is read back as
 * runc and libseccomp read it and must decide every probed call as `rs`
 * does (the 2011 kill counts as kill-process); where it does not (e.g. a
 * first-match order libseccomp's ordering of a call's rules does not keep,
 * a rule libseccomp also applies through socketcall or ipc, a 64-bit value
 * compared on x86's 32 bits), the call is named.
 */
export function toOci(rs: RuleSet): E.Either<readonly ExportProblem[], Exported> {
  const problems: ExportProblem[] = [];
  const notes: string[] = [];
  const native = rs.arches.x86_64;
  if (native === undefined)
    return E.left([{ message: 'an OCI profile always has x86_64 (libseccomp adds the native architecture)' }]);
  const def = ociAction(native.otherwise, 'defaultErrnoRet');
  if (typeof def === 'string') problems.push({ message: `the default action ${def}` });
  for (const [ra] of ARCHES) {
    const ar = rs.arches[ra];
    if (ar !== undefined && !sameAction(ar.otherwise, native.otherwise))
      problems.push({
        message: `${ra} answers ${formatAction(ar.otherwise)} where no rule holds, x86_64 ${formatAction(native.otherwise)}: a profile has one defaultAction`,
      });
  }
  if (!['kill', 'kill-process', 'kill-thread'].includes(rs.otherArch.kind))
    problems.push({
      message: `calls of other architectures get ${formatAction(rs.otherArch)}: runc leaves libseccomp's bad-architecture action, kill-thread`,
    });
  else if (rs.otherArch.kind !== 'kill-thread')
    notes.push(
      `calls of architectures the profile does not list get kill-thread (runc's bad-architecture action), not ${formatAction(rs.otherArch)}`,
    );
  // One rule list per name: the first architecture (x86_64, ia32, x32) that has rules for it.
  const byName = new Map<string, { arch: RuleArch; rules: readonly Rule[] }>();
  for (const [ra, sa] of ARCHES) {
    const ar = rs.arches[ra];
    if (ar === undefined) continue;
    for (const [nr, rules] of ar.calls) {
      const name = nameOn(sa, nr);
      if (name === undefined) {
        problems.push({ message: `${ra} number ${nr} has no name a profile can use` });
        continue;
      }
      if (!byName.has(name)) byName.set(name, { arch: ra, rules });
    }
  }
  const syscalls: Record<string, unknown>[] = [];
  for (const [name, { rules }] of [...byName].sort(([a], [b]) => a.localeCompare(b)))
    for (const r of rules) {
      const act = ociAction(r.action, 'errnoRet');
      const where = r.origin.text.includes(name) ? r.origin.text : `${name}: ${r.origin.text}`;
      if (typeof act === 'string') {
        problems.push({ message: `${where}: ${act}` });
        continue;
      }
      const d = dnf(r.when, false);
      if (typeof d === 'string') {
        problems.push({ message: `${where}: ${d}` });
        continue;
      }
      for (const conj of d) {
        const args = oneIndexOnce(conj);
        if (typeof args === 'string') {
          problems.push({ message: `${where}: ${args}` });
          break;
        }
        syscalls.push({
          names: [name],
          ...act,
          ...(args.length > 0
            ? {
                args: args.map((a) => ({
                  index: a.index,
                  value: a.value,
                  ...(a.valueTwo !== undefined ? { valueTwo: a.valueTwo } : {}),
                  op: a.op,
                })),
              }
            : {}),
        });
      }
    }
  if (rs.arches.x32 === undefined && !sameAction(native.otherwise, rs.otherArch))
    notes.push(
      `x86_64 number -1 (0xffffffff) gets the default action in libseccomp's program (spec/18-oci.md, O5), not ${formatAction(rs.otherArch)}`,
    );
  if (problems.length > 0) return E.left(problems);
  const profile = {
    defaultAction: (def as Record<string, unknown>)['action'],
    ...((def as Record<string, unknown>)['defaultErrnoRet'] !== undefined
      ? { defaultErrnoRet: (def as Record<string, unknown>)['defaultErrnoRet'] }
      : {}),
    architectures: ARCHES.filter(([ra]) => rs.arches[ra] !== undefined).map(([, , n]) => n),
    syscalls,
  };
  const text = `${JSON.stringify(profile, (_, v: unknown) => (typeof v === 'bigint' ? `@@${v}@@` : v), 2).replace(/"@@(\d+)@@"/g, '$1')}\n`;
  const back = readOci(text, { docker: { arch: 'amd64', caps: DOCKER_DEFAULT_CAPS, kernel: [6, 1] } });
  if (E.isLeft(back))
    return E.left(
      back.left.map((e) => ({ message: `libseccomp would not take the profile: ${e.path}: ${e.message}` })),
    );
  const differ = firstDifference(rs, back.right.ruleSet);
  if (differ !== undefined) return E.left([{ message: differ }]);
  return E.right({ text, notes });
}

/** The first probed call `rs` and `back` answer differently, described; undefined when none. */
function firstDifference(rs: RuleSet, back: RuleSet): string | undefined {
  for (const [ra] of ARCHES) {
    const a = rs.arches[ra];
    const b = back.arches[ra];
    // An architecture the policy does not list: its calls get otherArch, and the profile's kill-thread (noted).
    if (a === undefined) continue;
    const abi = ra === 'ia32' ? 'ia32' : 'x86_64';
    const nrs = new Set([...(a?.calls.keys() ?? []), ...(b?.calls.keys() ?? [])]);
    // A number without rules in either, for the default.
    nrs.add(ra === 'x32' ? 0x40000000 + 1023 : 1023);
    for (const nr of nrs) {
      const rules = [...(a?.calls.get(nr) ?? []), ...(b?.calls.get(nr) ?? [])];
      const values = probeValues(rules);
      for (const t of tuples(values)) {
        const args = abi === 'ia32' ? t.map((v) => v & 0xffffffffn) : t;
        const x = decideRules(rs, abi, nr, args);
        const y = decideRules(back, abi, nr, args);
        if (!sameAction(x.action, y.action))
          return (
            `libseccomp's program for the profile would answer ${formatAction(y.action)} to ${showCall(ra, nr, args)}` +
            ` where the policy answers ${formatAction(x.action)}` +
            (x.rule !== undefined ? ` (${x.rule.origin.text})` : '') +
            (y.rule !== undefined ? `; the profile's ${y.rule.origin.text} answers` : '') +
            ': libseccomp orders, rewrites or adds rules of a call (spec/18-oci.md, O4, O5), and this policy depends on what it changes'
          );
      }
    }
  }
  return undefined;
}
