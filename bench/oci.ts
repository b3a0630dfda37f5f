/**
 * OCI figures for `npm run bench`: Docker's bundled default profile (default
 * capabilities, kernel 6.1, amd64) compiled by this project (compileRules of
 * readOci's RuleSet) beside Debian's libseccomp 2.5.4 at optimisation level
 * 2 (the binary tree runc asks for): program length for x86_64 alone and
 * for x86_64 + x86 + x32; instructions the emulator executes per call on
 * every number of every architecture (all arguments 0), as the ratio of
 * this project's count to libseccomp's (worst, mean, and how many numbers
 * exceed 1); how many unconditionally allowed numbers the kernel's
 * constant-action cache decides; and the compile time.
 */
import { readFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import {
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  compileRules,
  constAllowed,
  emulate,
  type Program,
} from '../src/bpf/index.ts';
import { DOCKER_DEFAULT_CAPS, readOci, type OciOptions, type OciPolicy } from '../src/oci/index.ts';
import type { RuleSet } from '../src/ruleset/index.ts';
import { syscallTable } from '../src/x86/index.ts';
import { libseccomp, oracleRules, probeNumbers } from '../test/support/libseccomp.ts';

/** The figures of one profile. */
export interface OciFigures {
  readonly name: string;
  /** Program lengths: this project's and libseccomp level 2's, x86_64 alone and all three. */
  readonly length: { readonly x86_64: readonly [number, number]; readonly all: readonly [number, number] };
  /** Per number of every arch: this project's instructions over libseccomp's. */
  readonly ratio: { readonly worst: number; readonly mean: number; readonly over1: number; readonly numbers: number };
  /** Mean instructions per number: this project's and libseccomp's. */
  readonly meanInsns: readonly [number, number];
  /** The worst number: arch, number, this project's and libseccomp's counts. */
  readonly worstAt: string;
  /** Unconditionally allowed numbers (x86_64 and ia32 tables), and of them those the cache decides, for each program. */
  readonly cache: { readonly allowed: number; readonly mine: number; readonly libseccomp: number };
  /** Milliseconds: reading and compiling, best of 5. */
  readonly compileMs: number;
  /** Whether the two programs returned the same on every number measured. */
  readonly agree: boolean;
}

const O: OciOptions = { docker: { arch: 'amd64', caps: DOCKER_DEFAULT_CAPS, kernel: [6, 1] } };

function read(text: string, unknownNames: readonly string[] = []): OciPolicy {
  const r = readOci(text, { ...O, unknownNames });
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
}

function compile(rs: RuleSet): Program {
  const c = compileRules(rs);
  if (E.isLeft(c)) throw new Error(c.left.message);
  return c.right.program;
}

/** The rule set with x86_64 alone (x86 and x32 calls then get otherArch, as in libseccomp's program). */
const nativeOnly = (rs: RuleSet): RuleSet => ({ ...rs, arches: { x86_64: rs.arches.x86_64! } });

/** Numbers whose first rule always holds and allows, per cache table. */
function unconditional(rs: RuleSet): { abi: 'x86_64' | 'ia32'; nr: number }[] {
  const out: { abi: 'x86_64' | 'ia32'; nr: number }[] = [];
  for (const abi of ['x86_64', 'ia32'] as const) {
    const ar = rs.arches[abi];
    if (ar === undefined) continue;
    for (const [nr, rules] of ar.calls)
      if (nr < syscallTable(abi).nrSyscalls && rules[0]?.when.kind === 'true' && rules[0].action.kind === 'allow')
        out.push({ abi, nr });
  }
  return out;
}

/** Measure one profile text. */
export function measureProfile(name: string, text: string): OciFigures {
  const first = read(text);
  const def = first.ruleSet.arches.x86_64!.otherwise;
  const lib = libseccomp(oracleRules(first.rules), def, first.arches, 2, 60000);
  const libNative = libseccomp(oracleRules(first.rules), def, [], 2, 60000);
  if (typeof lib === 'string' || typeof libNative === 'string')
    throw new Error(`libseccomp: ${String(lib)} ${String(libNative)}`);
  const p = read(text, lib.unknown);
  const mine = compile(p.ruleSet);
  const mineNative = compile(nativeOnly(p.ruleSet));
  let compileMs = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    compile(read(text, lib.unknown).ruleSet);
    compileMs = Math.min(compileMs, performance.now() - t0);
  }
  let worst = 0;
  let worstAt = '';
  let sum = 0;
  let over1 = 0;
  let n = 0;
  let insMine = 0;
  let insLib = 0;
  let agree = true;
  for (const abi of ['x86_64', 'ia32'] as const) {
    const arch = abi === 'x86_64' ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_I386;
    for (const nr of probeNumbers(abi)) {
      const d = { nr, arch, instructionPointer: 0n, args: [0n, 0n, 0n, 0n, 0n, 0n] };
      const a = emulate(mine, d);
      const b = emulate(lib.program, d);
      if (a.ret !== b.ret) agree = false;
      const r = a.executed / b.executed;
      sum += r;
      n++;
      insMine += a.executed;
      insLib += b.executed;
      if (r > 1) over1++;
      if (r > worst) {
        worst = r;
        const x32 = abi === 'x86_64' && nr >>> 0 >= 0x40000000 && nr !== -1;
        worstAt = `${x32 ? 'x32' : abi} ${x32 ? `0x${(nr >>> 0).toString(16)}` : nr}: ${a.executed} vs ${b.executed}`;
      }
    }
  }
  const allowed = unconditional(p.ruleSet);
  const cached = (prog: Program): number =>
    allowed.filter(({ abi, nr }) =>
      constAllowed(prog, abi === 'x86_64' ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_I386, nr, syscallTable(abi).nrSyscalls),
    ).length;
  return {
    name,
    length: { x86_64: [mineNative.length, libNative.program.length], all: [mine.length, lib.program.length] },
    ratio: { worst, mean: sum / n, over1, numbers: n },
    meanInsns: [insMine / n, insLib / n],
    worstAt,
    cache: { allowed: allowed.length, mine: cached(mine), libseccomp: cached(lib.program) },
    compileMs,
    agree,
  };
}

/** The bundled Docker and Podman default profiles. */
export function measureOci(): OciFigures[] {
  const dir = new URL('../data/profiles/', import.meta.url);
  return [
    measureProfile('Docker default', readFileSync(new URL('docker-default.json', dir), 'utf8')),
    measureProfile('Podman default', readFileSync(new URL('podman-default.json', dir), 'utf8')),
  ];
}

/** Table rows for bench/index.ts. */
export function ociRows(figs: readonly OciFigures[]): (readonly [string, string, string])[] {
  const pct = (a: number, b: number): string => `${a} vs ${b} (${((100 * a) / b).toFixed(0)}%)`;
  return figs.flatMap((f) => [
    [`${f.name}: program length, x86_64`, pct(...f.length.x86_64), 'this project vs libseccomp level 2; target <= 30%'],
    [`${f.name}: program length, x86_64+x86+x32`, pct(...f.length.all), 'target <= 30%'],
    [
      `${f.name}: insns per call, ratio to libseccomp`,
      `worst ${f.ratio.worst.toFixed(2)}, mean ${f.ratio.mean.toFixed(2)}`,
      `${f.ratio.over1} of ${f.ratio.numbers} numbers over 1 (worst ${f.worstAt}); means ${f.meanInsns[0].toFixed(1)} vs ${f.meanInsns[1].toFixed(1)}; target <= 1 everywhere`,
    ],
    [
      `${f.name}: unconditional allows the cache decides`,
      `${f.cache.mine} of ${f.cache.allowed}`,
      `libseccomp level 2: ${f.cache.libseccomp} of ${f.cache.allowed}`,
    ],
    [
      `${f.name}: read + compile`,
      `${f.compileMs.toFixed(1)} ms`,
      f.agree ? 'both programs return the same on every number' : 'THE PROGRAMS DISAGREE',
    ],
  ]);
}
