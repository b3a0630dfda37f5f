/**
 * The model (src/model) as an implementation of the protocol, and the
 * oracle `conform` judges others by: a fresh task of the request's code
 * makes each PR_SET_SECCOMP 2 through the model's entry path; each call is
 * then made from the machine the installs left, which, the model being
 * pure, is exactly "a fresh fork of that task" (P2).
 */
import * as E from 'fp-ts/lib/Either.js';
import * as model from '../model/index.ts';
import type { Abi } from '../x86/table.ts';
import type { RegsInput } from '../x86/registers.ts';
import { callAbi } from '../x86/vectors.ts';
import { decideRules } from '../ruleset/index.ts';
import type { Answer, AnswerV2, Call, Request, RequestV2, Verdict } from './protocol.ts';
import { formatAction } from '../action/index.ts';
import { answerV2, filterView, otherDialect, REFUSED, stackInstalls, type LayerAnswer } from './v2.ts';

/** Where the task's text is written: below 4 GiB, like the engine's scratch address. */
export const TEXT_ADDR = 0x7ff0_0000n;

const NATIVE = ['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'] as const;
const COMPAT = ['rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp'] as const;

/** S6.1 the registers of a call through its ABI: eax (sign-extended into rax) and the six argument registers. */
export function callRegs(abi: Abi, nr: number, args: readonly bigint[]): RegsInput {
  const names = abi === 'x86_64' ? NATIVE : COMPAT;
  return Object.fromEntries([['rax', BigInt.asUintN(64, BigInt(nr))], ...names.map((r, i) => [r, args[i] ?? 0n])]);
}

/** prctl's rax as the protocol's install result: 0 or -errno. */
export const installResult = (rax: bigint): number => Number(BigInt.asIntN(64, rax));

/** Latin-1 bytes of a text and its NUL (C16). */
export const textBytes = (text: string): readonly number[] => [...[...text].map((c) => c.charCodeAt(0) & 0xff), 0];

/**
 * The model's machine and task after the installs of `r`, with each
 * install's result. Each install is prctl's handler on the task's state
 * and memory (S5.2): the entry check of the prctl call itself is not part
 * of the protocol (P2), so a policy need not allow prctl to be narrowed.
 */
export function modelInstall(r: Request): {
  readonly machine: model.Machine;
  readonly pid: number;
  readonly installs: readonly number[];
} {
  const [m0, pid] = model.spawn(model.initialMachine(), r.abi, 'conform');
  let machine = m0;
  const installs: number[] = [];
  for (const text of r.installs) {
    const task = machine.tasks.get(pid)!;
    const memory = new Map([[TEXT_ADDR, 0]]);
    textBytes(text).forEach((b, i) => memory.set(TEXT_ADDR + BigInt(i), b));
    const done = model.setSeccomp({ state: task.seccomp, memory, abi: r.abi }, 2n, TEXT_ADDR);
    if (E.isRight(done)) {
      machine = { ...machine, tasks: new Map([...machine.tasks, [pid, { ...task, seccomp: done.right.state }]]) };
      installs.push(Number(done.right.result));
    } else installs.push(-done.left);
  }
  return { machine, pid, installs };
}

/** S6 one call from the machine the installs left: killed by seccomp or not. */
export function modelVerdict(machine: model.Machine, pid: number, abi: Abi, c: Call): Verdict {
  const { outcome } = model.syscall(machine, pid, c.vector, callRegs(callAbi(abi, c.vector), c.nr, c.args));
  return outcome.kind === 'killed' ? 'kill' : 'allow';
}

/** The model's answer to a request (never `unsupported`: the model is the specification). */
export function modelAnswer(r: Request): Answer {
  const { machine, pid, installs } = modelInstall(r);
  return { id: r.id, installs, calls: r.calls.map((c) => modelVerdict(machine, pid, r.abi, c)) };
}

/** R4 a filter in the decision form answering each call of a request, as decideRules does. */
export const rulesLayer: LayerAnswer = (rs, abi, calls) =>
  calls.map((c) => {
    const v = filterView(abi, c);
    return decideRules(rs, v.abi, c.nr, v.args).action;
  });

/**
 * The model's answer to a version-2 request (P9). With a `rules` install,
 * the model's own stack answers: each 2011 text through prctl's handler,
 * each rule set through model.installRules (A5), in order on one task,
 * then each call through model.decide (A6), so stacked precedence is the
 * model's (A3). Without one, as version 1.
 */
export function modelAnswerV2(r: RequestV2): AnswerV2 {
  if (!r.installs.some((i) => i.dialect === 'rules')) return answerV2(r, modelAnswer, rulesLayer);
  const other = otherDialect(r);
  if (other !== undefined) return other;
  const [m0, pid] = model.spawn(model.initialMachine(), r.abi, 'conform');
  let machine = m0;
  const installs: number[] = [];
  for (const i of stackInstalls(r)) {
    if (i === null) {
      installs.push(REFUSED);
      continue;
    }
    if (typeof i !== 'string') {
      const done = model.installRules(machine, pid, i);
      if (E.isRight(done)) machine = done.right;
      installs.push(E.isRight(done) ? 0 : -done.left);
      continue;
    }
    const task = machine.tasks.get(pid)!;
    // prctl's handler on the stacked state (S5.2): the 2011 map merges into the task's state, the stack stays.
    const memory = new Map([[TEXT_ADDR, 0]]);
    textBytes(i).forEach((b, k) => memory.set(TEXT_ADDR + BigInt(k), b));
    const done = model.setSeccomp({ state: task.seccomp, memory, abi: r.abi }, 2n, TEXT_ADDR);
    if (E.isRight(done))
      machine = { ...machine, tasks: new Map([...machine.tasks, [pid, { ...task, seccomp: done.right.state }]]) };
    installs.push(E.isRight(done) ? Number(done.right.result) : -done.left);
  }
  const state = machine.tasks.get(pid)!.seccomp;
  const calls = r.calls.map((c) => {
    const v = filterView(r.abi, c);
    return formatAction(model.decide(state, v.abi, { nr: c.nr, args: v.args }).action);
  });
  return { version: 2, id: r.id, installs, calls };
}
