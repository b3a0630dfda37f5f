/**
 * `seccomp-spec generate TRACE [--args NAME,...] [--args-pointers] [--abi x86_64|ia32] [--lenient] [-q|--quiet]`:
 * print the smallest policy under which replaying TRACE kills nothing. The trace streams.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { formatAction, isActionError, type Action } from '../../action/index.ts';
import { mjAction } from '../../minijail/index.ts';
import { Generator, Launcher } from '../../trace/index.ts';
import { parseActionFlag } from '../action-flag.ts';
import { decodeFlag } from '../args.ts';
import { dialectFlag } from '../dialect.ts';
import { nextStep, plural, shellWord } from '../format.ts';
import { EXIT, type Io } from '../io.ts';
import { abiFlag, parseCommand } from '../inputs.ts';
import { readTrace } from '../trace-input.ts';

/**
 * How a dialect that has a default action writes it into a generated
 * policy (`--default`): given the policy text, the text with the default;
 * given null, only whether the dialect can say `dflt` (a string says why
 * not). The 2011 language has no default (every call without an entry is
 * killed), so it has no writer; a dialect registers its own by name.
 */
export type DefaultWriter = (text: string | null, dflt: Action) => { readonly text: string } | string;

/** Writers of a default action into generated policies, by dialect name (`--dialect`). */
export const DEFAULT_WRITERS = new Map<string, DefaultWriter>([
  [
    'minijail',
    (text, dflt) => {
      // M3 minijail's @default takes the kills, trap and user-notify (without data).
      const spelled = ['kill', 'kill-process', 'kill-thread', 'trap', 'user-notif'].includes(dflt.kind)
        ? mjAction(dflt)
        : undefined;
      if (spelled === undefined)
        return "minijail's @default takes kill-process, kill-thread, trap or user-notify (errno answers are per call)";
      return { text: text === null ? '' : `${text.replace(/\n?$/, '\n')}@default ${spelled}\n` };
    },
  ],
]);

/** Help text of `generate`. */
export const GENERATE_HELP = `usage: seccomp-spec generate TRACE [--args NAME,...] [--args-pointers] [--abi x86_64|ia32] [--dialect 2011|minijail] [--frequency FILE] [--lenient] [-q|--quiet]
                             [--default ACTION]

Print the smallest policy that lets the traced program run: one entry per
system call the policy would check when replayed (every call after the
root's first execve, which the launcher's 'on_next_syscall: 1' lets through),
'1' by default. --args fd,flags constrains those arguments of every call
that has them to the values seen ('fd == 1 || fd == 2'); when the values do
not fit one filter (255 characters, 32 terms) that argument is left free and
a comment says so. A pointer argument (buf, filename) is left free with a
warning, since addresses change from run to run; --args-pointers constrains
it anyway. Notes and warnings go to stderr. The trace is read as a stream (a
terminal shows progress, not with --quiet); --lenient skips bad lines and
fails when they are more than 1% of the lines. Last, on stderr, the 'run'
command that runs the traced program under a 2011 policy (not with -q).
--dialect minijail writes a minijail policy (spec/17-minijail.md): argN
atoms, an '||' of '&&' clauses (at most 32) over the values seen.
--frequency FILE writes the trace's counts of each call to FILE in
minijail's frequency format ('name: count'), which a minijail policy names
with @frequency (the generated one does) and 'bpf --frequency' reads.
--default ACTION (errno:EPERM, errno:1, trap, kill-process, ...) writes the
answer for every call the policy does not list, in a dialect that has a
default: minijail's @default takes kill-process, kill-thread, trap or
user-notif; the 2011 language has none (it kills every call without an
entry).
Exit: 0 policy printed, 1 the trace makes calls no policy of the ABI can
allow (other ABI, or a number out of range), is malformed or has no system
call, 2 usage.
`;

/** `fd,flags`: comma-separated argument names. */
const ArgNames = t.refinement(
  t.string,
  (s) => /^(?:[a-z_][a-z0-9_]*(?:,[a-z_][a-z0-9_]*)*)?$/.test(s),
  'comma-separated argument names (e.g. fd,flags)',
);

/** Run `generate`. */
export async function generateCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = parseCommand(
    argv,
    {
      name: 'generate',
      valued: ['abi', 'args', 'dialect', 'frequency', 'default'],
      booleans: ['lenient', 'quiet', 'args-pointers'],
      positionals: [1, 1],
      help: GENERATE_HELP,
    },
    io,
  );
  if (typeof args === 'number') return args;
  const abiArg = abiFlag(args, io);
  if (typeof abiArg === 'number') return abiArg;
  const names = decodeFlag(ArgNames, 'args', args.flags['args'] ?? '');
  if (isLeft(names)) {
    io.err(`${names.left}\n`);
    return EXIT.USAGE;
  }
  const dialect = dialectFlag(args, io);
  if (typeof dialect === 'number') return dialect;
  if (dialect === 'oci') {
    io.err('generate writes 2011 or minijail policies (--dialect 2011|minijail)\n');
    return EXIT.USAGE;
  }
  const writer = DEFAULT_WRITERS.get(dialect ?? '2011');
  let dflt: Action | undefined;
  const rawDefault = args.flags['default'];
  if (rawDefault !== undefined) {
    const a = parseActionFlag(String(rawDefault));
    if (isActionError(a)) {
      io.err(`invalid --default: ${a.message}\n`);
      return EXIT.USAGE;
    }
    const refused =
      writer === undefined
        ? `the ${dialect ?? '2011'} dialect has no default action (every call without an entry is killed)`
        : writer(null, a);
    if (typeof refused === 'string') {
      io.err(
        `--default ${formatAction(a)}: ${refused}; dialects with a default: ${[...DEFAULT_WRITERS.keys()].join(', ')}\n`,
      );
      return EXIT.USAGE;
    }
    dflt = a;
  }
  const freqFile = args.flags['frequency'];
  const file = args.positionals[0]!;
  const gen = new Generator({
    dialect: dialect ?? '2011',
    ...(typeof freqFile === 'string' && dialect === 'minijail'
      ? { frequencyFile: freqFile.slice(freqFile.lastIndexOf('/') + 1) }
      : {}),
    ...(abiArg === undefined ? {} : { abi: abiArg }),
    args: names.right === '' ? [] : names.right.split(','),
    source: file,
    pointers: args.flags['args-pointers'] === true,
  });
  const input = {
    file,
    abi: abiArg ?? 'x86_64',
    lenient: args.flags['lenient'] === true,
    quiet: args.flags['quiet'] === true,
    label: 'generate',
  } as const;
  const read = await readTrace(input, new Launcher(gen, abiArg), io);
  if (typeof read === 'number') return read;
  const g = gen.result();
  if (g.tooBig) {
    io.err(`${file}: the generated policy is over the 64 KiB prctl reads (S5.2); constrain fewer arguments (--args)\n`);
    return EXIT.FAIL;
  }
  if (typeof freqFile === 'string') {
    const e = io.writeFile(freqFile, `# Counts of ${file} (${g.abi}), by seccomp-spec generate\n${g.frequencies}`);
    if (e !== null) {
      io.err(`${freqFile}: cannot write: ${e.message}\n`);
      return EXIT.USAGE;
    }
  }
  const withDefault = writer === undefined || dflt === undefined ? g.text : writer(g.text, dflt);
  io.out(typeof withDefault === 'string' ? withDefault : withDefault.text);
  for (const n of g.notes) io.err(`note: ${n}\n`);
  for (const w of g.warnings) io.err(`warning: ${w}\n`);
  const first = g.unallowable[0];
  if (first !== undefined) {
    io.err(
      `${file}:${first.line}: ${plural(g.unallowableCount, 'call')} no ${g.abi} policy can allow ` +
        `(first: ${first.name}, nr ${first.nr}, ${first.abi}; S6.4 kills calls of another ABI or out of range)\n`,
    );
    return EXIT.FAIL;
  }
  // run takes 2011 policies: a minijail one gets no hint.
  if (!input.quiet && (dialect ?? '2011') === '2011') io.err(runHint(g.command, io.outPath?.() ?? null));
  return EXIT.OK;
}

/** The `run` command that uses this policy on the traced command (T4: run appends the launcher's directive, as replay does). */
function runHint(command: readonly string[] | null, policy: string | null): string {
  const cmd = command === null || command.length === 0 ? ['CMD', '[ARG...]'] : command.map(shellWord);
  return nextStep(
    ['seccomp-spec', 'run', policy === null ? 'POLICY' : shellWord(policy), '--', ...cmd],
    policy === null ? '   (POLICY: the file this output is saved in)' : '',
  );
}
