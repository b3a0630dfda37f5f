/** The engine as a spec-example backend (S9.1): the one mutable Kernel is threaded through. */
import * as E from 'fp-ts/lib/Either.js';
import * as O from 'fp-ts/lib/Option.js';
import { Kernel } from '../kernel/index.ts';
import type { Backend } from './runner.ts';

/** Runs spec examples on the engine (a Kernel per example). */
export const engineBackend: Backend<Kernel> = {
  name: 'engine',
  initialMachine: (config) => new Kernel(config),
  spawn: (k, abi, comm) => [k, k.spawn(abi, comm)],
  writeMemory: (k, pid, addr, bytes) =>
    k.writeMemory(pid, addr, bytes) ? E.right(k) : E.left(`write refused at 0x${addr.toString(16)}`),
  readMemory: (k, pid, addr, len) =>
    O.map((b: Uint8Array): readonly number[] => [...b])(O.fromNullable(k.readMemory(pid, addr, len))),
  syscall: (k, pid, vector, regs) => ({ machine: k, outcome: k.syscall(pid, vector, regs) }),
  procSeccompFilter: (k, pid) => O.fromNullable(k.procSeccompFilter(pid)),
  view: (k) => k.view(),
  installRules: (k, pid, rs) => {
    const r = k.installRules(pid, rs);
    return r.ok ? E.right(k) : E.left(r.errno.number);
  },
};
