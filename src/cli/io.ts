/** The CLI's side effects behind one small interface, so commands are testable. */
import { closeSync, createReadStream, fstatSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

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
  /** Lines of stdin, for commands that serve a protocol (`adapter`); absent where there is no stdin. */
  readonly stdinLines?: () => AsyncIterable<string>;
}

/** An input opened for streaming: its chunks, and its size when known (a regular file). */
export interface ByteSource {
  readonly chunks: AsyncIterable<Uint8Array>;
  readonly size: number | null;
}

/** Bytes read at a time from a trace file. */
const CHUNK = 1 << 20;

/** Exit codes of every command: 0 success, 1 the input was judged bad (or a call was killed), 2 usage. */
export const EXIT = { OK: 0, FAIL: 1, USAGE: 2 } as const;

/** The process's real I/O. */
export const processIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  readFile: (path) => {
    try {
      return readFileSync(path === '-' ? 0 : path, 'latin1');
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  },
  openStream: (path) => {
    if (path === '-') return { chunks: process.stdin, size: null };
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
    try {
      const st = fstatSync(fd);
      if (st.isDirectory()) throw new Error(`EISDIR: illegal operation on a directory, read`);
      return { chunks: createReadStream(path, { fd, highWaterMark: CHUNK }), size: st.isFile() ? st.size : null };
    } catch (e) {
      closeSync(fd);
      return e instanceof Error ? e : new Error(String(e));
    }
  },
  errIsTty: process.stderr.isTTY === true,
  outBytes: (b) => process.stdout.write(b),
  outIsTty: process.stdout.isTTY === true,
  writeFile: (path, data) => {
    try {
      writeFileSync(path, data);
      return null;
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  },
  stdinLines: () => createInterface({ input: process.stdin, crlfDelay: Infinity }),
};

/** A command: argv after its name, the I/O, the exit code. */
export type Command = (argv: readonly string[], io: Io) => number | Promise<number>;

/** A command's entry in the CLI's table. */
export interface CommandSpec {
  readonly run: Command;
  /** One line for the top-level help. */
  readonly summary: string;
}
