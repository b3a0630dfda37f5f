/**
 * BPF figures for `npm run bench`: for each bundled policy and
 * its trace (examples/policies/NAME-allows.txt, examples/traces/NAME.strace),
 * the compiled program's length, the mean instructions the emulator
 * executes over the trace's own checked calls, and the compile time; the
 * plain (unoptimised) twin beside it.
 */
import { readFileSync } from 'node:fs';
import {
  auditArch,
  compilePolicy,
  emulate,
  retAllows,
  type CompileOptions,
  type Compiled,
  type Program,
} from '../src/bpf/index.ts';
import { checkedCalls, parseTrace, type TraceCall } from '../src/trace/index.ts';

/** The figures of one bundled policy and trace. */
export interface BpfFigures {
  readonly name: string;
  readonly calls: number;
  readonly length: number;
  readonly insnsPerCall: number;
  readonly maxInsns: number;
  /** Mean instructions per call counting 0 for calls the kernel's constant-action cache allows without running the program. */
  readonly uncachedInsnsPerCall: number;
  readonly plainLength: number;
  readonly plainInsnsPerCall: number;
  readonly compileMs: number;
}

/** The bundled traces that have an -allows policy. */
export const BUNDLED = ['ls', 'node', 'python3', 'true'] as const;

const examples = new URL('../examples/', import.meta.url);

function compiled(policy: string, opts: CompileOptions): Compiled {
  const r = compilePolicy(policy, opts);
  if (r._tag === 'Left') throw new Error(`bench policy does not compile: ${r.left.message}`);
  return r.right;
}

// Mean and most instructions executed over the calls; every call must be allowed (the -allows policy).
function perCall(
  p: Program,
  calls: readonly TraceCall[],
  cacheable: ReadonlySet<number> = new Set(),
): { readonly mean: number; readonly max: number; readonly uncached: number } {
  let total = 0;
  let max = 0;
  let uncached = 0;
  for (const c of calls) {
    const run = emulate(p, {
      nr: c.nr,
      arch: auditArch(c.abi),
      instructionPointer: c.ip ?? 0n,
      args: [...c.args, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6),
    });
    if (!retAllows(run.ret))
      throw new Error(`bench: call ${c.name} at line ${c.line} is not allowed by its own policy`);
    total += run.executed;
    max = Math.max(max, run.executed);
    if (!(c.abi === 'x86_64' && cacheable.has(c.nr))) uncached += run.executed;
  }
  return { mean: total / calls.length, max, uncached: uncached / calls.length };
}

/** Measure one bundled policy and trace. */
export function measureOne(name: string): BpfFigures {
  const policy = readFileSync(new URL(`policies/${name}-allows.txt`, examples), 'latin1');
  const parsed = parseTrace(readFileSync(new URL(`traces/${name}.strace`, examples), 'latin1'), {
    abi: 'x86_64',
    lenient: false,
  });
  if (!parsed.ok)
    throw new Error(`bench trace ${name} does not parse: line ${parsed.error.line}: ${parsed.error.message}`);
  const calls = checkedCalls(parsed.trace);
  let compileMs = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    compiled(policy, { abi: 'x86_64' });
    compileMs = Math.min(compileMs, performance.now() - t0);
  }
  const { program, cacheable } = compiled(policy, { abi: 'x86_64' });
  const plain = compiled(policy, { abi: 'x86_64', layout: 'plain', fold: false }).program;
  const opt = perCall(program, calls, new Set(cacheable));
  return {
    name,
    calls: calls.length,
    length: program.length,
    insnsPerCall: opt.mean,
    maxInsns: opt.max,
    uncachedInsnsPerCall: opt.uncached,
    plainLength: plain.length,
    plainInsnsPerCall: perCall(plain, calls).mean,
    compileMs,
  };
}

/** Every bundled policy and trace. */
export const measureBpf = (): readonly BpfFigures[] => BUNDLED.map(measureOne);
