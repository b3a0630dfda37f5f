/**
 * The BPF backend (src/bpf) as an implementation of the protocol: the
 * installed state is compiled to a seccomp BPF program and each call is
 * answered by emulating that program on the `seccomp_data` the kernel would
 * hand it (P7). BPF has no prctl of its own, so the install results are the
 * model's prctl handler's; what this adapter tests is the compiler and the
 * emulator, on every state the installs can reach.
 */
import { isLeft } from 'fp-ts/lib/Either.js';
import { KILL_2011, retAction, SECCOMP_RET, type Action } from '../action/index.ts';
import { auditArch, compileRules, compileState, emulate, retAllows } from '../bpf/index.ts';
import { callAbi } from '../x86/vectors.ts';
import { modelInstall } from './model-adapter.ts';
import type { Answer, AnswerV2, Request, RequestV2, Verdict } from './protocol.ts';
import { answerV2, type LayerAnswer } from './v2.ts';

/** The BPF program's answer to a request. */
export function bpfAnswer(r: Request): Answer {
  const { machine, pid, installs } = modelInstall(r);
  const state = machine.tasks.get(pid)!.seccomp;
  // No filter installed: the kernel runs no program, every call goes through.
  if (state.mode === 0) return { id: r.id, installs, calls: r.calls.map((): Verdict => 'allow') };
  // S6.4 a pending grant is a count of calls: a stateless program cannot express it.
  if (state.pending)
    return {
      id: r.id,
      unsupported: 'the installed state has a pending on_next_syscall grant, which a BPF program cannot express',
    };
  const compiled = compileState(state, { abi: r.abi });
  if (isLeft(compiled))
    return { id: r.id, unsupported: `the installed state does not compile to BPF: ${compiled.left.message}` };
  const calls = r.calls.map((c): Verdict => {
    // The filter sees the full registers on every entry path (upper halves included for compat calls).
    const run = emulate(compiled.right.program, {
      nr: c.nr,
      arch: auditArch(callAbi(r.abi, c.vector)),
      instructionPointer: 0n,
      args: c.args,
    });
    return retAllows(run.ret) ? 'allow' : 'kill';
  });
  return { id: r.id, installs, calls };
}

/**
 * The value a `rules` filter's 2011 kill is compiled to: KILL_PROCESS with
 * data, which the kernel carries out as KILL_PROCESS (it ignores a kill's
 * data) and an adapter reads back as the 2011 kill.
 */
export const KILL_2011_RET = (SECCOMP_RET.KILL_PROCESS | 0x2011) >>> 0;

/** The action of a filter's return, the 2011 kill told apart by KILL_2011_RET. */
export const retOf = (ret: number): Action => (ret >>> 0 === KILL_2011_RET ? KILL_2011 : retAction(ret));

/** A `rules` filter compiled to BPF, each call emulated on the seccomp_data the kernel fills. */
const bpfLayer: LayerAnswer = (rs, abi, calls) => {
  const compiled = compileRules(rs, { killRet: KILL_2011_RET });
  if (isLeft(compiled)) return { unsupported: `a rules filter does not compile to BPF: ${compiled.left.message}` };
  return calls.map((c) =>
    retOf(
      emulate(compiled.right.program, {
        nr: c.nr,
        arch: auditArch(callAbi(abi, c.vector)),
        instructionPointer: 0n,
        args: c.args,
      }).ret,
    ),
  );
};

/** The BPF backend's answer to a version-2 request (P9): every filter of the stack compiled and emulated. */
export const bpfAnswerV2 = (r: RequestV2): AnswerV2 => answerV2(r, bpfAnswer, bpfLayer);
