/** What the strace scanner (strace.ts) gives for one line, and its errors. */
import { RawCall } from './call.ts';
import type { Abi } from '../x86/table.ts';
import type { TraceEnd, TraceSignal } from './types.ts';

/** What a scanned line holds: nothing to keep, an event (exit, signal), an ABI notice, a call, or the rest of an unfinished call. */
export const LINE_KIND = { SKIP: 0, EVENT: 1, ABI: 2, CALL: 3, RESUMED: 4 } as const;

/** Pid of lines without a pid column (a single traced process). */
export const UNPREFIXED = 0;

/** A line the scanner could not read: byte column in the line, message; `fatal` errors stop even --lenient. */
export class LineError {
  constructor(
    readonly column: number,
    readonly message: string,
    readonly fatal = false,
  ) {}
}

/** The scanner's output for one line, overwritten by the next (copy what you keep). */
export class Scanned {
  kind: number = LINE_KIND.SKIP;
  pid = 0;
  /** CALL: the call; RESUMED: the name, the arguments printed after `resumed>` and the result. */
  readonly call = new RawCall();
  /** EVENT: the event. */
  event: TraceEnd | TraceSignal | null = null;
  /** ABI: the mode strace announced for `pid`. */
  abi: Abi = 'x86_64';
  /** RESUMED: byte column of `<...`. */
  column = 0;
}

/** The message of a trace recorded with decoded arguments. */
export const DECODED =
  'decoded arguments: this trace was recorded without `-e raw=all`, so it shows names and strings where the kernel saw numbers; ' +
  'record it with `seccomp-spec record -o FILE -- CMD` (or `strace -f -e raw=all -o FILE CMD`)';

/** Where a decoded execve's path is placed in the replayed task's memory. */
export const EXEC_PATH_ADDR = 0x1000;
