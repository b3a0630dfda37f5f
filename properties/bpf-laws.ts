/**
 * The laws the BPF suites check on one state: the compiled program (every
 * layout, folded or not) decides as the model, passes the kernel's checks,
 * lets the constant-action cache allow every `1` entry and nothing the model
 * denies, and agrees with its plain twin. A compile function is a
 * parameter, so a test can plant compiler bugs and see the laws fail.
 */
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import {
  auditArch,
  compileState,
  constAllowed,
  emulate,
  validate,
  type CompileError,
  type CompileOptions,
  type Compiled,
} from '../src/bpf/index.ts';
import type * as model from '../src/model/index.ts';
import { syscallTable, type Abi } from '../src/x86/index.ts';
import { calls, firstDisagreement, modelAllows, seccompData, type Call } from './bpf-gen.ts';

/** A compiler under test. */
export type CompileFn = (state: model.SeccompState, opts: CompileOptions) => E.Either<CompileError, Compiled>;

const CONFIGS: readonly Omit<CompileOptions, 'abi'>[] = [
  { layout: 'tree', fold: true },
  { layout: 'tree', fold: false },
  { layout: 'plain', fold: false },
  { layout: 'plain', fold: true },
];

/** A state with the calls to probe it with. */
const scenario = (state: fc.Arbitrary<model.SeccompState>) =>
  state.chain((s) => fc.tuple(fc.constant(s), calls([...s.filters.keys()])));

export const anyAbi = <T>(f: (abi: Abi) => fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.constantFrom<Abi>('x86_64', 'ia32').chain(f);

// Every check of one compiled state; an error message, or undefined when all hold.
export function checkState(
  state: model.SeccompState,
  cs: readonly Call[],
  compile: CompileFn = compileState,
): string | undefined {
  if (state.mode !== 2 || state.abi === null) return undefined;
  const abi = state.abi;
  const rets: number[][] = [];
  for (const cfg of CONFIGS) {
    const compiled = compile(state, { abi, ...cfg });
    if (E.isLeft(compiled))
      return /BPF_MAXINSNS/.test(compiled.left.message)
        ? undefined
        : `${JSON.stringify(cfg)}: ${compiled.left.message}`;
    const { program, cacheable } = compiled.right;
    const valid = validate(program);
    if (E.isLeft(valid)) return `${JSON.stringify(cfg)}: invalid program: ${valid.left}`;
    const wrong = firstDisagreement(program, state, cs);
    if (wrong !== undefined) return `${JSON.stringify(cfg)}: ${wrong}`;
    const n = syscallTable(abi).nrSyscalls;
    for (const [nr, f] of state.filters) {
      if (f.kind === 'allow' && !cacheable.includes(nr))
        return `${JSON.stringify(cfg)}: entry ${nr} is 1 but not cacheable`;
    }
    for (const nr of cacheable) {
      if (!constAllowed(program, auditArch(abi), nr, n))
        return `cacheable lists ${nr}, which seccomp_is_const_allow refuses`;
      // Soundness: the cache may only skip calls the model allows, whatever their arguments.
      const denied = cs.find((c) => !modelAllows(state, { ...c, rax: BigInt(nr), taskAbi: abi, vector: 'syscall' }));
      if (abi === 'x86_64' && denied !== undefined)
        return `${JSON.stringify(cfg)}: ${nr} is cached but the model denies ${JSON.stringify(denied.args.map(String))}`;
    }
    rets.push(cs.map((c) => emulate(program, seccompData(c)).ret));
  }
  const differs = rets.findIndex((r) => r.some((v, i) => v !== rets[0]![i]));
  return differs < 0 ? undefined : `${JSON.stringify(CONFIGS[differs])} disagrees with the optimised program`;
}

/** The property over states from `gen`, with a checker (the real compiler or a faulty one). */
export const agrees = (gen: fc.Arbitrary<model.SeccompState>, compile: CompileFn = compileState) =>
  fc.property(scenario(gen), ([state, cs]) => {
    const err = checkState(state, cs, compile);
    if (err !== undefined) throw new Error(err);
  });
