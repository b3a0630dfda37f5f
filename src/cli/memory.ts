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
  /** Bytes written to stdout as binary. */
  readonly bytes: Uint8Array;
  /** Files the command wrote, by path. */
  readonly written: ReadonlyMap<string, string | Uint8Array>;
}

/** The terminal flags of a run, and the paths whose writing fails. */
export interface FakeTerminal {
  readonly errIsTty?: boolean;
  readonly outIsTty?: boolean;
  readonly unwritable?: readonly string[];
}

/**
 * Run `seccomp-spec ARGV`. `readFile` answers each path with text or bytes
 * (a raw BPF program), or an Error (ENOENT by default for paths it does not know); `terminal` says
 * which streams are terminals (a boolean: stderr alone) and which writes fail.
 */
export async function runCli(
  argv: readonly string[],
  readFile: (path: string) => string | Uint8Array | undefined,
  terminal: boolean | FakeTerminal = false,
): Promise<Run> {
  const term: FakeTerminal = typeof terminal === 'boolean' ? { errIsTty: terminal } : terminal;
  let out = '';
  let err = '';
  let bytes = new Uint8Array(0);
  const written = new Map<string, string | Uint8Array>();
  const reads: string[] = [];
  const io: Io = {
    out: (s) => void (out += s),
    err: (s) => void (err += s),
    readFile: (path) => {
      reads.push(path);
      const got = readFile(path);
      if (got instanceof Uint8Array) return new TextDecoder('latin1').decode(got);
      return got ?? new Error(`ENOENT: no such file or directory, open '${path}'`);
    },
    errIsTty: term.errIsTty ?? false,
    outBytes: (b) => void (bytes = new Uint8Array([...bytes, ...b])),
    outIsTty: term.outIsTty ?? false,
    writeFile: (path, data) => {
      if (term.unwritable?.includes(path) === true) return new Error(`EACCES: permission denied, open '${path}'`);
      written.set(path, data);
      return null;
    },
    openStream: (path) => {
      reads.push(path);
      const text = readFile(path);
      if (text === undefined) return new Error(`ENOENT: no such file or directory, open '${path}'`);
      const bytes = text instanceof Uint8Array ? text : new TextEncoder().encode(text);
      // Two chunks cut in the middle, so the commands meet a chunk boundary inside a line.
      const cut = bytes.length >> 1;
      return {
        chunks: (async function* () {
          yield bytes.subarray(0, cut);
          yield bytes.subarray(cut);
        })(),
        size: bytes.length,
      };
    },
  };
  const code = await main(argv, io);
  return { code, out, err, reads, bytes, written };
}
