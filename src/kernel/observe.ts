/**
 * Observables of the simulated kernel: /proc/<pid>/seccomp_filter (S8,
 * C23) and the task view (S9.1).
 */
import { ABI_OF, NO_ABI, filterText, type SeccompState } from '../seccomp/index.ts';
import { syscallTable } from '../x86/table.ts';
import type { Regs } from '../x86/registers.ts';
import type { SeccompView, TaskView } from '../x86/views.ts';
import type { Task } from './task.ts';

/** S8, C23 the text of /proc/<pid>/seccomp_filter for `t`. */
export function procText(t: Task): string {
  const st = t.state;
  const lines = [`Filtering: ${st.mode === 2 && !t.pending ? 1 : 0}`, `FilterCount: ${st.filters.size}`];
  if (st.abi !== NO_ABI) {
    const table = syscallTable(ABI_OF[st.abi]!);
    for (const [nr, f] of st.filters) {
      lines.push(`SystemCall: ${nr} (${table.byNr(nr)?.sysName ?? 'sys_ni_syscall'})`, `Filter: ${filterText(f)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** S4.1 the observable seccomp state. */
export function seccompView(st: SeccompState, pending: boolean): SeccompView {
  return {
    mode: st.mode,
    abi: st.abi === NO_ABI ? null : ABI_OF[st.abi]!,
    filters: [...st.filters].map(([nr, f]) => ({ nr, text: filterText(f) })),
    pending,
    ...(st.layers.length > 0 ? { stack: st.layers.length } : {}),
  };
}

/** The observable task `t` of pid `pid`. */
export function taskView(pid: number, t: Task, regs: Regs): TaskView {
  return {
    pid,
    tgid: t.tgid,
    comm: t.comm,
    abi: ABI_OF[t.code]!,
    regs,
    seccomp: seccompView(t.state, t.pending),
    memory: t.mem.entries(),
  };
}
