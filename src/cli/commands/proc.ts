/**
 * `seccomp-spec proc POLICY [--abi x86_64|ia32]`: install a policy in a
 * fresh engine task and print its /proc/<pid>/seccomp_filter (S8).
 */
import { EXIT, type Io } from '../io.ts';
import { abiFlag, installedTask, parseCommand, policyOk, readInput, strictFlag } from '../inputs.ts';

/** Help text of `proc`. */
export const PROC_HELP = `usage: seccomp-spec proc POLICY [--abi x86_64|ia32] [--strict-2011]

Spawn a task of the ABI (default x86_64) in the engine, install POLICY with
prctl(PR_SET_SECCOMP, 2, text) and print /proc/<pid>/seccomp_filter (S8):
'Filtering: 0' while an 'on_next_syscall: 1' directive is pending, then one
SystemCall/Filter pair per entry, repeated names merged (S5.4).
Filters may name constants of the UAPI headers (O_CLOEXEC, AF_UNIX) and
argN for the N-th argument [ext]; --strict-2011 rejects both.
Exit: 0 installed, 1 the policy is invalid or the kernel refused it, 2 usage.
`;

/** Run `proc`. */
export function procCommand(argv: readonly string[], io: Io): number {
  const args = parseCommand(
    argv,
    { name: 'proc', valued: ['abi'], booleans: ['strict-2011'], positionals: [1, 1], help: PROC_HELP },
    io,
  );
  if (typeof args === 'number') return args;
  const abiArg = abiFlag(args, io);
  if (typeof abiArg === 'number') return abiArg;
  const abi = abiArg ?? 'x86_64';
  const file = args.positionals[0]!;
  const text = readInput(file, io);
  if (text === null) return EXIT.USAGE;
  if (!policyOk(file, text, abi, io, strictFlag(args))) return EXIT.FAIL;
  const task = installedTask(file, text, abi, 'proc', io);
  if (task === null) return EXIT.FAIL;
  io.out(task.kernel.procSeccompFilter(task.pid) ?? '');
  return EXIT.OK;
}
