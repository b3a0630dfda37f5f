/** The CLI's side effects behind one small interface, so commands are testable. */

/** What a command may do to the outside world. */
export interface Io {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** Read a file as text; a failure is an Error value, never a throw. */
  readonly readFile: (path: string) => string | Error;
  /** stderr is a terminal (progress lines go there only then). */
  readonly errIsTty: boolean;
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
