/** The seccomp-spec command line: dispatch to one command per verb. */
import { EXIT, type CommandSpec, type Io } from './io.ts';
import { VERSION } from './version.ts';

/**
 * Every command loads its modules when it runs, not before: `--version`
 * and `help` load none of them, and `check` never pays for the trace
 * pipeline, the BPF compiler or the simulated kernel (the CLI's start is
 * measured in `npm run bench`). The commands that start processes (strace,
 * the C helper, an implementation under test) also cannot run in a
 * browser (the site's playground), where the rest of the CLI does.
 */
const checkCommand: CommandSpec['run'] = async (argv, io) => (await import('./commands/check.ts')).check(argv, io);
const replayCommand: CommandSpec['run'] = async (argv, io) =>
  (await import('./commands/replay.ts')).replayCommand(argv, io);
const evalCommand: CommandSpec['run'] = async (argv, io) => (await import('./commands/eval.ts')).evalCommand(argv, io);
const generateCommand: CommandSpec['run'] = async (argv, io) =>
  (await import('./commands/generate.ts')).generateCommand(argv, io);
const procCommand: CommandSpec['run'] = async (argv, io) => (await import('./commands/proc.ts')).procCommand(argv, io);
const bpfCommand: CommandSpec['run'] = async (argv, io) => (await import('./commands/bpf.ts')).bpfCommand(argv, io);
const convertCommand: CommandSpec['run'] = async (argv, io) =>
  (await import('./commands/convert.ts')).convertCommand(argv, io);
const resolveCommand: CommandSpec['run'] = async (argv, io) =>
  (await import('./commands/resolve.ts')).resolveCommand(argv, io);
const conformCommand: CommandSpec['run'] = async (argv, io) =>
  (await import('./commands/conform.ts')).conformCommand(argv, io);
const adapterCommand: CommandSpec['run'] = async (argv, io) =>
  (await import('./commands/adapter.ts')).adapterCommand(argv, io);
const recordCommand: CommandSpec['run'] = async (argv, io) =>
  (await import('./commands/record.ts')).recordCommand(argv, io);
const runCommand: CommandSpec['run'] = async (argv, io) => (await import('./commands/run.ts')).runCommand(argv, io);
// The proof commands load z3 (WebAssembly), so they too load on first use.
const verifyCommand: CommandSpec['run'] = async (argv, io) =>
  (await import('./commands/verify.ts')).verifyCommand(argv, io);
const diffCommand: CommandSpec['run'] = async (argv, io) => (await import('./commands/diff.ts')).diffCommand(argv, io);

/** Every command, by verb. New commands register here. */
export const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  check: { run: checkCommand, summary: 'parse and resolve a policy text' },
  convert: {
    run: convertCommand,
    summary: 'write a policy in another dialect (2011, minijail), or say what cannot be',
  },
  replay: { run: replayCommand, summary: 'replay an strace or JSON-lines trace under a policy; explain each kill' },
  eval: { run: evalCommand, summary: 'decide one system call under a policy and explain why' },
  generate: { run: generateCommand, summary: 'generate the smallest policy that lets a traced program run' },
  proc: { run: procCommand, summary: 'print /proc/<pid>/seccomp_filter after installing a policy' },
  conform: {
    run: conformCommand,
    summary: 'check an implementation of the conformance protocol against the corpus and the model',
  },
  adapter: {
    run: adapterCommand,
    summary: 'speak the conformance protocol for the model, the engine, the BPF compiler or Linux',
  },
  bpf: {
    run: bpfCommand,
    summary: "compile a policy to a seccomp BPF program for today's Linux (raw, C, JSON, disassembly)",
  },
  record: { run: recordCommand, summary: 'run a command under strace and write the trace replay and generate need' },
  resolve: {
    run: resolveCommand,
    summary: 'look up a system call: number, sys_ entry name, arguments and C types, per ABI',
  },
  run: { run: runCommand, summary: 'run a real command under a policy on Linux; name each denied call and why' },
  verify: {
    run: verifyCommand,
    summary: 'prove a raw BPF program decides every call as a policy does, or show a confirmed counterexample',
  },
  diff: { run: diffCommand, summary: 'where two policies answer differently, each with a confirmed witness call' },
};

const usage = (): string =>
  `usage: seccomp-spec COMMAND [ARGS...]   (seccomp-spec help COMMAND, or COMMAND --help, for details)\n       seccomp-spec --version\n\ncommands:\n${Object.entries(
    COMMANDS,
  )
    .map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`)
    .join(
      '\n',
    )}\n\nexit codes: 0 success, 1 the policy or trace was judged bad (or a call would be killed), 2 usage error\n`;

/** `unknown command 'x'` with the nearest command names, and the usage. */
function unknownCommand(verb: string, io: Io): number {
  const near = Object.keys(COMMANDS).filter((c) => c.startsWith(verb.slice(0, 2)) || verb.startsWith(c.slice(0, 3)));
  io.err(
    `unknown command '${verb}'${near.length > 0 ? `; did you mean ${near.map((c) => `'${c}'`).join(', ')}?` : ''}\n${usage()}`,
  );
  return EXIT.USAGE;
}

/** Run the CLI with `argv` (without node and script) on `io` (processIo for the real process); resolves to the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === '--version' || verb === '-V') {
    io.out(`seccomp-spec ${VERSION}\n`);
    return EXIT.OK;
  }
  // `help CMD` is `CMD --help`.
  if (verb === 'help' && rest.length > 0) {
    const cmd = COMMANDS[rest[0]!];
    return cmd === undefined ? unknownCommand(rest[0]!, io) : cmd.run(['--help'], io);
  }
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    (verb === undefined ? io.err : io.out)(usage());
    return verb === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const cmd = COMMANDS[verb];
  return cmd === undefined ? unknownCommand(verb, io) : cmd.run(rest, io);
}
