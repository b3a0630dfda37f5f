/**
 * The model's calls per second on the benchmark mix, through its own
 * syscall function.
 */
import * as model from '../src/model/index.ts';
import type { Mix } from './workload.ts';
import { MIX_SIZE, POLICY } from './workload.ts';

const REGS = ['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'] as const;

/** Calls per CPU second and per wall-clock second of src/model on `mix` (about one second of calls). */
export function measureModel(mix: Mix): { readonly cpu: number; readonly wall: number } {
  const [m0, pid] = model.spawn(model.initialMachine(), 'x86_64', 'daemon');
  const text = [...`${POLICY}\0`].map((c) => c.charCodeAt(0));
  const written = model.writeMemory(m0, pid, 0x7ff0_0000n, text);
  if (written._tag === 'Left') throw new Error(written.left);
  let m = model.syscall(written.right, pid, 'syscall', { rax: 157n, rdi: 22n, rsi: 2n, rdx: 0x7ff0_0000n }).machine;
  const regs = Array.from({ length: MIX_SIZE }, (_, j) => {
    const r: Record<string, bigint> = { rax: BigInt(mix.nrs[j]!) };
    REGS.forEach(
      (name, i) => (r[name] = (BigInt(mix.args[j * 12 + 2 * i + 1]!) << 32n) | BigInt(mix.args[j * 12 + 2 * i]!)),
    );
    return r;
  });
  let calls = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < 1000) {
    const j = calls % MIX_SIZE;
    if (mix.denied[j] === 1) {
      const forked = model.syscall(m, pid, 'syscall', { rax: 57n });
      m = forked.machine;
      const child = Number((forked.outcome as { rax: bigint }).rax);
      m = model.syscall(m, child, 'syscall', regs[j]!).machine;
    } else m = model.syscall(m, pid, 'syscall', regs[j]!).machine;
    calls++;
  }
  const wall = calls / ((performance.now() - t0) / 1000);
  const c = process.cpuUsage(c0);
  return { cpu: calls / ((c.user + c.system) / 1e6), wall };
}
