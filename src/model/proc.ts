/** Observation (S8, S9.1): the /proc text and the whole-machine view the engine must agree with. */
import * as O from 'fp-ts/lib/Option.js';
import { syscallTable } from '../x86/table.ts';
import type { MachineView, SeccompView, TaskView } from '../x86/views.ts';
import type { Machine, Task } from './machine.ts';
import { filterText, type SeccompState } from './state.ts';

/** S4.1 a seccomp state as observed: entries in ascending nr. */
export const seccompView = (s: SeccompState): SeccompView => ({
  mode: s.mode,
  abi: s.abi,
  filters: [...s.filters].sort(([a], [b]) => a - b).map(([nr, f]) => ({ nr, text: filterText(f) })),
  pending: s.pending,
  ...(s.stack.length > 0 ? { stack: s.stack.length } : {}),
});

// S8/C23 the text of one task: header, then a SystemCall/Filter pair per entry in ascending nr.
const procText = (task: Task): string => {
  const s = seccompView(task.seccomp);
  const table = syscallTable(task.seccomp.abi ?? task.abi);
  const header = [`Filtering: ${s.mode === 2 && !s.pending ? 1 : 0}`, `FilterCount: ${s.filters.length}`];
  const entries = s.filters.flatMap((f) => [
    `SystemCall: ${f.nr} (${table.byNr(f.nr)?.sysName ?? 'sys_ni_syscall'})`,
    `Filter: ${f.text}`,
  ]);
  return [...header, ...entries].map((l) => `${l}\n`).join('');
};

/** S8 the text of /proc/<pid>/seccomp_filter, or none when no task has that pid. */
export const procSeccompFilter = (m: Machine, pid: number): O.Option<string> =>
  O.map(procText)(O.fromNullable(m.tasks.get(pid)));

const taskView = (t: Task): TaskView => ({
  pid: t.pid,
  tgid: t.tgid,
  comm: t.comm,
  abi: t.abi,
  regs: t.regs,
  seccomp: seccompView(t.seccomp),
  memory: [...t.memory].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
});

/** S9.1 everything observable: live tasks in ascending pid and the kernel log. */
export const view = (m: Machine): MachineView => ({
  tasks: [...m.tasks.values()].sort((a, b) => a.pid - b.pid).map(taskView),
  log: m.log,
});
