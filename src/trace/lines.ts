/**
 * Stage 1 of the trace pipeline: bytes to lines. Chunks of any size, cut
 * anywhere (inside a multi-byte UTF-8 character, between `\r` and `\n`),
 * give the same lines as the whole input; a line is handed on as a view
 * of bytes, so no string is made for it. Memory: the longest line.
 */

/** Longest line kept whole; the rest of a longer line is dropped and the line reported as too long. */
export const MAX_LINE = 1 << 20;

/** What receives lines: bytes [start, end) of `buf` without `\n` or a final `\r`; `line` counts from 1. */
export interface LineSink {
  /** One line; `overlong` when it passed MAX_LINE bytes (only its first MAX_LINE bytes are given). Returns false to stop. */
  line(buf: Uint8Array, start: number, end: number, line: number, overlong: boolean): boolean;
}

/** Splits a byte stream into lines for a LineSink. */
export class LineSplitter {
  /** Lines handed on so far. */
  lines = 0;
  /** Bytes pushed so far. */
  bytes = 0;
  private carry = new Uint8Array(4096);
  private carried = 0;
  private overlong = false;
  private stopped = false;

  constructor(private readonly sink: LineSink) {}

  /** Feed the next chunk; false once the sink asked to stop. */
  push(chunk: Uint8Array): boolean {
    if (this.stopped) return false;
    this.bytes += chunk.length;
    let start = 0;
    if (this.carried > 0 || this.overlong) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.keep(chunk, 0, chunk.length);
        return true;
      }
      this.keep(chunk, 0, nl);
      if (!this.emit(this.carry, 0, this.carried, this.overlong)) return false;
      this.carried = 0;
      this.overlong = false;
      start = nl + 1;
    }
    start = this.split(chunk, start);
    if (start < 0) return false;
    if (start < chunk.length) this.keep(chunk, start, chunk.length);
    return true;
  }

  /**
   * The whole lines of `chunk` from `start`; where the rest begins, or -1
   * once the sink asked to stop. A method of its own: V8 compiles this loop
   * while it runs (on-stack replacement), and code after the loop that had
   * not run yet made that code bail out at the end of every chunk.
   */
  private split(chunk: Uint8Array, start: number): number {
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) return start;
      if (nl - start > MAX_LINE) {
        if (!this.emit(chunk, start, start + MAX_LINE, true)) return -1;
      } else if (!this.emit(chunk, start, nl, false)) return -1;
      start = nl + 1;
    }
  }

  /** The input ended: a last line without `\n` is a line too. */
  end(): boolean {
    if (this.stopped) return false;
    if (this.carried > 0 || this.overlong) return this.emit(this.carry, 0, this.carried, this.overlong);
    return true;
  }

  private keep(chunk: Uint8Array, from: number, to: number): void {
    let n = to - from;
    if (this.carried + n > MAX_LINE) {
      this.overlong = true;
      n = MAX_LINE - this.carried;
    }
    if (n <= 0) return;
    if (this.carried + n > this.carry.length) {
      const grown = new Uint8Array(Math.min(MAX_LINE, Math.max(this.carry.length * 2, this.carried + n)));
      grown.set(this.carry.subarray(0, this.carried));
      this.carry = grown;
    }
    this.carry.set(chunk.subarray(from, from + n), this.carried);
    this.carried += n;
  }

  private emit(buf: Uint8Array, start: number, end: number, overlong: boolean): boolean {
    const e = !overlong && end > start && buf[end - 1] === 13 ? end - 1 : end;
    this.lines++;
    if (this.sink.line(buf, start, e, this.lines, overlong)) return true;
    this.stopped = true;
    return false;
  }
}

const decoder = new TextDecoder('utf-8');

/** The text of a line's bytes (UTF-8, bad bytes as U+FFFD), for error messages. */
export const lineText = (buf: Uint8Array, start: number, end: number): string =>
  decoder.decode(buf.subarray(start, end));

/** The column in lineText of byte offset `at` of a line starting at `start`. */
export const textColumn = (buf: Uint8Array, start: number, at: number): number =>
  decoder.decode(buf.subarray(start, at)).length;
