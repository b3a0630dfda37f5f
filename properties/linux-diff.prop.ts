/**
 * Linux as a second oracle (K3, K7): a policy is compiled to
 * BPF (src/bpf) with errno actions on both sides (kill -> ERRNO(3001), allow
 * -> ERRNO(3002)), the probe helper makes raw calls under it through
 * `syscall` and `int $0x80` with boundary-biased 64-bit registers (upper
 * halves set on compat calls too), and Linux's answer must be the
 * model's decision (S6.4) for every call. Counterexamples shrink to a small
 * policy and one call. Needs Linux x86_64, seccomp and a C compiler: where
 * one is missing the suite fails and says which.
 */
import test from 'ava';
import fc from 'fast-check';
import { isLeft } from 'fp-ts/lib/Either.js';
import { AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, compilePolicy, encodeRaw } from '../src/bpf/index.ts';
import * as model from '../src/model/index.ts';
import { probe, type ProbeCall, type ProbeVector } from '../src/native/index.ts';
import type { Abi } from '../src/x86/table.ts';
import type { Regs } from '../src/x86/registers.ts';
import { cleanPolicy, nrValue, poolCalls } from './diff-gen.ts';
import { params, runs, u64 } from './support.ts';

const KILL = 3001;
const ALLOW = 3002;
const RUNS = 150;
/** Native uretprobe and uprobe: Linux runs them without asking the filter (K9), so no program decides them. */
const UNFILTERED = [335, 336];

const [m0, p0] = model.spawn(model.initialMachine(), 'x86_64', 'probe');
const ZERO: Regs = m0.tasks.get(p0)!.regs;
const NATIVE = ['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'] as const;
const COMPAT = ['rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp'] as const;

/** S6.1, S6.4 what the model decides for a raw call under the installed state (the grant spent). */
function modelAllows(state: model.SeccompState, c: ProbeCall): boolean {
  const abi: Abi = c.vector === 'syscall' ? 'x86_64' : 'ia32';
  const regs = model.mergeRegs(ZERO, {
    rax: BigInt(c.nr),
    ...Object.fromEntries((abi === 'x86_64' ? NATIVE : COMPAT).map((r, i) => [r, c.args[i]!])),
  });
  return model.decide({ ...state, pending: false }, abi, model.recordOfRegs(regs, abi)).allow;
}

/** Calls biased to the numbers policies name in both ABIs, with any 64-bit registers. */
const call = (abi: Abi): fc.Arbitrary<ProbeCall> =>
  fc
    .record({
      vector: fc.oneof(
        { weight: 3, arbitrary: fc.constant<ProbeVector>(abi === 'x86_64' ? 'syscall' : 'int80') },
        { weight: 1, arbitrary: fc.constantFrom<ProbeVector>('syscall', 'int80') },
      ),
      nr: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...poolCalls(abi).map((c) => BigInt(c.nr))) },
        { weight: 2, arbitrary: nrValue() },
      ),
      args: fc.array(u64(), { minLength: 6, maxLength: 6 }),
    })
    .filter((c) => !(c.vector === 'syscall' && UNFILTERED.includes(Number(BigInt.asIntN(32, BigInt(c.nr))))));

const cases = fc.constantFrom<Abi>('x86_64', 'ia32').chain((abi) =>
  fc.record({
    abi: fc.constant(abi),
    text: cleanPolicy(abi),
    calls: fc.array(call(abi), { minLength: 50, maxLength: 150 }),
  }),
);

type Compile = (text: string, abi: Abi) => ReturnType<typeof compilePolicy>;
const compile: Compile = (text, abi) =>
  compilePolicy(text, { abi, kill: { kind: 'errno', errno: KILL }, allow: { kind: 'errno', errno: ALLOW } });

/** Tallies of one suite run. */
interface Tally {
  decided: number;
  allowed: number;
  refused: number;
}

/** The property: every call of every case is decided by Linux under `compileWith`'s program as the model decides it. */
const agrees = (compileWith: Compile, tally: Tally) =>
  fc.property(cases, ({ abi, text, calls }) => {
    const state = model.applyPolicy(model.INITIAL_STATE, text, abi);
    const compiled = compileWith(text, abi);
    if (isLeft(state) || isLeft(compiled)) {
      tally.refused++;
      if (isLeft(state) !== isLeft(compiled))
        throw new Error(
          `the model ${isLeft(state) ? 'refuses' : 'installs'} the policy but the compiler ${isLeft(compiled) ? `refuses it: ${compiled.left.message}` : 'compiles it'}`,
        );
      return;
    }
    const answers = probe(encodeRaw(compiled.right.program), calls);
    if (isLeft(answers)) throw new Error(`probe: ${answers.left.kind}: ${answers.left.message}`);
    calls.forEach((c, i) => {
      const linux = answers.right[i];
      if (linux !== BigInt(-KILL) && linux !== BigInt(-ALLOW))
        throw new Error(`call ${i}: Linux answered ${linux}, neither errno`);
      const want = modelAllows(state.right, c);
      if ((linux === BigInt(-ALLOW)) !== want)
        throw new Error(
          `call ${i} (${c.vector} nr ${c.nr}): the model ${want ? 'allows' : 'kills'} it, Linux ${want ? 'kills' : 'allows'} it`,
        );
    });
    tally.decided += calls.length;
    tally.allowed += answers.right.filter((v) => v === BigInt(-ALLOW)).length;
  });

/** Fails the test, saying what is missing, when Linux cannot be asked here (never a silent skip). */
function linuxReachable(): string | null {
  const r = probe(encodeRaw([{ code: 0x06, jt: 0, jf: 0, k: 0x00050000 | ALLOW }]), [
    { vector: 'int80', nr: 20, args: [0n, 0n, 0n, 0n, 0n, 0n] },
  ]);
  return isLeft(r)
    ? `Linux cannot be asked here (${r.left.kind}): ${r.left.message}. The suite needs Linux on x86_64 with seccomp filters and IA32 emulation (int $0x80), and a C compiler`
    : null;
}

test(`Linux decides every call as the model does, both ABIs (policies of 50-150 calls, cut for CI time; more under npm run props)`, (t) => {
  const missing = linuxReachable();
  if (missing !== null) return t.fail(missing);
  const tally: Tally = { decided: 0, allowed: 0, refused: 0 };
  fc.assert(agrees(compile, tally), params(RUNS));
  t.log(
    `Linux decided ${tally.decided} calls (${tally.allowed} allowed, ${tally.decided - tally.allowed} killed) under ${runs(RUNS) - tally.refused} policies; ${tally.refused} policies refused by both`,
  );
  t.true(tally.allowed > 0 && tally.allowed < tally.decided, 'both outcomes occurred');
});

test('the suite catches a compiled program whose arch check is inverted (S10.2 planted in the program)', (t) => {
  const missing = linuxReachable();
  if (missing !== null) return t.fail(missing);
  const swap = (k: number): number =>
    k === AUDIT_ARCH_X86_64 ? AUDIT_ARCH_I386 : k === AUDIT_ARCH_I386 ? AUDIT_ARCH_X86_64 : k;
  const inverted: Compile = (text, abi) => {
    const c = compile(text, abi);
    return isLeft(c)
      ? c
      : {
          ...c,
          right: {
            ...c.right,
            program: c.right.program.map((i) => ((i.code & 0x07) === 0x05 ? { ...i, k: swap(i.k) } : i)),
          },
        };
  };
  const r = fc.check(agrees(inverted, { decided: 0, allowed: 0, refused: 0 }), {
    numRuns: 100,
    seed: 1,
    endOnFailure: true,
  });
  t.true(r.failed, 'the planted bug was found');
  t.log(`found after ${r.numRuns} policies (not shrunk): ${String(r.errorInstance).split('\n')[0]}`);
});
