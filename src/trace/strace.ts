/**
 * Stage 2 of the trace pipeline: a byte-level scanner for one line of
 * `strace -f -e raw=all` output (optionally with -t/-tt/-ttt/-r
 * timestamps, -n numbers, -i addresses, -T times, -o FILE's pid column or
 * stderr's `[pid N]` prefix). No regular expression, string split or
 * BigInt on the hot path: arguments go into uint32 halves as they are read.
 */
import type { Abi } from '../x86/table.ts';
import type { RawCall } from './call.ts';
import { readArgv, readCString, skipDecoded } from './decoded.ts';
import { resolveTraceName, type ResolvedName } from './names.ts';
import { DECODED, EXEC_PATH_ADDR, LINE_KIND, LineError, Scanned, UNPREFIXED } from './scanned.ts';

// The bytes the scanner looks for, by name. Local consts, not imports: V8
// folds a module's own const, while an imported binding is a load on every use.
const [SKIP, EVENT, ABI, CALL, RESUMED_LINE, NO_PID] = [
  LINE_KIND.SKIP,
  LINE_KIND.EVENT,
  LINE_KIND.ABI,
  LINE_KIND.CALL,
  LINE_KIND.RESUMED,
  UNPREFIXED,
];
const CHAR_LOWER_F = 102;
const CHAR_CLOSE_BRACKET = 93;
const CHAR_CLOSE_PAREN = 41;
const CHAR_COLON = 58;
const CHAR_COMMA = 44;
const CHAR_DIGIT_0 = 48;
const CHAR_DIGIT_9 = 57;
const CHAR_DOT = 46;
const CHAR_DOUBLE_QUOTE = 34;
const CHAR_EQUALS = 61;
const CHAR_GREATER_THAN = 62;
const CHAR_LESS_THAN = 60;
const CHAR_LOWER_A = 97;
const CHAR_LOWER_S = 115;
const CHAR_LOWER_X = 120;
const CHAR_LOWER_Z = 122;
const CHAR_MINUS = 45;
const CHAR_OPEN_BRACE = 123;
const CHAR_OPEN_BRACKET = 91;
const CHAR_OPEN_PAREN = 40;
const CHAR_PIPE = 124;
const CHAR_PLUS = 43;
const CHAR_QUESTION_MARK = 63;
const CHAR_SPACE = 32;
const CHAR_UNDERSCORE = 95;
const CHAR_UPPER_A = 65;
const CHAR_UPPER_F = 70;
const CHAR_UPPER_Z = 90;

/** The value of a hex digit byte, -1 for any other byte (or none). */
const hexDigit = (c: number | undefined): number =>
  c === undefined
    ? -1
    : c >= CHAR_DIGIT_0 && c <= CHAR_DIGIT_9
      ? c - CHAR_DIGIT_0
      : c >= CHAR_LOWER_A && c <= CHAR_LOWER_F
        ? c - CHAR_LOWER_A + 10
        : c >= CHAR_UPPER_A && c <= CHAR_UPPER_F
          ? c - CHAR_UPPER_A + 10
          : -1;

export { DECODED, EXEC_PATH_ADDR, LINE_KIND, LineError, Scanned, UNPREFIXED } from './scanned.ts';

const U64_MAX = (1n << 64n) - 1n;
const TWO32 = 0x1_0000_0000;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const UNFINISHED = enc(' <unfinished ...>');
const ATTACHED = enc('strace: Process ');
const RESUMING = enc('<... resuming');
const PID_PREFIX = enc('[pid ');
const MODE = enc('[ Process PID=');
const RUNS_IN = enc(' runs in ');
const RESUMED = enc(' resumed>');
const OPEN_RESUME = enc('<... ');
const EXITED = enc('exited with ');
const KILLED = enc('killed by ');
const SUPERSEDED = enc('superseded by execve in pid ');
const latin1 = new TextDecoder('latin1');

const isDigit = (c: number): boolean => c >= CHAR_DIGIT_0 && c <= CHAR_DIGIT_9;
const isNameChar = (c: number): boolean =>
  (c >= CHAR_LOWER_A && c <= CHAR_LOWER_Z) || isDigit(c) || c === CHAR_UNDERSCORE;
/** Value of each byte as a hex digit, -1 for the others. */
const HEX = Int8Array.from({ length: 256 }, (_, c) => hexDigit(c));
/** Value of each pair of bytes (first byte high) as two hex digits, -1 unless both are. */
const HEX2 = Int16Array.from({ length: 65536 }, (_, p) => {
  const h = HEX[p >>> 8]!;
  const l = HEX[p & 255]!;
  return h < 0 || l < 0 ? -1 : h * 16 + l;
});

/** The name cache has 2^CACHE_BITS slots per ABI. */
const CACHE_BITS = 12;

interface CacheEntry {
  readonly bytes: Uint8Array;
  readonly r: ResolvedName | string;
}

/** Scans lines; keeps a cache of the names it met, per ABI. */
export class StraceScanner {
  readonly out = new Scanned();
  /** The buffer being scanned. */
  private buf: Uint8Array = new Uint8Array(0);
  /** The scan position in `buf`. */
  private pos = 0;
  /** Where the line ends in `buf` (exclusive). */
  private lineEnd = 0;
  /** Where the line starts in `buf`: error columns count from here. */
  private lineStart = 0;
  private readonly names64: (CacheEntry | undefined)[] = new Array<CacheEntry | undefined>(1 << CACHE_BITS).fill(
    undefined,
  );
  private readonly names32: (CacheEntry | undefined)[] = new Array<CacheEntry | undefined>(1 << CACHE_BITS).fill(
    undefined,
  );

  /**
   * Scan bytes [start, end) of `buf`, line `line`; `abiOf` gives a pid's
   * ABI (strace's mode notices). Fills `out`, or throws a LineError.
   */
  scan(buf: Uint8Array, start: number, end: number, line: number, abiOf: (pid: number) => Abi): Scanned {
    this.buf = buf;
    this.pos = start;
    this.lineEnd = end;
    this.lineStart = start;
    const o = this.out;
    o.kind = SKIP;
    // Each fixed text is tried only where its first byte is.
    if (buf[start] === CHAR_LOWER_S && this.at(ATTACHED)) return o;
    this.spaces();
    let pid = NO_PID;
    if (this.peek() === CHAR_OPEN_BRACKET && this.at(PID_PREFIX)) {
      this.pos += 5;
      this.spaces();
      pid = this.digits();
      this.expect(CHAR_CLOSE_BRACKET, "']'");
      this.spaces();
    } else if (isDigit(this.peek())) {
      const a = this.pos;
      const n = this.digits();
      if (this.peek() === CHAR_SPACE) {
        pid = n;
        this.spaces();
      } else this.pos = a;
    }
    if (isDigit(this.peek())) {
      // -t, -tt, -ttt or -r timestamp.
      for (let c = this.peek(); isDigit(c) || c === CHAR_COLON || c === CHAR_DOT; c = this.peek()) this.pos++;
      this.expect(CHAR_SPACE, "' ' after the timestamp");
      this.spaces();
    }
    o.pid = pid;
    if (this.peek() === CHAR_OPEN_BRACKET && this.at(MODE)) {
      this.pos += MODE.length;
      const target = this.digits();
      this.expectBytes(RUNS_IN, "' runs in '");
      const bits = this.digits();
      if (bits !== 32 && bits !== 64) this.fail('expected 32 or 64 bit mode');
      o.kind = ABI;
      o.pid = target;
      o.abi = bits === 32 ? 'ia32' : 'x86_64';
      return o;
    }
    const c = o.call;
    c.ipKnown = false;
    let nrHint = -1;
    for (let k = 0; k < 2 && this.peek() === CHAR_OPEN_BRACKET; k++) {
      if (!this.ip(c)) {
        // strace -n: `[ 257] openat(...)`.
        this.pos++;
        this.spaces();
        nrHint = this.digits();
        this.expect(CHAR_CLOSE_BRACKET, "']'");
      }
      this.spaces();
    }
    if (this.pos >= this.lineEnd || this.atGlue()) this.fail('truncated line: expected a system call, signal or exit');
    return this.body(pid, nrHint, abiOf(pid), line);
  }

  private body(pid: number, nrHint: number, abi: Abi, line: number): Scanned {
    const o = this.out;
    const ch = this.peek();
    if (ch === CHAR_PLUS) return this.endEvent(pid, line);
    if (ch === CHAR_MINUS && this.at(SIGNAL)) {
      this.pos += 4;
      const a = this.pos;
      while (this.pos < this.lineEnd && this.peek() !== CHAR_SPACE) this.pos++;
      o.kind = EVENT;
      o.event = { kind: 'signal', line, pid, signal: latin1.decode(this.buf.subarray(a, this.pos)) };
      return o;
    }
    const c = o.call;
    c.line = line;
    c.pid = pid;
    c.abi = abi;
    c.nargs = 0;
    c.retKnown = false;
    c.retBig = null;
    c.path = null;
    c.argv = null;
    if (ch === CHAR_LESS_THAN) {
      o.column = this.pos - this.lineStart;
      this.expectBytes(OPEN_RESUME, "'<... NAME resumed>'");
      c.name = this.nameText();
      this.expectBytes(RESUMED, "' resumed>'");
      if (this.at(UNFINISHED)) this.pos += UNFINISHED.length;
      this.args(c);
      this.result(c);
      o.kind = RESUMED_LINE;
      return o;
    }
    const at = this.pos;
    const r = this.resolve(abi, nrHint);
    if (typeof r === 'string') this.fail(r, at);
    c.nr = r.nr;
    c.name = r.name;
    this.expect(CHAR_OPEN_PAREN, "'('");
    c.open = c.name === 'execve' && this.peek() === CHAR_DOUBLE_QUOTE ? this.decodedExecve(c) : this.args(c);
    if (!c.open) this.result(c);
    o.kind = CALL;
    return o;
  }

  private endEvent(pid: number, line: number): Scanned {
    this.expectBytes(enc('+++ '), "'+++ '");
    const o = this.out;
    const ev = (how: 'exited' | 'killed' | 'superseded', detail: string): Scanned => {
      o.kind = EVENT;
      o.event = { kind: 'end', line, pid, how, detail };
      return o;
    };
    if (this.at(EXITED)) {
      this.pos += EXITED.length;
      return ev('exited', String(this.digits()));
    }
    if (this.at(KILLED)) {
      this.pos += KILLED.length;
      const a = this.pos;
      while (this.pos < this.lineEnd && this.peek() !== CHAR_SPACE) this.pos++;
      return ev('killed', latin1.decode(this.buf.subarray(a, this.pos)));
    }
    if (this.at(SUPERSEDED)) {
      this.pos += SUPERSEDED.length;
      return ev('superseded', String(this.digits()));
    }
    return this.fail("expected 'exited with N', 'killed by SIG' or 'superseded by execve'");
  }

  /** Arguments up to `)` or ` <unfinished ...>` (or strace's own notice glued in); returns whether the call is unfinished. */
  private args(c: RawCall): boolean {
    if (this.peek() === CHAR_LESS_THAN && this.at(RESUMING)) {
      // restart_syscall(<... resuming interrupted NAME ...>) takes no arguments.
      while (this.pos < this.lineEnd && this.peek() !== CHAR_GREATER_THAN) this.pos++;
      this.expect(CHAR_GREATER_THAN, "'>'");
    }
    const buf = this.buf;
    const end = this.lineEnd;
    const halves = c.halves;
    let nargs = c.nargs;
    for (;;) {
      let p = this.pos;
      const ch = p < end ? buf[p]! : -1;
      if (ch === CHAR_CLOSE_PAREN) {
        this.pos = p + 1;
        c.nargs = nargs;
        return false;
      }
      if (ch === CHAR_COMMA) {
        p++;
        while (p < end && buf[p] === CHAR_SPACE) p++;
        this.pos = p;
        continue;
      }
      c.nargs = nargs;
      if (ch === CHAR_SPACE && this.at(UNFINISHED)) return true;
      if (p >= end) this.fail("truncated line: expected ')' or ' <unfinished ...>'");
      if (ch === CHAR_LOWER_S && this.atGlue()) return true;
      if (nargs === 6) this.fail('more than 6 arguments');
      this.value(nargs + 1, halves, 2 * nargs);
      nargs++;
    }
  }

  /** ` = RESULT` after the closing parenthesis; the errno name, flags and -T time after it are ignored. */
  private result(c: RawCall): void {
    this.spaces();
    this.expect(CHAR_EQUALS, "' = RESULT'");
    this.expect(CHAR_SPACE, "' = RESULT'");
    if (this.peek() === CHAR_QUESTION_MARK) return;
    const neg = this.peek() === CHAR_MINUS;
    if (neg) this.pos++;
    const scratch = RESULT;
    const a = this.pos;
    const big = this.value(0, scratch, 0);
    c.retKnown = true;
    if (big === null && scratch[1]! < 0x200000) {
      const v = scratch[0]! + scratch[1]! * TWO32;
      c.ret = neg ? -v : v;
      c.retBig = null;
    } else {
      const v = big ?? BigInt(latin1.decode(this.buf.subarray(a, this.pos)));
      c.retBig = neg ? -v : v;
    }
  }

  /**
   * A raw value, `0x` hex or decimal as raw=all prints every argument, into
   * `out[at]` (low half) and `out[at + 1]`; returns the value as a bigint
   * only when a decimal value needed one to be read, else null. `which`:
   * the argument's number, 0 for the result.
   */
  private value(which: number, out: Uint32Array, at: number): bigint | null {
    const buf = this.buf;
    const end = this.lineEnd;
    const a = this.pos;
    let j = a;
    if (a + 1 < end && buf[a] === CHAR_DIGIT_0 && buf[a + 1] === CHAR_LOWER_X) {
      // Hex straight into the halves, in 32-bit integer steps: the last 16 digits are kept.
      j = a + 2;
      let lo = 0;
      let hi = 0;
      // Two digits a step while there are two, then one.
      for (; j + 1 < end; j += 2) {
        const v = HEX2[(buf[j]! << 8) | buf[j + 1]!]!;
        if (v < 0) break;
        hi = (hi << 8) | (lo >>> 24);
        lo = (lo << 8) | v;
      }
      if (j < end) {
        const d = HEX[buf[j]!]!;
        if (d >= 0) {
          hi = (hi << 4) | (lo >>> 28);
          lo = (lo << 4) | d;
          j++;
        }
      }
      if (j === a + 2) this.failValue(true, which, j);
      this.pos = j;
      if (j - a - 2 > 16) {
        let k = a + 2;
        while (k < j - 16 && buf[k] === CHAR_DIGIT_0) k++;
        if (j - k > 16) this.fail(`${which === 0 ? 'result' : `argument ${which}`} does not fit in 64 bits`, a);
      }
      out[at] = lo;
      out[at + 1] = hi;
      return null;
    }
    let n = 0;
    for (; j < end; j++) {
      const d = buf[j]! - CHAR_DIGIT_0;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (j === a) this.failValue(false, which, j);
    this.pos = j;
    if (n < TWO32) {
      out[at] = n;
      out[at + 1] = 0;
      return null;
    }
    if (j - a <= 15) {
      // Exact: below 2^53.
      const hi = Math.floor(n / TWO32);
      out[at] = n - hi * TWO32;
      out[at + 1] = hi;
      return null;
    }
    const v = BigInt(latin1.decode(buf.subarray(a, j)));
    if (v > U64_MAX) this.fail(`${which === 0 ? 'result' : `argument ${which}`} does not fit in 64 bits`, a);
    out[at] = Number(v & 0xffff_ffffn);
    out[at + 1] = Number(v >> 32n);
    return v;
  }

  private hexWord(from: number, to: number): number {
    let w = 0;
    for (let k = from; k < to; k++) w = w * 16 + hexDigit(this.buf[k]!);
    return w;
  }

  /** Why there is no number here: decoded arguments (fatal, one clear error) or a malformed line. */
  private failValue(hex: boolean, which: number, at: number): never {
    const what = which === 0 ? 'result' : `argument ${which}`;
    if (hex) this.fail(`expected hex digits in ${what}`, at);
    const ch = this.buf[at]!;
    if (
      ch === CHAR_DOUBLE_QUOTE ||
      ch === CHAR_OPEN_BRACKET ||
      ch === CHAR_OPEN_BRACE ||
      (ch >= CHAR_UPPER_A && ch <= CHAR_UPPER_Z && this.upperWord(at))
    )
      throw new LineError(at - this.lineStart, DECODED, true);
    this.fail(`expected a raw number as ${what} (record with strace -e raw=all)`, at);
  }

  /** `AT_FDCWD`, `O_RDONLY|O_CLOEXEC`, `NULL`: a constant's name as strace decodes it. */
  private upperWord(at: number): boolean {
    let k = at;
    while (
      k < this.lineEnd &&
      ((this.buf[k]! >= CHAR_UPPER_A && this.buf[k]! <= CHAR_UPPER_Z) ||
        isDigit(this.buf[k]!) ||
        this.buf[k] === CHAR_UNDERSCORE)
    )
      k++;
    return (
      k - at >= 2 &&
      (k === this.lineEnd ||
        this.buf[k] === CHAR_COMMA ||
        this.buf[k] === CHAR_CLOSE_PAREN ||
        this.buf[k] === CHAR_PIPE ||
        this.buf[k] === CHAR_SPACE)
    );
  }

  /**
   * `execve("/usr/bin/ls", ["ls", "-l"], 0x7ffd... /* 23 vars *\/)`, as
   * strace prints it without raw decoding for execve: the path is kept (it
   * names the task, C19); the other arguments are not numbers and read as 0.
   */
  private decodedExecve(c: RawCall): boolean {
    const path = readCString(this.buf, this.pos, this.lineEnd);
    if (typeof path === 'number') this.fail("truncated line: expected '\"'", path);
    c.path = path.text;
    c.argv = readArgv(this.buf, path.end, this.lineEnd);
    c.nargs = 3;
    c.halves.fill(0, 0, 6);
    c.halves[0] = EXEC_PATH_ADDR;
    const rest = skipDecoded(this.buf, path.end, this.lineEnd);
    if (typeof rest === 'number') this.fail("truncated line: expected ')' or ' <unfinished ...>'", rest);
    this.pos = rest.end;
    return rest.open;
  }

  /** strace -i: `[00007f032ae45ad7] `, `[????????????????]` when unknown; false (nothing read) if this is not one. */
  private ip(c: RawCall): boolean {
    const from = this.pos + 1;
    let j = from;
    let unknown = false;
    for (
      let ch = this.buf[j]!;
      j < this.lineEnd &&
      (hexDigit(ch) >= 0 || ch === CHAR_QUESTION_MARK) &&
      !(ch >= CHAR_UPPER_A && ch <= CHAR_UPPER_F);
      ch = this.buf[++j]!
    )
      unknown ||= ch === CHAR_QUESTION_MARK;
    const n = j - from;
    if (n < 8 || n > 16 || j >= this.lineEnd || this.buf[j] !== CHAR_CLOSE_BRACKET) return false;
    if (!unknown) {
      c.ipKnown = true;
      c.ipLo = this.hexWord(Math.max(from, j - 8), j);
      c.ipHi = this.hexWord(from, Math.max(from, j - 8));
    }
    this.pos = j + 1;
    return true;
  }

  /** The call's name resolved for `abi` (memoised by its bytes; not with a -n number). */
  private resolve(abi: Abi, nrHint: number): ResolvedName | string {
    const buf = this.buf;
    const end = this.lineEnd;
    const a = this.pos;
    let j = a;
    let hash = 0x811c9dc5; // FNV-1a of the name's bytes
    for (; j < end; j++) {
      const ch = buf[j]!;
      if (!isNameChar(ch)) break;
      hash = Math.imul(hash ^ ch, 16777619);
    }
    this.pos = j;
    if (a === j) this.fail('expected a system call name');
    if (nrHint >= 0) return resolveTraceName(abi, latin1.decode(buf.subarray(a, j)), nrHint);
    // A direct-mapped cache: a name whose slot is taken is resolved each time.
    const cache = abi === 'x86_64' ? this.names64 : this.names32;
    const slot = hash >>> (32 - CACHE_BITS);
    const hit = cache[slot];
    if (hit !== undefined) {
      const bytes = hit.bytes;
      if (bytes.length === j - a) {
        let k = 0;
        while (k < bytes.length && bytes[k] === buf[a + k]) k++;
        if (k === bytes.length) return hit.r;
      }
    }
    const bytes = buf.slice(a, j);
    const r = resolveTraceName(abi, latin1.decode(bytes), null);
    if (hit === undefined) cache[slot] = { bytes, r };
    return r;
  }

  private nameText(): string {
    const a = this.pos;
    while (this.pos < this.lineEnd && isNameChar(this.buf[this.pos]!)) this.pos++;
    if (a === this.pos) this.fail('expected a system call name');
    return latin1.decode(this.buf.subarray(a, this.pos));
  }

  private peek(): number {
    return this.pos < this.lineEnd ? this.buf[this.pos]! : -1;
  }
  private at(text: Uint8Array): boolean {
    if (this.pos + text.length > this.lineEnd) return false;
    for (let k = 0; k < text.length; k++) if (this.buf[this.pos + k] !== text[k]) return false;
    return true;
  }
  /** stderr output: strace's own "Process N attached" notice can land inside a line. */
  private atGlue(): boolean {
    return this.peek() === CHAR_LOWER_S && this.at(ATTACHED);
  }
  private spaces(): void {
    // Locals, not fields, in the loop: strace pads ` = RESULT` to a column, so this runs over many spaces.
    const buf = this.buf;
    const end = this.lineEnd;
    let p = this.pos;
    while (p < end && buf[p] === CHAR_SPACE) p++;
    this.pos = p;
  }
  private digits(): number {
    const buf = this.buf;
    const end = this.lineEnd;
    const a = this.pos;
    let p = a;
    let n = 0;
    for (; p < end; p++) {
      const d = buf[p]! - CHAR_DIGIT_0;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    this.pos = p;
    if (a === p) this.fail('expected a decimal number');
    return n;
  }
  private expect(ch: number, what: string): void {
    if (this.peek() !== ch)
      this.fail(this.pos >= this.lineEnd ? `truncated line: expected ${what}` : `expected ${what}`);
    this.pos++;
  }
  private expectBytes(text: Uint8Array, what: string): void {
    if (!this.at(text))
      this.fail(this.pos >= this.lineEnd || this.atGlue() ? `truncated line: expected ${what}` : `expected ${what}`);
    this.pos += text.length;
  }
  private fail(message: string, at = this.pos): never {
    throw new LineError(at - this.lineStart, message);
  }
}

const RESULT = new Uint32Array(2);
const SIGNAL = enc('--- ');
