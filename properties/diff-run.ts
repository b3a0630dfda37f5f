/**
 * Runs one command sequence on the model and on the engine side by side
 * and reports the first observable that differs (S9.1): the outcome, the
 * whole view (tasks, registers, memory, seccomp states, log) and the /proc
 * text of every pid, after every command.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as O from 'fp-ts/lib/Option.js';
import { isDeepStrictEqual } from 'node:util';
import { Kernel } from '../src/kernel/index.ts';
import * as model from '../src/model/index.ts';
import type { Outcome } from '../src/x86/outcome.ts';
import type { Cmd } from './diff-gen.ts';

/** JSON with bigints in hex, for failure messages. */
export const show = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `0x${x.toString(16)}` : x));

/**
 * What an implementation under test gives the differential runner: the
 * engine's host API. Any object with these methods (a wrapper around
 * another seccomp implementation, say) can be checked against the model.
 */
export type EngineUnderTest = Pick<Kernel, 'spawn' | 'writeMemory' | 'syscall' | 'procSeccompFilter' | 'view'> &
  Partial<Pick<Kernel, 'installRules'>>;

/** Both machines after one command, and what each reported. */
interface Pair {
  m: model.Machine;
  readonly k: EngineUnderTest;
}

function step(p: Pair, cmd: Cmd): readonly [unknown, unknown] {
  switch (cmd.c) {
    case 'spawn': {
      const [m, pid] = model.spawn(p.m, cmd.abi, cmd.comm);
      p.m = m;
      return [pid, p.k.spawn(cmd.abi, cmd.comm)];
    }
    case 'write': {
      const r = model.writeMemory(p.m, cmd.pid, cmd.addr, cmd.bytes);
      if (E.isRight(r)) p.m = r.right;
      return [E.isRight(r), p.k.writeMemory(cmd.pid, cmd.addr, cmd.bytes)];
    }
    case 'rules': {
      // A5 a rule set installed on both: the errno of a refusal, or 0.
      const r = model.installRules(p.m, cmd.pid, cmd.rs);
      if (E.isRight(r)) p.m = r.right;
      const got = p.k.installRules === undefined ? 'no installRules' : p.k.installRules(cmd.pid, cmd.rs);
      return [
        E.isRight(r) ? 0 : r.left,
        typeof got === 'string' || got.ok ? (got === 'no installRules' ? got : 0) : got.errno.number,
      ];
    }
    case 'call': {
      const r = model.syscall(p.m, cmd.pid, cmd.vector, cmd.regs);
      p.m = r.machine;
      const got: Outcome = p.k.syscall(cmd.pid, cmd.vector, cmd.regs);
      return [r.outcome, got];
    }
  }
}

/** Every observable of a machine pair that must agree, model first; /proc for every pid up to `maxPid`. */
function observe(p: Pair, maxPid: number): readonly [unknown, unknown] {
  const procs = (f: (pid: number) => string | undefined): (string | undefined)[] =>
    Array.from({ length: maxPid + 1 }, (_, pid) => f(pid));
  return [
    { view: model.view(p.m), proc: procs((pid) => O.toUndefined(model.procSeccompFilter(p.m, pid))) },
    { view: p.k.view(), proc: procs((pid) => p.k.procSeccompFilter(pid)) },
  ];
}

/**
 * Run `cmds` on the model and on `kernel` (a fresh engine by default);
 * undefined when every observable agreed after every command, else a
 * description of the first difference.
 */
export function firstDifference(cmds: readonly Cmd[], kernel: EngineUnderTest = new Kernel()): string | undefined {
  const p: Pair = { m: model.initialMachine(), k: kernel };
  for (const [i, cmd] of cmds.entries()) {
    const [want, got] = step(p, cmd);
    if (!isDeepStrictEqual(want, got)) return `command ${i} ${show(cmd)}: model ${show(want)}, engine ${show(got)}`;
    const [mv, kv] = observe(p, p.m.nextPid);
    if (!isDeepStrictEqual(mv, kv)) return `after command ${i} ${show(cmd)}:\nmodel  ${show(mv)}\nengine ${show(kv)}`;
  }
  return undefined;
}
