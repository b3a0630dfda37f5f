/** The seccomp-spec command line: dispatch to one command per verb. */
import { check } from './commands/check.ts';
import { evalCommand } from './commands/eval.ts';
import { generateCommand } from './commands/generate.ts';
import { procCommand } from './commands/proc.ts';
import { replayCommand } from './commands/replay.ts';
import { EXIT, type CommandSpec, type Io } from './io.ts';

/** Every command, by verb. New commands register here. */
export const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  check: { run: check, summary: 'parse and resolve a policy text' },
  replay: { run: replayCommand, summary: 'replay an strace or JSON-lines trace under a policy; explain each kill' },
  eval: { run: evalCommand, summary: 'decide one system call under a policy and explain why' },
  generate: { run: generateCommand, summary: 'generate the smallest policy that lets a traced program run' },
  proc: { run: procCommand, summary: 'print /proc/<pid>/seccomp_filter after installing a policy' },
};

const usage = (): string =>
  `usage: seccomp-spec COMMAND [ARGS...]   (seccomp-spec COMMAND --help for details)\n\ncommands:\n${Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`)
    .join('\n')}\n\nexit codes: 0 success, 1 the policy or trace was judged bad (or a call would be killed), 2 usage error\n`;

/** Run the CLI with `argv` (without node and script) on `io` (processIo for the real process); resolves to the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    (verb === undefined ? io.err : io.out)(usage());
    return verb === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const cmd = COMMANDS[verb];
  if (cmd === undefined) {
    io.err(`unknown command '${verb}'\n${usage()}`);
    return EXIT.USAGE;
  }
  return cmd.run(rest, io);
}
