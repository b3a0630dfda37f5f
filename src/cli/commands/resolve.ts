/**
 * `seccomp-spec resolve NAME|NR [--abi x86_64|ia32] [--json]`: what
 * scmp_sys_resolver answers, and more: the number, the `sys_` entry name,
 * the argument names and C types, for one ABI or both (S1).
 */
import { suggestNames, syscallTable, ABIS, type Abi, type SyscallInfo } from '../../x86/table.ts';
import { EXIT, type Io } from '../io.ts';
import { abiFlag, parseCommand } from '../inputs.ts';

/** Help text of `resolve`. */
export const RESOLVE_HELP = `usage: seccomp-spec resolve NAME|NR [--abi x86_64|ia32] [--json]

Look a system call up in the tables a policy's names resolve against (S1.3):
its number, unistd name, sys_ entry name, and arguments with their C types,
for --abi or for both ABIs, e.g.
  seccomp-spec resolve stat        x86_64 4 and ia32 106, both sys_newstat
  seccomp-spec resolve 4 --abi ia32
NAME is a unistd name or a sys_<entry> name; NR is decimal or 0x-hex. A
number inside the table that no call uses is sys_ni_syscall. An unknown
name gets the nearest names.
Exit: 0 resolved (for at least one ABI), 1 unknown everywhere asked, 2 usage.
`;

/** One ABI's answer. */
type Answer =
  | { readonly abi: Abi; readonly nr: number; readonly call: SyscallInfo | undefined }
  | { readonly abi: Abi; readonly nr: null; readonly problem: string; readonly suggestions: readonly string[] };

function lookUp(query: string, abi: Abi): Answer {
  const table = syscallTable(abi);
  const nr = table.resolve(query);
  if (nr !== undefined) return { abi, nr, call: table.byNr(nr) };
  if (/^(?:0x[0-9a-fA-F]+|[0-9]+)$/.test(query)) {
    return {
      abi,
      nr: null,
      problem: `${query} is outside the ${abi} table (0 to ${table.nrSyscalls - 1})`,
      suggestions: [],
    };
  }
  const near = suggestNames(abi, query);
  const hint = near.length > 0 ? `; did you mean ${near.map((n) => `'${n}'`).join(', ')}?` : '';
  return { abi, nr: null, problem: `unknown system call '${query.slice(0, 64)}' for ${abi}${hint}`, suggestions: near };
}

/** `const char *filename`, `unsigned int fd`: an argument as C declares it. */
const declaration = (a: { readonly name: string; readonly type: string }): string =>
  a.type.endsWith('*') ? `${a.type}${a.name}` : `${a.type} ${a.name}`;

function text(answers: readonly Answer[]): string {
  const width = Math.max(...answers.map((a) => (a.nr === null ? 0 : String(a.nr).length)));
  return answers
    .map((a) => {
      if (a.nr === null) return `${a.abi.padEnd(6)}  ${a.problem}\n`;
      const nr = String(a.nr).padStart(width);
      if (a.call === undefined) return `${a.abi.padEnd(6)}  ${nr}  (no call: sys_ni_syscall, which returns -ENOSYS)\n`;
      return `${a.abi.padEnd(6)}  ${nr}  ${a.call.name}  ${a.call.sysName}(${a.call.args.map(declaration).join(', ')})\n`;
    })
    .join('');
}

const json = (query: string, answers: readonly Answer[]): string =>
  `${JSON.stringify({
    query,
    results: answers.map((a) =>
      a.nr === null
        ? { abi: a.abi, nr: null, error: a.problem, suggestions: a.suggestions }
        : {
            abi: a.abi,
            nr: a.nr,
            name: a.call?.name ?? null,
            entry: a.call?.sysName ?? 'sys_ni_syscall',
            args: a.call?.args ?? [],
          },
    ),
  })}\n`;

/** Run `resolve`. */
export function resolveCommand(argv: readonly string[], io: Io): number {
  const args = parseCommand(
    argv,
    { name: 'resolve', valued: ['abi'], booleans: ['json'], positionals: [1, 1], help: RESOLVE_HELP },
    io,
  );
  if (typeof args === 'number') return args;
  const abi = abiFlag(args, io);
  if (typeof abi === 'number') return abi;
  const query = args.positionals[0]!;
  const answers = (abi === undefined ? ABIS : [abi]).map((a) => lookUp(query, a));
  const found = answers.some((a) => a.nr !== null);
  if (args.flags['json'] === true) io.out(json(query, answers));
  else (found ? io.out : io.err)(text(answers));
  return found ? EXIT.OK : EXIT.FAIL;
}
