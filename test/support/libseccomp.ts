/**
 * Debian's libseccomp 2.5.4 as an oracle (python3-seccomp through
 * scripts/libseccomp-oracle.py, in a child process with a timeout:
 * seccomp_rule_add can loop forever on some rule pairs), and the
 * comparison of its program, run on this project's BPF emulator, with the
 * decisions of a RuleSet (decideRules).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { actionRet, type Action } from '../../src/action/index.ts';
import { AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, decodeRaw, emulate, type Program } from '../../src/bpf/index.ts';
import { decideRules, type Cond, type RuleSet } from '../../src/ruleset/index.ts';
import { numberOn, type LibRule, type SeccompArch } from '../../src/oci/index.ts';
import { syscallTable } from '../../src/x86/index.ts';

const SCRIPT = fileURLToPath(new URL('../../scripts/libseccomp-oracle.py', import.meta.url));
/** Debian's python3-seccomp is built for Debian's python3, not for another python3 on PATH. */
export const PYTHON = '/usr/bin/python3';

/** What libseccomp made of a filter. */
export interface Oracle {
  readonly program: Program;
  /** Names seccomp_syscall_resolve_name did not know. */
  readonly unknown: readonly string[];
  /** Rules (by position in the request) that seccomp_rule_add refused. */
  readonly refused: readonly number[];
}

/** One rule of a request: name, 32-bit action value, comparisons [index, op without SCMP_CMP_, value, valueTwo]. */
export interface OracleRule {
  readonly name: string;
  readonly action: number;
  readonly args: readonly (readonly [number, string, string, string])[];
}

/** The request for runc's rules, as runc hands them to libseccomp. */
export const oracleRules = (rules: readonly LibRule[]): OracleRule[] =>
  rules.map((r) => ({
    name: r.name,
    action: actionRet(r.action),
    args: r.args.map(
      (a) => [a.index, a.op.slice('SCMP_CMP_'.length), a.value.toString(), a.valueTwo.toString()] as const,
    ),
  }));

/**
 * libseccomp's program for `rules` with `defaultAction` on x86_64 plus
 * `arches`, at optimisation `level`; a string when libseccomp did not
 * answer within `timeoutMs` or failed.
 */
export function libseccomp(
  rules: readonly OracleRule[],
  defaultAction: Action,
  arches: readonly SeccompArch[],
  level: 1 | 2 = 1,
  timeoutMs = 20000,
): Oracle | string {
  const req = JSON.stringify({ default: actionRet(defaultAction), arches, optimize: level, rules });
  const r = spawnSync(PYTHON, [SCRIPT], { input: req, timeout: timeoutMs, encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0)
    return r.signal === 'SIGTERM' ? 'timeout' : `libseccomp failed: ${r.error?.message ?? r.stderr}`;
  const out = JSON.parse(r.stdout) as { bpf: string; unknown: string[]; refused: { rule: number }[] };
  const p = decodeRaw(Uint8Array.from(Buffer.from(out.bpf, 'hex')));
  if (p._tag === 'Left') return p.left;
  return { program: p.right, unknown: out.unknown, refused: out.refused.map((x) => x.rule) };
}

const U64 = (1n << 64n) - 1n;

function condValues(c: Cond, out: Set<bigint>): void {
  switch (c.kind) {
    case 'cmp':
      out.add(c.value);
      break;
    case 'masked':
      out.add(c.value);
      out.add(c.value ^ (c.mask & -c.mask));
      out.add(c.value | (~c.mask & U64));
      break;
    case 'and':
    case 'or':
      c.of.forEach((x) => condValues(x, out));
      break;
    case 'not':
      condValues(c.of, out);
  }
}

/** Argument values worth trying for a rule set's conditions: each value, its neighbours, with upper halves set. */
export function probeValues(rs: RuleSet, extra: readonly bigint[] = []): bigint[] {
  const base = new Set<bigint>([0n, 1n, U64, 0xffffffffn, 1n << 32n, ...extra]);
  for (const ar of Object.values(rs.arches))
    for (const rules of ar!.calls.values()) for (const r of rules) condValues(r.when, base);
  const out = new Set<bigint>();
  for (const v of base)
    for (const w of [v, v + 1n, v - 1n]) {
      const x = BigInt.asUintN(64, w);
      out.add(x);
      out.add(x | (0xffffffffn << 32n));
      out.add(x ^ (1n << 32n));
    }
  return [...out];
}

/** One call: ABI, number, arguments. */
export interface Call {
  readonly abi: 'x86_64' | 'ia32';
  readonly nr: number;
  readonly args: readonly bigint[];
}

/** A call on which the two disagree, with both 32-bit answers. */
export interface Disagreement {
  readonly call: Call;
  readonly libseccomp: number;
  readonly ruleSet: number;
}

/** Every number worth trying: each table's numbers and a margin, x32 numbers, and the edges. */
export function probeNumbers(abi: 'x86_64' | 'ia32'): number[] {
  const n = syscallTable(abi).nrSyscalls + 16;
  const out = Array.from({ length: n }, (_, i) => i);
  out.push(-1, 0x7fffffff, -0x80000000, 0x3fffffff);
  if (abi === 'x86_64') for (let i = 0; i < 560; i++) out.push(0x40000000 + i);
  return out;
}

/**
 * Compare libseccomp's `program` with `rs` on every number of both ABIs;
 * on the numbers that have rules (or are named in `names`), every tuple
 * of probe values on the arguments the rules compare (one argument at a
 * time, the others 0, then all set to each value). Returns the first
 * disagreements (at most `max`).
 */
export function compare(program: Program, rs: RuleSet, max = 5, names: readonly string[] = []): Disagreement[] {
  return compareWith(program, rs, (abi, nr, args) => actionRet(decideRules(rs, abi, nr, args).action), max, names);
}

/**
 * Compare libseccomp's `program` with this project's program `mine` (e.g.
 * compileRules of `rs`) on the calls `compare` probes for `rs`, both on the
 * emulator. The disagreement's `ruleSet` is `mine`'s answer.
 */
export function comparePrograms(
  program: Program,
  mine: Program,
  rs: RuleSet,
  max = 5,
  names: readonly string[] = [],
): Disagreement[] {
  return compareWith(
    program,
    rs,
    (abi, nr, args) =>
      emulate(mine, { nr, arch: abi === 'x86_64' ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_I386, instructionPointer: 0n, args })
        .ret,
    max,
    names,
  );
}

/** Every call `compare` probes for `rs`, in order. */
export function probeCalls(rs: RuleSet, names: readonly string[] = []): Call[] {
  const out: Call[] = [];
  forEachCall(rs, names, (c) => {
    out.push(c);
    return false;
  });
  return out;
}

function compareWith(
  program: Program,
  rs: RuleSet,
  decide: (abi: 'x86_64' | 'ia32', nr: number, args: readonly bigint[]) => number,
  max: number,
  names: readonly string[],
): Disagreement[] {
  const out: Disagreement[] = [];
  forEachCall(rs, names, ({ abi, nr, args }) => {
    const arch = abi === 'x86_64' ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_I386;
    const mine = decide(abi, nr, args);
    const theirs = emulate(program, { nr, arch, instructionPointer: 0n, args }).ret;
    if (mine === theirs) return false;
    out.push({ call: { abi, nr, args }, libseccomp: theirs, ruleSet: mine });
    return out.length >= max ? 'stop' : true;
  });
  return out;
}

/** Visit the probed calls; `visit` answers true to skip the rest of the number, 'stop' to end. */
function forEachCall(rs: RuleSet, names: readonly string[], visit: (c: Call) => boolean | 'stop'): void {
  const values = probeValues(rs);
  for (const abi of ['x86_64', 'ia32'] as const) {
    const named = new Set(
      names.flatMap((nm) => [
        numberOn(abi === 'x86_64' ? 'x86_64' : 'x86', nm),
        abi === 'x86_64' ? numberOn('x32', nm) : undefined,
      ]),
    );
    for (const nr of probeNumbers(abi)) {
      const ar = rs.arches[abi === 'x86_64' && nr >>> 0 >= 0x40000000 ? 'x32' : abi];
      const conditioned = named.has(nr) || (ar?.calls.get(nr) ?? []).some((r) => r.when.kind !== 'true');
      const tuples: bigint[][] = [[0n, 0n, 0n, 0n, 0n, 0n]];
      if (conditioned)
        for (const v of values) {
          for (let i = 0; i < 6; i++) tuples.push([0n, 0n, 0n, 0n, 0n, 0n].map((z, j) => (j === i ? v : z)));
          tuples.push([v, v, v, v, v, v]);
        }
      for (const t of tuples) {
        const args = abi === 'ia32' ? t.map((v) => v & 0xffffffffn) : t;
        const v = visit({ abi, nr, args });
        if (v === 'stop') return;
        if (v) break;
      }
    }
  }
}
