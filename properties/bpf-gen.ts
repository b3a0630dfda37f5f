/**
 * Generators for the BPF suites: seccomp states reached by several prctl
 * calls (a policy from mode 0, then reduce-only policies, per-call SETs
 * and CLEARs, through the model's own functions), long policies that force
 * trampolines, and boundary-biased calls through every vector; plus the
 * check that runs a compiled program beside the model's decision.
 */
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { auditArch, emulate, type Program, type SeccompData } from '../src/bpf/index.ts';
import { SECCOMP_RET } from '../src/action/index.ts';
import { parseFilter } from '../src/grammar/index.ts';
import * as model from '../src/model/index.ts';
import { callAbi, REG_NAMES, syscallTable, type Abi, type Regs, type Vector } from '../src/x86/index.ts';
import { cleanPolicy, filterText, nrValue, poolCalls, VECTOR } from './diff-gen.ts';
import { policyText as poolPolicy } from './model-arbitraries.ts';
import { u64 } from './support.ts';

/** One prctl call a filtering task makes on its own state. */
type Step =
  | { readonly kind: 'policy'; readonly text: string }
  | { readonly kind: 'set'; readonly nr: number; readonly text: string }
  | { readonly kind: 'clear'; readonly nr: number };

const step = (abi: Abi): fc.Arbitrary<Step> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.oneof(cleanPolicy(abi), poolPolicy()).map((text): Step => ({ kind: 'policy', text })) },
    {
      weight: 3,
      arbitrary: fc
        .constantFrom(...poolCalls(abi))
        .chain((c) => filterText(abi, c.nr).map((text): Step => ({ kind: 'set', nr: c.nr, text }))),
    },
    { weight: 1, arbitrary: fc.constantFrom(...poolCalls(abi)).map((c): Step => ({ kind: 'clear', nr: c.nr })) },
  );

// S5.3-S5.5 one step; a failing call leaves the state as it was.
function apply(state: model.SeccompState, s: Step, abi: Abi): model.SeccompState {
  if (s.kind === 'clear') return model.clearEntry(state, s.nr, abi);
  if (s.kind === 'policy') return E.getOrElse(() => state)(model.applyPolicy(state, s.text, abi));
  const parsed = parseFilter(s.text, syscallTable(abi).byNr(s.nr)?.args ?? []);
  return parsed.ok ? E.getOrElse(() => state)(model.setEntry(state, s.nr, parsed.filter, abi)) : state;
}

/** A mode-2 state of `abi`: one policy installed from mode 0, then up to `steps` more prctl calls. */
export const reachedState = (abi: Abi, steps = 4): fc.Arbitrary<model.SeccompState> =>
  fc.tuple(fc.oneof(cleanPolicy(abi), poolPolicy()), fc.array(step(abi), { maxLength: steps })).map(([first, rest]) => {
    const installed = model.applyPolicy(model.INITIAL_STATE, first, abi);
    const start = E.isRight(installed)
      ? installed.right
      : E.getOrElse(() => model.INITIAL_STATE)(model.applyPolicy(model.INITIAL_STATE, '', abi));
    return rest.reduce((s, st) => apply(s, st, abi), start);
  });

/** A long policy: `min` to `max` distinct calls of `abi`, each with a random filter, named by number. */
export const longPolicy = (abi: Abi, min: number, max: number): fc.Arbitrary<string> =>
  fc
    .uniqueArray(fc.constantFrom(...syscallTable(abi).calls), { minLength: min, maxLength: max, selector: (c) => c.nr })
    .chain((calls) => fc.tuple(...calls.map((c) => filterText(abi, c.nr).map((f) => `${c.nr}: ${f}`))))
    .map((lines) => lines.join('\n'));

/** A call: the task's code, the vector, rax and all six argument registers of the call's ABI, upper halves included. */
export interface Call {
  readonly taskAbi: Abi;
  readonly vector: Vector;
  readonly rax: bigint;
  readonly args: readonly bigint[];
}

/** Boundary-biased calls, biased to the numbers `nrs` the state names (in both ABIs' senses). */
export const calls = (nrs: readonly number[], max = 24): fc.Arbitrary<readonly Call[]> => {
  const rax =
    nrs.length === 0
      ? nrValue()
      : fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...nrs).map(BigInt) }, { weight: 2, arbitrary: nrValue() });
  const call = fc.record({
    taskAbi: fc.constantFrom<Abi>('x86_64', 'ia32'),
    vector: VECTOR(),
    rax,
    args: fc.array(
      fc.oneof({ weight: 2, arbitrary: fc.bigInt({ min: 0n, max: 40n }) }, { weight: 3, arbitrary: u64() }),
      { minLength: 6, maxLength: 6 },
    ),
  });
  return fc.array(call, { minLength: 1, maxLength: max });
};

/** The ABI of a call (S6.1). */
export const abiOf = (c: Call): Abi => callAbi(c.taskAbi, c.vector);

/** seccomp_data as the kernel fills it: nr the low 32 bits of rax, the full 64-bit argument registers. */
export const seccompData = (c: Call): SeccompData => ({
  nr: model.syscallNr(c.rax),
  arch: auditArch(abiOf(c)),
  instructionPointer: 0x401000n,
  args: c.args,
});

const ZERO_REGS: Regs = Object.fromEntries(REG_NAMES.map((r) => [r, 0n])) as Regs;

/** The model's decision on a call (S6.4), the pending grant spent (the launcher's part). */
export function modelAllows(state: model.SeccompState, c: Call): boolean {
  const abi = abiOf(c);
  const regs = Object.fromEntries(
    (abi === 'x86_64' ? ['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'] : ['rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp']).map(
      (r, i) => [r, c.args[i]!],
    ),
  );
  const record = model.recordOfRegs(model.mergeRegs(ZERO_REGS, { ...regs, rax: c.rax }), abi);
  return model.decide({ ...state, pending: false }, abi, record).allow;
}

/** The first call on which the program's action differs from the model's (ALLOW or KILL_PROCESS), or undefined. */
export function firstDisagreement(
  program: Program,
  state: model.SeccompState,
  cs: readonly Call[],
): string | undefined {
  for (const c of cs) {
    const want = modelAllows(state, c) ? SECCOMP_RET.ALLOW : SECCOMP_RET.KILL_PROCESS;
    const got = emulate(program, seccompData(c)).ret;
    if (got !== want)
      return `call ${JSON.stringify(c, (_, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}: program ${got.toString(16)}, model ${want.toString(16)}`;
  }
  return undefined;
}
