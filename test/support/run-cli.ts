/** The CLI in the test's own process for `run` tests: `run` with the command's streams collected (runWithStreams), other commands through main. */
import type { Io } from '../../src/cli/io.ts';
import { processIo } from '../../src/cli/process-io.ts';
import { main } from '../../src/cli/main.ts';
import { runWithStreams } from '../../src/cli/commands/run.ts';

/** A finished command: its status and what it wrote. */
export interface Ran {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `seccomp-spec ARGS` with `input` as a run command's stdin. */
export async function cli(args: readonly string[], input = ''): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    ...processIo,
    out: (s) => void (stdout += s),
    err: (s) => void (stderr += s),
    outBytes: (b) => void (stdout += Buffer.from(b).toString('latin1')),
    errIsTty: false,
    outIsTty: false,
  };
  const status =
    args[0] === 'run' ? await runWithStreams(args.slice(1), io, { capture: true, input }) : await main(args, io);
  return { status, stdout, stderr };
}
