/** The CLI's side effects behind one small interface, so commands are testable. */

/** What a command may do to the outside world. */
export interface Io {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** Read a file as text; a failure is an Error value, never a throw. */
  readonly readFile: (path: string) => string | Error;
  /** Open a file (or `-`, stdin) for reading as a stream of bytes; a failure is an Error value. */
  readonly openStream: (path: string) => ByteSource | Error;
  /** stderr is a terminal (progress lines go there only then). */
  readonly errIsTty: boolean;
  /** Write bytes to stdout (binary output, e.g. a raw BPF program). */
  readonly outBytes: (b: Uint8Array) => void;
  /** stdout is a terminal (binary output is refused there). */
  readonly outIsTty: boolean;
  /** Write a file; a failure is an Error value, never a throw. */
  readonly writeFile: (path: string, data: string | Uint8Array) => Error | null;
  /** The path of the regular file stdout writes to (`> FILE`), else null; absent where that cannot be known. */
  readonly outPath?: () => string | null;
  /** Lines of stdin, for commands that serve a protocol (`adapter`); absent where there is no stdin. */
  readonly stdinLines?: () => AsyncIterable<string>;
}

/** An input opened for streaming: its chunks, and its size when known (a regular file). */
export interface ByteSource {
  readonly chunks: AsyncIterable<Uint8Array>;
  readonly size: number | null;
}

/** Exit codes of every command: 0 success, 1 the input was judged bad (or a call was killed), 2 usage. */
export const EXIT = { OK: 0, FAIL: 1, USAGE: 2 } as const;

/** A command: argv after its name, the I/O, the exit code. */
export type Command = (argv: readonly string[], io: Io) => number | Promise<number>;

/** A command's entry in the CLI's table. */
export interface CommandSpec {
  readonly run: Command;
  /** One line for the top-level help. */
  readonly summary: string;
}
