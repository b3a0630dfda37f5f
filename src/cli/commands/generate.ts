/**
 * `seccomp-spec generate TRACE [--args NAME,...] [--args-pointers] [--abi x86_64|ia32] [--lenient] [--quiet]`:
 * print the smallest policy under which replaying TRACE kills nothing. The trace streams.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { formatAction, isActionError, type Action } from '../../action/index.ts';
import { Generator, Launcher, type Generated } from '../../trace/index.ts';
import { parseActionFlag } from '../action-flag.ts';
import { decodeFlag } from '../args.ts';
import { plural } from '../format.ts';
import { EXIT, type Io } from '../io.ts';
import { abiFlag, parseCommand } from '../inputs.ts';
import { readTrace } from '../trace-input.ts';

/**
 * How a dialect other than 2011 writes a generated policy, with the
 * default action `--default` gave (undefined: the dialect's own default):
 * the dialects register here by name. The 2011 language
 * has no default (every call without an entry is killed), so it has none.
 */
export type DefaultWriter = (g: Generated, dflt: Action | undefined) => string;

/** Writers of generated policies with a default action, by dialect name (`--dialect`). */
export const DEFAULT_WRITERS = new Map<string, DefaultWriter>();

/** Help text of `generate`. */
export const GENERATE_HELP = `usage: seccomp-spec generate TRACE [--args NAME,...] [--args-pointers] [--abi x86_64|ia32] [--lenient] [--quiet]
                             [--dialect 2011] [--default ACTION]

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
fails when they are more than 1% of the lines.
--default ACTION (errno:EPERM, errno:1, trap, log, kill-process, ...) writes
the answer for every call the policy does not list, in a --dialect that has
a default; the 2011 language (the default dialect) has none: it kills them.
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
      valued: ['abi', 'args', 'dialect', 'default'],
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
  const dialect = typeof args.flags['dialect'] === 'string' ? args.flags['dialect'] : '2011';
  const writer = DEFAULT_WRITERS.get(dialect);
  if (dialect !== '2011' && writer === undefined) {
    io.err(`unknown --dialect '${dialect.slice(0, 40)}' (valid: ${['2011', ...DEFAULT_WRITERS.keys()].join(', ')})\n`);
    return EXIT.USAGE;
  }
  let dflt: Action | undefined;
  const rawDefault = args.flags['default'];
  if (rawDefault !== undefined) {
    const a = parseActionFlag(String(rawDefault));
    if (isActionError(a)) {
      io.err(`invalid --default: ${a.message}\n`);
      return EXIT.USAGE;
    }
    if (writer === undefined) {
      io.err(
        `--default ${formatAction(a)}: the ${dialect} dialect has no default action (every call without an entry is killed); ` +
          `dialects with one: ${[...DEFAULT_WRITERS.keys()].join(', ') || 'none in this build'}\n`,
      );
      return EXIT.USAGE;
    }
    dflt = a;
  }
  const file = args.positionals[0]!;
  const gen = new Generator({
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
  io.out(writer === undefined ? g.text : writer(g, dflt));
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
  return EXIT.OK;
}
