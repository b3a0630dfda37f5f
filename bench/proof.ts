/**
 * Proof figures for `npm run bench` (spec/19-proofs.md): `verify` of the
 * compiled program of a 300-entry generated policy (tree and plain
 * layouts), and `diff` of that policy against a copy with 30 entries
 * changed; `verify` of Docker's default profile (this project's program,
 * and libseccomp's where Debian's python3-seccomp is installed) and `diff`
 * of Docker's against Podman's; z3's time and the term building's time
 * apart. Target: under 10 s each.
 */
import * as E from 'fp-ts/lib/Either.js';
import { readFileSync } from 'node:fs';
import { compilePolicy, compileRules, type CompileOptions, type Program } from '../src/bpf/index.ts';
import { DOCKER_DEFAULT_CAPS, readOci, type OciPolicy } from '../src/oci/index.ts';
import { diff, modelOracle, openSession, ruleSetOfPolicy, verify, type ProofStats } from '../src/proof/index.ts';
import { syscallTable } from '../src/x86/index.ts';

/** One proof's figures. */
export interface ProofFigures {
  readonly name: string;
  readonly wallMs: number;
  readonly stats: ProofStats;
  readonly verdict: string;
}

// A small deterministic generator (xorshift32), so every run proves the same policy.
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** A policy of `n` distinct x86_64 calls, each with a filter on its own arguments (or `1`). */
export function generatedPolicy(n: number, seed: number): string {
  const next = rng(seed);
  const calls = [...syscallTable('x86_64').calls].sort((a, b) => a.nr - b.nr).slice(0, n);
  return calls
    .map((c) => {
      const names = c.args.map((a) => a.name);
      const f = (): string => {
        const a = names[next() % names.length]!;
        const v =
          next() % 5 === 0
            ? `0x${(next() % 0xffffffff).toString(16)}${(next() % 16).toString(16)}`
            : String(next() % 64);
        return [`${a} == ${v}`, `${a} <= ${v}`, `${a} != ${v}`, `!(${a} & ${next() % 16})`, `${a} > ${v}`][next() % 5]!;
      };
      if (names.length === 0 || next() % 4 === 0) return `${c.name}: 1`;
      const k = 1 + (next() % 3);
      return `${c.name}: ${Array.from({ length: k }, f).join(next() % 2 === 0 ? ' && ' : ' || ')}`;
    })
    .join('\n');
}

/** Change `count` entries of a policy's lines (each to `1`, or a new filter), deterministically. */
function changed(text: string, count: number, seed: number): string {
  const next = rng(seed);
  const lines = text.split('\n');
  for (let i = 0; i < count; i++) {
    const at = next() % lines.length;
    const name = lines[at]!.split(':')[0]!;
    lines[at] = `${name}: 1`;
  }
  return lines.join('\n');
}

// A bundled profile as docker run reads it on kernel 6.1, with docker run's caps.
function profile(name: string): OciPolicy {
  const text = readFileSync(new URL(`../data/profiles/${name}-default.json`, import.meta.url), 'utf8');
  const r = readOci(text, { docker: { arch: 'amd64', caps: DOCKER_DEFAULT_CAPS, kernel: [6, 1] } });
  if (E.isLeft(r)) throw new Error(`data/profiles/${name}-default.json does not read`);
  return r.right;
}

// libseccomp's program for a profile (test/support/libseccomp.ts), or why there is none.
async function libseccompProgram(p: OciPolicy): Promise<Program | string> {
  const { libseccomp, oracleRules } = await import('../test/support/libseccomp.ts');
  const r = libseccomp(oracleRules(p.rules), p.ruleSet.arches.x86_64!.otherwise, p.arches);
  return typeof r === 'string' ? r : r.program;
}

/** Run the proofs and time them. */
export async function measureProofs(): Promise<ProofFigures[]> {
  const text = generatedPolicy(300, 2217);
  const pol = ruleSetOfPolicy(text, 'x86_64');
  if ('errno' in pol) throw new Error(`the generated policy does not install: errno ${pol.errno}`);
  const out: ProofFigures[] = [];
  const s = await openSession();
  if (s instanceof Error) throw s;
  try {
    const layouts: readonly (readonly [string, Partial<CompileOptions>])[] = [
      ['verify 300-entry policy, tree program', {}],
      ['verify 300-entry policy, plain program', { layout: 'plain', fold: false }],
    ];
    for (const [name, opts] of layouts) {
      const c = compilePolicy(text, { abi: 'x86_64', ...opts });
      if (E.isLeft(c)) throw new Error(c.left.message);
      const t0 = performance.now();
      const r = await verify(s, c.right.program, pol.ruleSet, { oracle: modelOracle(pol) });
      out.push({
        name: `${name} (${c.right.program.length} insns)`,
        wallMs: performance.now() - t0,
        stats: r.stats,
        verdict: r.kind,
      });
    }
    const other = ruleSetOfPolicy(changed(text, 30, 7), 'x86_64');
    if ('errno' in other) throw new Error('the changed policy does not install');
    const t0 = performance.now();
    const d = await diff(s, pol.ruleSet, other.ruleSet);
    out.push({
      name: 'diff 300-entry policy against 30 entries changed',
      wallMs: performance.now() - t0,
      stats: d.stats,
      verdict: d.kind === 'done' ? `${d.differences.length} differences` : d.kind,
    });
    const docker = profile('docker');
    const podman = profile('podman');
    const mine = compileRules(docker.ruleSet);
    if (E.isLeft(mine)) throw new Error(mine.left.message);
    const lib = await libseccompProgram(docker);
    for (const [who, p] of [
      ["this project's program", mine.right.program],
      ["libseccomp's program", lib],
    ] as const) {
      if (typeof p === 'string') {
        console.error(`bench: no libseccomp program for Docker's profile (${p}); its row is left out`);
        continue;
      }
      const t1 = performance.now();
      const r = await verify(s, p, docker.ruleSet);
      out.push({
        name: `verify Docker default profile, ${who} (${p.length} insns)`,
        wallMs: performance.now() - t1,
        stats: r.stats,
        verdict: r.kind,
      });
    }
    const t2 = performance.now();
    const dp = await diff(s, docker.ruleSet, podman.ruleSet);
    out.push({
      name: 'diff Docker default profile against Podman default',
      wallMs: performance.now() - t2,
      stats: dp.stats,
      verdict: dp.kind === 'done' ? `${dp.differences.length} differences` : dp.kind,
    });
  } finally {
    s.close();
  }
  return out;
}
