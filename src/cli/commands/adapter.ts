/**
 * `seccomp-spec adapter NAME`: serve the conformance protocol (spec/14)
 * on stdin and stdout for one of this project's implementations.
 */
import { ADAPTERS, serve } from '../../conform/index.ts';
import { EXIT, type Io } from '../io.ts';
import { parseCommand } from '../inputs.ts';

/** Help text of `adapter`. */
export const ADAPTER_HELP = `usage: seccomp-spec adapter NAME

Speak the conformance protocol (spec/14-conformance.md) on stdin and
stdout: one JSON request a line in, one JSON answer a line out, until the
end of input. NAME is one of:
${Object.entries(ADAPTERS)
  .map(([name, a]) => `  ${name.padEnd(8)}${a.summary}`)
  .join('\n')}
e.g. seccomp-spec conform --impl "seccomp-spec adapter engine"
Exit: 0 at the end of input, 2 on a usage error or an invalid request
(its message on stderr).
`;

/** Run `adapter`. */
export async function adapterCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = parseCommand(
    argv,
    { name: 'adapter', valued: [], booleans: [], positionals: [1, 1], help: ADAPTER_HELP },
    io,
  );
  if (typeof args === 'number') return args;
  const name = args.positionals[0]!;
  const adapter = ADAPTERS[name];
  if (adapter === undefined) {
    io.err(`unknown adapter '${name}' (valid: ${Object.keys(ADAPTERS).join(', ')})\n`);
    return EXIT.USAGE;
  }
  if (io.stdinLines === undefined) {
    io.err('adapter needs a standard input to read requests from\n');
    return EXIT.USAGE;
  }
  return serve(adapter.answer, io.stdinLines(), io.out, io.err, adapter.answerV2);
}
