/**
 * The engine (`Kernel`) as an implementation of the protocol, through its
 * public face only: for each call a fresh kernel and task of the request's
 * code, the installs as prctl calls through the entry path, then the call
 * itself (P2: each call from a fresh copy of the installed state).
 */
import { VERDICT, Kernel } from '../kernel/index.ts';
import { syscallTable } from '../x86/table.ts';
import { PR } from '../x86/prctl.ts';
import { callAbi } from '../x86/vectors.ts';
import { TEXT_ADDR, callRegs, installResult, textBytes } from './model-adapter.ts';
import { rulesLayer } from './model-adapter.ts';
import type { Answer, AnswerV2, Request, RequestV2, Verdict } from './protocol.ts';
import { formatAction } from '../action/index.ts';
import { answerV2, otherDialect, REFUSED, stackInstalls } from './v2.ts';

/** What one replay of the installs gave: the kernel, the task, the results; or why it cannot stand for P2. */
type Replay =
  | { readonly ok: true; readonly kernel: Kernel; readonly pid: number; readonly installs: readonly number[] }
  | { readonly ok: false; readonly unsupported: string };

/**
 * Make the installs of `r` as the task's own prctl calls. The engine's
 * public API has no way round the entry check, so an install after the
 * first whose prctl call the installed state would kill, or would let
 * through only by spending the pending grant (S6.4), cannot be made as P2
 * defines it: that request is `unsupported` (P4).
 */
function replay(r: Request): Replay {
  const kernel = new Kernel();
  const pid = kernel.spawn(r.abi, 'conform');
  const prctlNr = syscallTable(r.abi).resolve('prctl')!;
  const args = [BigInt(PR.SET_SECCOMP), 2n, TEXT_ADDR, 0n, 0n, 0n];
  const installs: number[] = [];
  for (const [k, text] of r.installs.entries()) {
    const seccomp = kernel.view().tasks[0]!.seccomp;
    if (seccomp.mode === 2 && seccomp.pending) {
      return {
        ok: false,
        unsupported: `install ${k}: the engine's prctl would spend the pending grant (on_next_syscall) of the installed state`,
      };
    }
    const halves = args.flatMap((a) => [Number(a & 0xffff_ffffn), Number(a >> 32n)]);
    if (kernel.decide(pid, 'syscall', prctlNr, halves) !== VERDICT.ALLOW) {
      return {
        ok: false,
        unsupported: `install ${k}: the installed state kills prctl itself, and the engine checks every prctl at entry`,
      };
    }
    kernel.writeMemory(pid, TEXT_ADDR, textBytes(text));
    const o = kernel.syscall(pid, 'syscall', callRegs(r.abi, prctlNr, args));
    installs.push(o.kind === 'return' ? installResult(o.rax) : -1);
  }
  return { ok: true, kernel, pid, installs };
}

/** The engine's answer to a request. */
export function engineAnswer(r: Request): Answer {
  // One replay for the results, and one more per call, so no call sees another's effects (P2).
  const [first, ...perCall] = [r, ...r.calls].map(() => replay(r));
  if (!first!.ok) return { id: r.id, unsupported: first!.unsupported };
  const calls = r.calls.map((c, i): Verdict => {
    const { kernel, pid } = perCall[i] as Extract<Replay, { ok: true }>;
    const o = kernel.syscall(pid, c.vector, callRegs(callAbi(r.abi, c.vector), c.nr, c.args));
    return o.kind === 'killed' ? 'kill' : 'allow';
  });
  return { id: r.id, installs: first!.installs, calls };
}

const halvesOf = (args: readonly bigint[]): number[] =>
  args.flatMap((a) => [Number(a & 0xffff_ffffn), Number((a >> 32n) & 0xffff_ffffn)]);

/**
 * The engine's answer to a version-2 request (P9). With a `rules` install,
 * the engine's own stack answers: in order on one task, each 2011 text as
 * the task's prctl through the entry path (unsupported when the installed
 * stack would not let that prctl through untouched, as above), each rule
 * set through Kernel.installRules (A5); then each call through
 * Kernel.decide (A6), which changes nothing, so one task serves every call
 * (P2). Without one, as version 1.
 */
export function engineAnswerV2(r: RequestV2): AnswerV2 {
  if (!r.installs.some((i) => i.dialect === 'rules')) return answerV2(r, engineAnswer, rulesLayer);
  const other = otherDialect(r);
  if (other !== undefined) return other;
  const unsupported = (why: string): AnswerV2 => ({ version: 2, id: r.id, unsupported: why });
  const kernel = new Kernel();
  const pid = kernel.spawn(r.abi, 'conform');
  const prctlNr = syscallTable(r.abi).resolve('prctl')!;
  const args = [BigInt(PR.SET_SECCOMP), 2n, TEXT_ADDR, 0n, 0n, 0n];
  const installs: number[] = [];
  for (const [k, i] of stackInstalls(r).entries()) {
    if (i === null) {
      installs.push(REFUSED);
      continue;
    }
    if (typeof i !== 'string') {
      const o = kernel.installRules(pid, i);
      installs.push(o.ok ? 0 : -o.errno.number);
      continue;
    }
    const seccomp = kernel.view().tasks[0]!.seccomp;
    if (seccomp.mode === 2 && seccomp.pending)
      return unsupported(
        `install ${k}: the engine's prctl would spend the pending grant (on_next_syscall) of the installed state`,
      );
    if (kernel.decide(pid, 'syscall', prctlNr, halvesOf(args)) !== VERDICT.ALLOW)
      return unsupported(
        `install ${k}: the installed stack does not let prctl itself through, and the engine checks every prctl at entry`,
      );
    kernel.writeMemory(pid, TEXT_ADDR, textBytes(i));
    const o = kernel.syscall(pid, 'syscall', callRegs(r.abi, prctlNr, args));
    installs.push(o.kind === 'return' ? installResult(o.rax) : -1);
  }
  const calls = r.calls.map((c) => formatAction(kernel.decide(pid, c.vector, c.nr, halvesOf(c.args))!));
  return { version: 2, id: r.id, installs, calls };
}
