/** The model as a spec-example backend: its host API is the Backend interface itself. */
import * as model from '../model/index.ts';
import type { Backend } from './runner.ts';

/** Runs spec examples on the executable model (src/model). */
export const modelBackend: Backend<model.Machine> = {
  name: 'model',
  initialMachine: model.initialMachine,
  spawn: model.spawn,
  writeMemory: model.writeMemory,
  readMemory: model.readMemory,
  syscall: (m, pid, vector, regs) => model.syscall(m, pid, vector, regs),
  procSeccompFilter: model.procSeccompFilter,
  view: model.view,
  installRules: model.installRules,
};
