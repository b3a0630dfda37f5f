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
  compileRules,
  emulate,
  expectedInstructions,
  retAllows,
  type CompileOptions,
  type Compiled,
  type Program,
} from '../src/bpf/index.ts';
import { parseMinijail } from '../src/minijail/index.ts';
import { loadUapi } from '../src/x86/uapi.ts';
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
  /** B15 the search laid out by the trace's own counts of each call: mean instructions per call of the trace. */
  readonly weightedInsnsPerCall: number;
  readonly weightedMaxInsns: number;
  readonly compileMs: number;
}

/** B15 both layouts of a bundled minijail policy on its own frequency file: expected instructions per call. */
export interface FrequencyFigures {
  readonly policy: string;
  readonly frequencyFile: string;
  readonly balanced: number;
  readonly weighted: number;
  readonly balancedLength: number;
  readonly weightedLength: number;
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
  const counts: Record<'x86_64' | 'ia32', Map<number, number>> = { x86_64: new Map(), ia32: new Map() };
  for (const c of calls) counts[c.abi].set(c.nr >>> 0, (counts[c.abi].get(c.nr >>> 0) ?? 0) + 1);
  const weighted = perCall(compiled(policy, { abi: 'x86_64', frequencies: counts }).program, calls);
  return {
    name,
    calls: calls.length,
    length: program.length,
    insnsPerCall: opt.mean,
    maxInsns: opt.max,
    uncachedInsnsPerCall: opt.uncached,
    plainLength: plain.length,
    plainInsnsPerCall: perCall(plain, calls).mean,
    weightedInsnsPerCall: weighted.mean,
    weightedMaxInsns: weighted.max,
    compileMs,
  };
}

/** Every bundled policy and trace. */
export const measureBpf = (): readonly BpfFigures[] => BUNDLED.map(measureOne);

/** B15 examples/minijail/app.policy on its @frequency file, laid out balanced and by frequency. */
export async function measureFrequency(): Promise<FrequencyFigures> {
  const file = new URL('minijail/app.policy', examples).pathname;
  const r = parseMinijail(readFileSync(file, 'utf8'), await loadUapi('x86_64'), {
    abi: 'x86_64',
    file,
    readFile: (p) => readFileSync(p, 'utf8'),
  });
  if (!r.ok) throw new Error(`bench: ${file} does not parse: ${r.errors[0]!.message}`);
  const frequencies = { x86_64: r.policy.frequencies };
  const program = (f?: typeof frequencies): Program => {
    const c = compileRules(r.policy.ruleSet, f === undefined ? {} : { frequencies: f });
    if (c._tag === 'Left') throw new Error(`bench: ${file} does not compile: ${c.left.message}`);
    return c.right.program;
  };
  const [b, w] = [program(), program(frequencies)];
  return {
    policy: 'examples/minijail/app.policy',
    frequencyFile: 'examples/minijail/app.frequency',
    balanced: expectedInstructions(b, frequencies),
    weighted: expectedInstructions(w, frequencies),
    balancedLength: b.length,
    weightedLength: w.length,
  };
}
