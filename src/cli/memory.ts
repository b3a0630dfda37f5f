/** Runs the CLI's main() with an in-memory Io: collected output, files from a table (the tests and the site use it). */
import { main } from './main.ts';
import type { Io } from './io.ts';

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
    errIsTty,
  };
  const code = await main(argv, io);
  return { code, out, err, reads };
}
