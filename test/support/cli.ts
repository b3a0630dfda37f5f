/** Runs the CLI's main() with a fake Io for tests: collected output, files from a table. */
import { main } from '../../src/cli/main.ts';
import type { Io } from '../../src/cli/io.ts';

/** What one CLI run did. */
export interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** Paths the command asked to read, in order. */
  readonly reads: readonly string[];
}

/**
 * Run `seccomp-spec ARGV`. `readFile` answers each path with text, or an
 * Error (ENOENT by default for paths it does not know).
 */
export async function runCli(
  argv: readonly string[],
  readFile: (path: string) => string | undefined,
  errIsTty = false,
): Promise<Run> {
  let out = '';
  let err = '';
  const reads: string[] = [];
  const io: Io = {
    out: (s) => void (out += s),
    err: (s) => void (err += s),
    readFile: (path) => {
      reads.push(path);
      return readFile(path) ?? new Error(`ENOENT: no such file or directory, open '${path}'`);
    },
    openStream: (path) => {
      reads.push(path);
      const text = readFile(path);
      if (text === undefined) return new Error(`ENOENT: no such file or directory, open '${path}'`);
      const bytes = Buffer.from(text, 'utf8');
      // Two chunks cut in the middle, so the commands meet a chunk boundary inside a line.
      const cut = bytes.length >> 1;
      return { chunks: (async function* () { yield bytes.subarray(0, cut); yield bytes.subarray(cut); })(), size: bytes.length };
    },
    errIsTty,
  };
  const code = await main(argv, io);
  return { code, out, err, reads };
}
