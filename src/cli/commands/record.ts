/**
 * `seccomp-spec record [-o FILE] [--quiet] -- CMD [ARG...]`: run CMD under
 * strace with the options replay needs and write the trace, then read it
 * back through the trace pipeline (streaming) to say what it holds.
 */
import { spawn, spawnSync } from 'node:child_process';
import { Launcher, Generator } from '../../trace/index.ts';
import { nextStep, shellWord } from '../format.ts';
import { EXIT, type Io } from '../io.ts';
import { readTrace } from '../trace-input.ts';

/** Help text of `record`. */
export const RECORD_HELP = `usage: seccomp-spec record [-o FILE] [-q|--quiet] -- CMD [ARG...]

Run CMD under strace and write its trace to FILE (default: CMD's base name
with .strace, in the current folder; '-o -' writes it to stdout and sends
CMD's own stdout to stderr). strace runs with the options replay and
generate need: -f (follow forks, clones and threads) and -e raw=!execve
(every argument as the raw number the kernel sees, except execve's, whose
path names the program in kill logs). strace must be installed
(apt-get install strace). Then the trace is read back, as a stream, and
the 'generate' command to run next is printed on stderr (not with -q).
Exit: 0 recorded (CMD's own exit status is noted on stderr), 1 strace is
missing or failed, or the trace does not read back, 2 usage.
`;

/** The strace options of a recording (T14): follow forks; raw arguments, but execve's path decoded. */
export const STRACE_OPTIONS: readonly string[] = ['-f', '-e', 'raw=!execve'];

/** What strace's absence looks like, and what to do. */
export const NO_STRACE =
  "strace is not installed; install it with `apt-get install strace` (Debian, Ubuntu) or your system's package manager";

interface RecordArgs {
  readonly out: string | null;
  readonly quiet: boolean;
  readonly cmd: readonly string[];
}

/** `-o FILE`, `--output FILE`, `--output=FILE`, `--quiet`, then `--` and the command; or a usage message. */
function parseRecord(argv: readonly string[]): RecordArgs | string {
  let out: string | null = null;
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return { out, quiet, cmd: argv.slice(i + 1) };
    if (a === '-o' || a === '--output') {
      const v = argv[++i];
      if (v === undefined) return `option ${a} needs a value`;
      out = v;
    } else if (a.startsWith('--output=')) out = a.slice(9);
    else if (a === '--quiet' || a === '-q') quiet = true;
    else if (a.startsWith('-')) return `unknown option ${a} (valid: -o FILE, --output FILE, -q/--quiet, -h/--help)`;
    else return { out, quiet, cmd: argv.slice(i) };
  }
  return { out, quiet, cmd: [] };
}

/** Run `record`. */
export async function recordCommand(argv: readonly string[], io: Io): Promise<number> {
  // -h and --help before `--` (after it they are CMD's own).
  const end = argv.indexOf('--') < 0 ? argv.length : argv.indexOf('--');
  if (argv.slice(0, end).some((a) => a === '--help' || a === '-h')) {
    io.out(RECORD_HELP);
    return EXIT.OK;
  }
  const args = parseRecord(argv);
  if (typeof args === 'string' || args.cmd.length === 0) {
    io.err(`${typeof args === 'string' ? args : 'record needs a command to run, after --'}\n${RECORD_HELP}`);
    return EXIT.USAGE;
  }
  const probe = spawnSync('strace', ['-V'], { stdio: 'ignore' });
  if (probe.error !== undefined) {
    io.err(`record: ${NO_STRACE}\n`);
    return EXIT.FAIL;
  }
  const cmd = args.cmd[0]!;
  const file = args.out ?? `${cmd.slice(cmd.lastIndexOf('/') + 1) || 'trace'}.strace`;
  const toStdout = file === '-';
  // With -o -, strace pipes the trace to `cat`, which writes it to fd 3, our stdout (a socket
  // or pipe cannot be reopened by path), and the program's stdout goes to our stderr.
  const child = spawn('strace', [...STRACE_OPTIONS, '-o', toStdout ? '|cat >&3' : file, '--', ...args.cmd], {
    stdio: toStdout ? ['inherit', process.stderr, 'inherit', process.stdout] : 'inherit',
  });
  const status = await new Promise<number | string>((resolve) => {
    child.on('error', (e) => resolve(e.message));
    child.on('close', (code, signal) => resolve(code ?? `killed by ${signal ?? 'a signal'}`));
  });
  if (typeof status === 'string') {
    io.err(`record: strace ${status}\n`);
    return EXIT.FAIL;
  }
  if (toStdout) return status === 0 ? EXIT.OK : EXIT.FAIL;
  // strace exits with the program's status; its own failures (no such program, ptrace refused) leave no trace.
  const read = await readTrace(
    { file, abi: 'x86_64', lenient: false, quiet: args.quiet, label: 'record' },
    new Launcher(new Generator({ args: [], source: file }), undefined),
    io,
  );
  if (typeof read === 'number') {
    io.err(`record: strace exited with status ${status}; the trace in ${file} does not read back\n`);
    return EXIT.FAIL;
  }
  io.err(
    `record: ${file}: ${read.lines} lines, ${read.calls} calls${status === 0 ? '' : `; ${cmd} exited with status ${status}`}\n`,
  );
  // The policy beside the trace, named after it: ls.strace gives ls.policy.
  const policy = `${file.endsWith('.strace') ? file.slice(0, -'.strace'.length) : file}.policy`;
  if (!args.quiet) io.err(nextStep(['seccomp-spec', 'generate', shellWord(file), '>', shellWord(policy)]));
  return EXIT.OK;
}
