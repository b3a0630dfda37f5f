/**
 * The BPF backend (src/bpf) as an implementation of the protocol: the
 * installed state is compiled to a seccomp BPF program and each call is
 * answered by emulating that program on the `seccomp_data` the kernel would
 * hand it (P7). BPF has no prctl of its own, so the install results are the
 * model's prctl handler's; what this adapter tests is the compiler and the
 * emulator, on every state the installs can reach.
 */
import { isLeft } from 'fp-ts/lib/Either.js';
import { auditArch, compileState, emulate, retAllows } from '../bpf/index.ts';
import { callAbi } from '../x86/vectors.ts';
import { modelInstall } from './model-adapter.ts';
import type { Answer, Request, Verdict } from './protocol.ts';

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
