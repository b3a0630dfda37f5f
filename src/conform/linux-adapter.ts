/**
 * Linux as an implementation of the protocol, through the native
 * probe (src/native, spec/13): the installed state is compiled to seccomp
 * BPF with errno actions on both sides (kill -> ERRNO(3001), allow ->
 * ERRNO(3002)), so no probed call ever runs, and the probe helper makes
 * every call under it on this machine's Linux. Install results are the
 * model's prctl handler's (today's Linux has no 2011 prctl); what this
 * adapter tests is the compiler against Linux's own BPF and entry path.
 */
import { isLeft } from 'fp-ts/lib/Either.js';
import { compileRules, compileState, encodeRaw } from '../bpf/index.ts';
import { errnoOnly, probe, type ProbeCall } from '../native/index.ts';
import { callAbi } from '../x86/vectors.ts';
import { modelInstall } from './model-adapter.ts';
import { KILL_2011_RET, retOf } from './bpf-adapter.ts';
import type { Answer, AnswerV2, Request, RequestV2, Verdict } from './protocol.ts';
import { answerV2, type LayerAnswer } from './v2.ts';

const KILL = 3001;
const ALLOW = 3002;
/** Native uretprobe and uprobe: Linux runs them without asking the filter (K9). */
const UNFILTERED = [335, 336];

/** Linux's answer to a request. */
export function linuxAnswer(r: Request): Answer {
  const { machine, pid, installs } = modelInstall(r);
  const state = machine.tasks.get(pid)!.seccomp;
  const unsupported = (why: string): Answer => ({ id: r.id, unsupported: why });
  if (state.mode === 0) return { id: r.id, installs, calls: r.calls.map((): Verdict => 'allow') };
  if (state.pending)
    return unsupported('the installed state has a pending on_next_syscall grant, which a BPF program cannot express');
  // S6.1 a compat call reaches the filter as I386 however it entered: the probe makes it with int $0x80 from 64-bit code.
  const calls = r.calls.map((c): ProbeCall => ({
    vector: callAbi(r.abi, c.vector) === 'x86_64' ? 'syscall' : 'int80',
    nr: c.nr,
    args: c.args,
  }));
  if (calls.some((c) => c.vector === 'syscall' && UNFILTERED.includes(Number(c.nr)))) {
    return unsupported('native uretprobe and uprobe (335, 336) never reach a seccomp filter on this Linux (K9)');
  }
  const compiled = compileState(state, {
    abi: r.abi,
    kill: { kind: 'errno', errno: KILL },
    allow: { kind: 'errno', errno: ALLOW },
  });
  if (isLeft(compiled)) return unsupported(`the installed state does not compile to BPF: ${compiled.left.message}`);
  const answers = probe(encodeRaw(compiled.right.program), calls);
  if (isLeft(answers))
    return unsupported(`the Linux probe is not available (${answers.left.kind}): ${answers.left.message}`);
  const verdicts = answers.right.map((rax): Verdict | null =>
    rax === BigInt(-ALLOW) ? 'allow' : rax === BigInt(-KILL) ? 'kill' : null,
  );
  const odd = verdicts.indexOf(null);
  if (odd >= 0)
    return unsupported(`Linux answered call ${odd} with rax ${answers.right[odd]!}, neither action of the program`);
  return { id: r.id, installs, calls: verdicts as readonly Verdict[] };
}

/**
 * A `rules` filter on this machine's Linux: compiled to BPF, each return
 * rewritten to an errno naming it (errnoOnly) so no call runs, and each
 * call probed; the errno it comes back with names the return the kernel's
 * BPF reached. The stack's precedence is then applied as A3 says (the
 * probe runs one filter at a time).
 */
const linuxLayer: LayerAnswer = (rs, abi, calls) => {
  const probed = calls.map((c): ProbeCall => ({
    vector: callAbi(abi, c.vector) === 'x86_64' ? 'syscall' : 'int80',
    nr: c.nr,
    args: c.args,
  }));
  if (probed.some((c) => c.vector === 'syscall' && UNFILTERED.includes(Number(c.nr))))
    return { unsupported: 'native uretprobe and uprobe (335, 336) never reach a seccomp filter on this Linux (K9)' };
  const compiled = compileRules(rs, { killRet: KILL_2011_RET });
  if (isLeft(compiled)) return { unsupported: `a rules filter does not compile to BPF: ${compiled.left.message}` };
  const { program, rets } = errnoOnly(compiled.right.program);
  const answers = probe(encodeRaw(program), probed);
  if (isLeft(answers))
    return { unsupported: `the Linux probe is not available (${answers.left.kind}): ${answers.left.message}` };
  const out = answers.right.map((rax) => rets[Number(-rax) - 1]);
  const odd = out.indexOf(undefined);
  if (odd >= 0)
    return { unsupported: `Linux answered call ${odd} with rax ${answers.right[odd]!}, no return of the program` };
  return out.map((ret) => retOf(ret!));
};

/** Linux's answer to a version-2 request (P9). */
export const linuxAnswerV2 = (r: RequestV2): AnswerV2 => answerV2(r, linuxAnswer, linuxLayer);
