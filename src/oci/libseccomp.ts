/**
 * libseccomp's meaning of runc's rules on x86 (O4 to O6 of spec/18-oci.md),
 * as found by experiment with Debian's libseccomp 2.5.4 (spec/18-oci.md
 * lists the experiments; test/oci-oracle.test.ts repeats them):
 *
 * - per architecture: a name unknown there is ignored there; on x86 and
 *   x32 a comparison reads the argument's low 32 bits and the rule's
 *   values are truncated to 32 bits; on x86 the socket and SysV IPC calls
 *   are also added to socketcall(102) and ipc(117) with argument 0
 *   replaced by the subcall number; MASKED_EQ masks the value too;
 * - per system call: an unconditional rule answers every call (the first
 *   one added); the conditional rules form libseccomp's tree: comparisons
 *   sorted by argument, rules sharing a first comparison share a node,
 *   alternatives tried in libseccomp's order (higher argument first, then
 *   EQ/NE/MASKED_EQ before LT/LE before GT/GE, then by value), a rule that
 *   extends another rule's whole comparison list with that rule's action
 *   swallowed, one with a different action refused;
 * - calls of an architecture the filter does not list get the bad-arch
 *   action, KILL_THREAD (runc does not change it); with x86_64 and without
 *   x32, number 0xffffffff still counts as x86_64.
 *
 * The result is a RuleSet: each system call's rules in the order
 * libseccomp's program tries them, first match.
 */
import type { Action } from '../action/index.ts';
import type { ArchRules, Cond, Origin, Rule, RuleArch, RuleSet } from '../ruleset/index.ts';
import {
  BAD_ARCH,
  IPC_SUBCALLS,
  numberOn,
  RULE_ARCH,
  SOCKET_SUBCALLS,
  X86_IPC,
  X86_SOCKETCALL,
  type SeccompArch,
} from './arches.ts';
import type { ProfileArg } from './profile.ts';
import type { LibRule } from './runc.ts';

const LOW = 0xffffffffn;
const HIGH = LOW << 32n;

/** One comparison as libseccomp applies it on one architecture, after its rewriting. */
export interface ArchCmp {
  readonly arg: number;
  readonly op: ProfileArg['op'];
  /** The compared value (MASKED_EQ: valueTwo), truncated on 32-bit architectures. */
  readonly datum: bigint;
  /** MASKED_EQ's mask (the profile's value), truncated on 32-bit architectures; all ones otherwise. */
  readonly mask: bigint;
  readonly width: 32 | 64;
}

/**
 * libseccomp's rewriting of one comparison for an architecture of `width`
 * bits: values truncated to 32 bits on x86 and x32; MASKED_EQ compares
 * `(arg & mask) == (valueTwo & mask)` (libseccomp masks the value too); a
 * MASKED_EQ whose mask has no bit in the compared width is no comparison
 * at all (undefined), which is what the masked test says there anyway.
 */
export function archCmp(a: ProfileArg, width: 32 | 64): ArchCmp | undefined {
  const wmask = width === 32 ? LOW : HIGH | LOW;
  if (a.op === 'SCMP_CMP_MASKED_EQ') {
    const mask = a.value & wmask;
    if (mask === 0n) return undefined;
    return { arg: a.index, op: a.op, datum: a.valueTwo & mask, mask, width };
  }
  return { arg: a.index, op: a.op, datum: a.value & wmask, mask: wmask, width };
}

const OP_PRIORITY: Readonly<Record<ProfileArg['op'], number>> = {
  SCMP_CMP_MASKED_EQ: 3,
  SCMP_CMP_EQ: 3,
  SCMP_CMP_NE: 3,
  SCMP_CMP_LE: 2,
  SCMP_CMP_LT: 2,
  SCMP_CMP_GE: 1,
  SCMP_CMP_GT: 1,
};

/** Whether libseccomp compares a high word first (on 64-bit architectures, always: even a zero high mask gets its node). */
const hasHigh = (c: ArchCmp): boolean => c.width === 64;

/**
 * libseccomp's order of alternatives in its tree: true when `x` comes
 * after `n` (the tree keeps a level in descending order of argument, then
 * of operator priority, then of value, smaller values first for LT/LE).
 */
export function comesAfter(x: ArchCmp, n: ArchCmp): boolean {
  const argPrio = (c: ArchCmp): number => c.arg * 2 + (hasHigh(c) ? 1 : 0);
  if (argPrio(x) !== argPrio(n)) return argPrio(x) < argPrio(n);
  if (OP_PRIORITY[x.op] !== OP_PRIORITY[n.op]) return OP_PRIORITY[x.op] < OP_PRIORITY[n.op];
  return x.op === 'SCMP_CMP_LE' || x.op === 'SCMP_CMP_LT' ? x.datum > n.datum : x.datum < n.datum;
}

const sameCmp = (a: ArchCmp, b: ArchCmp): boolean =>
  a.arg === b.arg && a.op === b.op && a.datum === b.datum && a.mask === b.mask;

const sameAction = (a: Action, b: Action): boolean => JSON.stringify(a) === JSON.stringify(b);

/** A rule as added to one architecture's system call: its comparisons (sorted by argument), action and origin. */
interface Added {
  readonly cmps: readonly ArchCmp[];
  readonly action: Action;
  readonly origin: Origin;
  /** The profile rule this came from. */
  readonly rule: LibRule;
}

interface TreeNode {
  readonly cmp: ArchCmp;
  children: TreeNode[];
  leaf?: Added;
}

interface CallEntry {
  unconditional?: Added;
  roots: TreeNode[];
}

/** Why a rule does not act as written on one architecture's call. */
export interface Shadowed {
  readonly arch: SeccompArch;
  readonly nr: number;
  readonly rule: LibRule;
  /** The rule that answers in its place. */
  readonly by: LibRule;
}

type AddOutcome = { kind: 'added' } | { kind: 'shadowed'; by: Added } | { kind: 'refused'; by: Added };

const leaves = (n: TreeNode): Added[] => (n.leaf !== undefined ? [n.leaf] : n.children.flatMap(leaves));

/** Add `r` to `e` as libseccomp's tree does; with `dry`, only say what would happen. */
function addToCall(e: CallEntry, r: Added, dry: boolean): AddOutcome {
  if (r.cmps.length === 0) {
    if (e.unconditional !== undefined) return { kind: 'shadowed', by: e.unconditional };
    if (!dry) e.unconditional = r;
    return { kind: 'added' };
  }
  if (e.unconditional !== undefined) return { kind: 'shadowed', by: e.unconditional };
  let level = e.roots;
  for (let i = 0; i < r.cmps.length; i++) {
    const c = r.cmps[i]!;
    const last = i === r.cmps.length - 1;
    const x = level.find((n) => sameCmp(n.cmp, c));
    if (x === undefined) {
      if (dry) return { kind: 'added' };
      const chain = (j: number): TreeNode =>
        j === r.cmps.length - 1
          ? { cmp: r.cmps[j]!, children: [], leaf: r }
          : { cmp: r.cmps[j]!, children: [chain(j + 1)] };
      const node = chain(i);
      const at = level.findIndex((n) => comesAfter(n.cmp, c));
      if (at < 0) level.push(node);
      else level.splice(at, 0, node);
      return { kind: 'added' };
    }
    if (x.leaf !== undefined) {
      if (!last) return { kind: 'shadowed', by: x.leaf };
      return sameAction(x.leaf.action, r.action) ? { kind: 'shadowed', by: x.leaf } : { kind: 'refused', by: x.leaf };
    }
    if (last) {
      const other = leaves(x).find((l) => !sameAction(l.action, r.action));
      if (other !== undefined) return { kind: 'refused', by: other };
      if (!dry) {
        x.children = [];
        x.leaf = r;
      }
      return { kind: 'added' };
    }
    level = x.children;
  }
  return { kind: 'added' };
}

/** A rule libseccomp refuses (seccomp_rule_add fails with EEXIST), and the rule it conflicts with. */
export interface Refused {
  readonly rule: LibRule;
  readonly arch: SeccompArch;
  readonly conflictsWith: LibRule;
}

/** What libseccomp makes of runc's rules. */
export interface LibseccompResult {
  readonly ruleSet: RuleSet;
  /** Rules refused by libseccomp (runc would refuse the profile). */
  readonly refused: readonly Refused[];
  /** Rules that never answer on some architecture's call because another answers first. */
  readonly shadowed: readonly Shadowed[];
}

const U64 = HIGH | LOW;

/** `(arg & 0xffffffff) OP v` for a 64-bit register (x32): the comparison libseccomp makes there. */
export function lowWordCond(arg: number, op: ProfileArg['op'], v: bigint): Cond {
  const gt = (w: bigint): Cond => {
    // low > w: at some bit i where w has 0, the low word has 1 and agrees with w above i.
    const of: Cond[] = [];
    for (let i = 31n; i >= 0n; i--) {
      if (((w >> i) & 1n) === 1n) continue;
      const above = LOW & ~((1n << (i + 1n)) - 1n);
      of.push({ kind: 'masked', arg, mask: above | (1n << i), value: (w & above) | (1n << i) });
    }
    return of.length === 0 ? { kind: 'false' } : of.length === 1 ? of[0]! : { kind: 'or', of };
  };
  const ge = (w: bigint): Cond => (w === 0n ? { kind: 'true' } : gt(w - 1n));
  switch (op) {
    case 'SCMP_CMP_EQ':
      return { kind: 'masked', arg, mask: LOW, value: v };
    case 'SCMP_CMP_NE':
      return { kind: 'not', of: { kind: 'masked', arg, mask: LOW, value: v } };
    case 'SCMP_CMP_GT':
      return gt(v);
    case 'SCMP_CMP_GE':
      return ge(v);
    case 'SCMP_CMP_LT':
      return { kind: 'not', of: ge(v) };
    case 'SCMP_CMP_LE':
      return { kind: 'not', of: gt(v) };
    case 'SCMP_CMP_MASKED_EQ':
      return { kind: 'true' }; // not reached: MASKED_EQ is a masked condition at every width
  }
}

const CMP_OP = {
  SCMP_CMP_EQ: '==',
  SCMP_CMP_NE: '!=',
  SCMP_CMP_LT: '<',
  SCMP_CMP_LE: '<=',
  SCMP_CMP_GT: '>',
  SCMP_CMP_GE: '>=',
} as const;

/** The RuleSet condition of one comparison on `arch`, as libseccomp's program decides it. */
export function condOf(c: ArchCmp, arch: SeccompArch): Cond {
  if (c.op === 'SCMP_CMP_MASKED_EQ') return { kind: 'masked', arg: c.arg, mask: c.mask & U64, value: c.datum };
  // x32's registers are 64-bit and libseccomp compares their low word only; ia32's record has no high word.
  if (arch === 'x32') return lowWordCond(c.arg, c.op, c.datum);
  return { kind: 'cmp', arg: c.arg, op: CMP_OP[c.op], value: c.datum };
}

const andOf = (cs: readonly Cond[]): Cond =>
  cs.length === 0 ? { kind: 'true' } : cs.length === 1 ? cs[0]! : { kind: 'and', of: cs };

/** The rules (and the system call number) that one runc rule becomes on `arch`. */
export function perArch(r: LibRule, arch: SeccompArch): { nr: number; cmps: ArchCmp[]; note?: string }[] {
  const width = arch === 'x86_64' ? 64 : 32;
  const cmpsOf = (args: readonly ProfileArg[]): ArchCmp[] =>
    args
      .map((a) => archCmp(a, width))
      .filter((c): c is ArchCmp => c !== undefined)
      .sort((a, b) => a.arg - b.arg);
  const out: { nr: number; cmps: ArchCmp[]; note?: string }[] = [];
  if (arch === 'x86') {
    const sub = SOCKET_SUBCALLS.get(r.name) ?? IPC_SUBCALLS.get(r.name);
    if (sub !== undefined) {
      const via = SOCKET_SUBCALLS.has(r.name) ? 'socketcall' : 'ipc';
      const mux: ProfileArg = { index: 0, op: 'SCMP_CMP_EQ', value: BigInt(sub), valueTwo: 0n };
      out.push({
        nr: via === 'socketcall' ? X86_SOCKETCALL : X86_IPC,
        cmps: cmpsOf([mux, ...r.args.filter((a) => a.index !== 0)]),
        note: `through ${via}(${sub}) on x86`,
      });
    }
  }
  const nr = numberOn(arch, r.name);
  if (nr !== undefined) out.push({ nr, cmps: cmpsOf(r.args) });
  return out;
}

/**
 * O4-O6 the RuleSet of runc's rules as libseccomp 2.5 compiles them for
 * `arches` (x86_64 is always there: libseccomp starts from the native
 * architecture), with `defaultAction` for calls no rule answers.
 */
export function libseccompRuleSet(
  rules: readonly LibRule[],
  defaultAction: Action,
  defaultText: string,
  listed: readonly SeccompArch[],
): LibseccompResult {
  const arches: SeccompArch[] = ['x86_64', ...(['x86', 'x32'] as const).filter((a) => listed.includes(a))];
  const calls = new Map<SeccompArch, Map<number, CallEntry>>(arches.map((a) => [a, new Map()]));
  const refused: Refused[] = [];
  const shadowed: Shadowed[] = [];
  for (const r of rules) {
    const adds = arches.flatMap((arch) =>
      perArch(r, arch).map((p) => ({
        arch,
        nr: p.nr,
        added: {
          cmps: p.cmps,
          action: r.action,
          rule: r,
          origin: { index: r.index, text: `${r.text}${p.note !== undefined ? ` ${p.note}` : ''}` },
        } as Added,
      })),
    );
    const entryOf = (arch: SeccompArch, nr: number): CallEntry => {
      const m = calls.get(arch)!;
      let e = m.get(nr);
      if (e === undefined) m.set(nr, (e = { roots: [] }));
      return e;
    };
    // seccomp_rule_add is a transaction: refused on one architecture, the rule is added nowhere.
    const conflict = adds
      .map((a) => ({ a, o: addToCall(entryOf(a.arch, a.nr), a.added, true) }))
      .find(({ o }) => o.kind === 'refused');
    if (conflict !== undefined && conflict.o.kind === 'refused') {
      refused.push({ rule: r, arch: conflict.a.arch, conflictsWith: conflict.o.by.rule });
      continue;
    }
    for (const a of adds) {
      const o = addToCall(entryOf(a.arch, a.nr), a.added, false);
      if (o.kind === 'shadowed' && o.by.rule !== r) shadowed.push({ arch: a.arch, nr: a.nr, rule: r, by: o.by.rule });
    }
  }
  const otherwiseOrigin: Origin = { text: defaultText };
  const ruleSetArches: Partial<Record<RuleArch, ArchRules>> = {};
  for (const arch of arches) {
    const m = new Map<number, readonly Rule[]>();
    for (const [nr, e] of calls.get(arch)!) {
      const walk = (n: TreeNode): Added[] => (n.leaf !== undefined ? [n.leaf] : n.children.flatMap(walk));
      const list: Added[] = e.unconditional !== undefined ? [e.unconditional] : e.roots.flatMap(walk);
      if (list.length > 0)
        m.set(
          nr,
          list.map((a) => ({ when: andOf(a.cmps.map((c) => condOf(c, arch))), action: a.action, origin: a.origin })),
        );
    }
    ruleSetArches[RULE_ARCH[arch]] = { calls: m, otherwise: defaultAction, otherwiseOrigin };
  }
  if (!arches.includes('x32')) {
    // libseccomp's x86_64 program without x32 sends numbers >= 0x40000000 to the bad-arch action, except 0xffffffff.
    const minusOne: Rule = {
      when: { kind: 'true' },
      action: defaultAction,
      origin: { text: `${defaultText} (libseccomp counts number 0xffffffff as x86_64, not x32)` },
    };
    ruleSetArches.x32 = {
      calls: new Map([[-1, [minusOne]]]),
      otherwise: BAD_ARCH,
      otherwiseOrigin: { text: "x32 is not in the profile's architectures: libseccomp's bad-arch action" },
    };
  }
  return { ruleSet: { arches: ruleSetArches, otherArch: BAD_ARCH }, refused, shadowed };
}
