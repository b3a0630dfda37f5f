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
import { DECODED, EXEC_PATH_ADDR, ITEM, LineError, Scanned, UNPREFIXED } from './scanned.ts';

export { DECODED, EXEC_PATH_ADDR, ITEM, LineError, Scanned, UNPREFIXED } from './scanned.ts';

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

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isNameChar = (c: number): boolean => (c >= 97 && c <= 122) || isDigit(c) || c === 95;
/** Value of each byte as a hex digit, -1 for the others. */
const HEX = Int8Array.from({ length: 256 }, (_, c) =>
  c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1,
);
const hexDigit = (c: number): number =>
  c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;

interface CacheEntry {
  readonly bytes: Uint8Array;
  readonly r: ResolvedName | string;
}

/** Scans lines; keeps a cache of the names it met, per ABI. */
export class StraceScanner {
  readonly out = new Scanned();
  private b: Uint8Array = new Uint8Array(0);
  private i = 0;
  private e = 0;
  private s = 0;
  private readonly names: Record<Abi, Map<number, CacheEntry>> = { x86_64: new Map(), ia32: new Map() };

  /**
   * Scan bytes [start, end) of `buf`, line `line`; `abiOf` gives a pid's
   * ABI (strace's mode notices). Fills `out`, or throws a LineError.
   */
  scan(buf: Uint8Array, start: number, end: number, line: number, abiOf: (pid: number) => Abi): Scanned {
    this.b = buf;
    this.i = start;
    this.e = end;
    this.s = start;
    const o = this.out;
    o.kind = ITEM.SKIP;
    if (this.at(ATTACHED)) return o;
    this.spaces();
    let pid = UNPREFIXED;
    if (this.at(PID_PREFIX)) {
      this.i += 5;
      this.spaces();
      pid = this.digits();
      this.expect(93, "']'");
      this.spaces();
    } else if (isDigit(this.peek())) {
      const a = this.i;
      const n = this.digits();
      if (this.peek() === 32) {
        pid = n;
        this.spaces();
      } else this.i = a;
    }
    if (isDigit(this.peek())) {
      // -t, -tt, -ttt or -r timestamp.
      for (let c = this.peek(); isDigit(c) || c === 58 || c === 46; c = this.peek()) this.i++;
      this.expect(32, "' ' after the timestamp");
      this.spaces();
    }
    o.pid = pid;
    if (this.at(MODE)) {
      this.i += MODE.length;
      const target = this.digits();
      this.expectBytes(RUNS_IN, "' runs in '");
      const bits = this.digits();
      if (bits !== 32 && bits !== 64) this.fail('expected 32 or 64 bit mode');
      o.kind = ITEM.ABI;
      o.pid = target;
      o.abi = bits === 32 ? 'ia32' : 'x86_64';
      return o;
    }
    const c = o.call;
    c.ipKnown = false;
    let nrHint = -1;
    for (let k = 0; k < 2 && this.peek() === 91; k++) {
      if (!this.ip(c)) {
        // strace -n: `[ 257] openat(...)`.
        this.i++;
        this.spaces();
        nrHint = this.digits();
        this.expect(93, "']'");
      }
      this.spaces();
    }
    if (this.i >= this.e || this.atGlue()) this.fail('truncated line: expected a system call, signal or exit');
    return this.body(pid, nrHint, abiOf(pid), line);
  }

  private body(pid: number, nrHint: number, abi: Abi, line: number): Scanned {
    const o = this.out;
    const ch = this.peek();
    if (ch === 43) return this.end(pid, line);
    if (ch === 45 && this.at(SIGNAL)) {
      this.i += 4;
      const a = this.i;
      while (this.i < this.e && this.peek() !== 32) this.i++;
      o.kind = ITEM.EVENT;
      o.event = { kind: 'signal', line, pid, signal: latin1.decode(this.b.subarray(a, this.i)) };
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
    if (ch === 60) {
      o.column = this.i - this.s;
      this.expectBytes(OPEN_RESUME, "'<... NAME resumed>'");
      c.name = this.nameText();
      this.expectBytes(RESUMED, "' resumed>'");
      if (this.at(UNFINISHED)) this.i += UNFINISHED.length;
      this.args(c);
      this.result(c);
      o.kind = ITEM.RESUMED;
      return o;
    }
    const at = this.i;
    const r = this.resolve(abi, nrHint);
    if (typeof r === 'string') this.fail(r, at);
    c.nr = r.nr;
    c.name = r.name;
    this.expect(40, "'('");
    c.open = c.name === 'execve' && this.peek() === 34 ? this.decodedExecve(c) : this.args(c);
    if (!c.open) this.result(c);
    o.kind = ITEM.CALL;
    return o;
  }

  private end(pid: number, line: number): Scanned {
    this.expectBytes(enc('+++ '), "'+++ '");
    const o = this.out;
    const ev = (how: 'exited' | 'killed' | 'superseded', detail: string): Scanned => {
      o.kind = ITEM.EVENT;
      o.event = { kind: 'end', line, pid, how, detail };
      return o;
    };
    if (this.at(EXITED)) {
      this.i += EXITED.length;
      return ev('exited', String(this.digits()));
    }
    if (this.at(KILLED)) {
      this.i += KILLED.length;
      const a = this.i;
      while (this.i < this.e && this.peek() !== 32) this.i++;
      return ev('killed', latin1.decode(this.b.subarray(a, this.i)));
    }
    if (this.at(SUPERSEDED)) {
      this.i += SUPERSEDED.length;
      return ev('superseded', String(this.digits()));
    }
    return this.fail("expected 'exited with N', 'killed by SIG' or 'superseded by execve'");
  }

  /** Arguments up to `)` or ` <unfinished ...>` (or strace's own notice glued in); returns whether the call is unfinished. */
  private args(c: RawCall): boolean {
    if (this.peek() === 60 && this.at(RESUMING)) {
      // restart_syscall(<... resuming interrupted NAME ...>) takes no arguments.
      while (this.i < this.e && this.peek() !== 62) this.i++;
      this.expect(62, "'>'");
    }
    for (;;) {
      const ch = this.peek();
      if (ch === 41) {
        this.i++;
        return false;
      }
      if (ch === 32 && this.at(UNFINISHED)) return true;
      if (this.i >= this.e) this.fail("truncated line: expected ')' or ' <unfinished ...>'");
      if (ch === 115 && this.atGlue()) return true;
      if (ch === 44) {
        this.i++;
        this.spaces();
        continue;
      }
      if (c.nargs === 6) this.fail('more than 6 arguments');
      this.value(c.nargs + 1, c.h, 2 * c.nargs);
      c.nargs++;
    }
  }

  /** ` = RESULT` after the closing parenthesis; the errno name, flags and -T time after it are ignored. */
  private result(c: RawCall): void {
    this.spaces();
    this.expect(61, "' = RESULT'");
    this.expect(32, "' = RESULT'");
    if (this.peek() === 63) return;
    const neg = this.peek() === 45;
    if (neg) this.i++;
    const scratch = RESULT;
    const a = this.i;
    const big = this.value(0, scratch, 0);
    c.retKnown = true;
    if (big === null && scratch[1]! < 0x200000) {
      const v = scratch[0]! + scratch[1]! * TWO32;
      c.ret = neg ? -v : v;
      c.retBig = null;
    } else {
      const v = big ?? BigInt(latin1.decode(this.b.subarray(a, this.i)));
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
    const b = this.b;
    const e = this.e;
    const a = this.i;
    const hex = a + 1 < e && b[a] === 48 && b[a + 1] === 120;
    const from = hex ? a + 2 : a;
    let n = 0;
    let j = from;
    if (hex) {
      for (; j < e; j++) {
        const d = HEX[b[j]!]!;
        if (d < 0) break;
        n = n * 16 + d;
      }
    } else {
      for (; j < e; j++) {
        const d = b[j]! - 48;
        if (d < 0 || d > 9) break;
        n = n * 10 + d;
      }
    }
    if (j === from) this.failValue(hex, which, j);
    this.i = j;
    if (n < TWO32) {
      out[at] = n;
      out[at + 1] = 0;
      return null;
    }
    const what = which === 0 ? 'result' : `argument ${which}`;
    const digits = j - from;
    if (digits <= (hex ? 13 : 15)) {
      out[at] = n % TWO32;
      out[at + 1] = Math.floor(n / TWO32);
      return null;
    }
    if (hex) {
      let k = from;
      while (k < j - 16 && b[k] === 48) k++;
      if (j - k > 16) this.fail(`${what} does not fit in 64 bits`, a);
      out[at] = this.hexWord(Math.max(k, j - 8), j);
      out[at + 1] = this.hexWord(k, Math.max(k, j - 8));
      return null;
    }
    const v = BigInt(latin1.decode(b.subarray(from, j)));
    if (v > U64_MAX) this.fail(`${what} does not fit in 64 bits`, a);
    out[at] = Number(v & 0xffff_ffffn);
    out[at + 1] = Number(v >> 32n);
    return v;
  }

  private hexWord(from: number, to: number): number {
    let w = 0;
    for (let k = from; k < to; k++) w = w * 16 + hexDigit(this.b[k]!);
    return w;
  }

  /** Why there is no number here: decoded arguments (fatal, one clear error) or a malformed line. */
  private failValue(hex: boolean, which: number, at: number): never {
    const what = which === 0 ? 'result' : `argument ${which}`;
    if (hex) this.fail(`expected hex digits in ${what}`, at);
    const ch = this.b[at]!;
    if (ch === 34 || ch === 91 || ch === 123 || (ch >= 65 && ch <= 90 && this.upperWord(at)))
      throw new LineError(at - this.s, DECODED, true);
    this.fail(`expected a raw number as ${what} (record with strace -e raw=all)`, at);
  }

  /** `AT_FDCWD`, `O_RDONLY|O_CLOEXEC`, `NULL`: a constant's name as strace decodes it. */
  private upperWord(at: number): boolean {
    let k = at;
    while (k < this.e && ((this.b[k]! >= 65 && this.b[k]! <= 90) || isDigit(this.b[k]!) || this.b[k] === 95)) k++;
    return (
      k - at >= 2 && (k === this.e || this.b[k] === 44 || this.b[k] === 41 || this.b[k] === 124 || this.b[k] === 32)
    );
  }

  /**
   * `execve("/usr/bin/ls", ["ls", "-l"], 0x7ffd... /* 23 vars *\/)`, as
   * strace prints it without raw decoding for execve: the path is kept (it
   * names the task, C19); the other arguments are not numbers and read as 0.
   */
  private decodedExecve(c: RawCall): boolean {
    const path = readCString(this.b, this.i, this.e);
    if (typeof path === 'number') this.fail("truncated line: expected '\"'", path);
    c.path = path.text;
    c.argv = readArgv(this.b, path.end, this.e);
    c.nargs = 3;
    c.h.fill(0, 0, 6);
    c.h[0] = EXEC_PATH_ADDR;
    const rest = skipDecoded(this.b, path.end, this.e);
    if (typeof rest === 'number') this.fail("truncated line: expected ')' or ' <unfinished ...>'", rest);
    this.i = rest.end;
    return rest.open;
  }

  /** strace -i: `[00007f032ae45ad7] `, `[????????????????]` when unknown; false (nothing read) if this is not one. */
  private ip(c: RawCall): boolean {
    const from = this.i + 1;
    let j = from;
    let unknown = false;
    for (
      let ch = this.b[j]!;
      j < this.e && (hexDigit(ch) >= 0 || ch === 63) && !(ch >= 65 && ch <= 70);
      ch = this.b[++j]!
    )
      unknown ||= ch === 63;
    const n = j - from;
    if (n < 8 || n > 16 || j >= this.e || this.b[j] !== 93) return false;
    if (!unknown) {
      c.ipKnown = true;
      c.ipLo = this.hexWord(Math.max(from, j - 8), j);
      c.ipHi = this.hexWord(from, Math.max(from, j - 8));
    }
    this.i = j + 1;
    return true;
  }

  /** The call's name resolved for `abi` (memoised by its bytes; not with a -n number). */
  private resolve(abi: Abi, nrHint: number): ResolvedName | string {
    const a = this.i;
    let h = 0x811c9dc5;
    while (this.i < this.e && isNameChar(this.b[this.i]!)) h = Math.imul(h ^ this.b[this.i++]!, 16777619);
    if (a === this.i) this.fail('expected a system call name');
    if (nrHint >= 0) return resolveTraceName(abi, latin1.decode(this.b.subarray(a, this.i)), nrHint);
    const cache = this.names[abi];
    const hit = cache.get(h);
    if (hit !== undefined && hit.bytes.length === this.i - a) {
      let k = 0;
      while (k < hit.bytes.length && hit.bytes[k] === this.b[a + k]) k++;
      if (k === hit.bytes.length) return hit.r;
    }
    const bytes = this.b.slice(a, this.i);
    const r = resolveTraceName(abi, latin1.decode(bytes), null);
    if (hit === undefined && cache.size < 4096) cache.set(h, { bytes, r });
    return r;
  }

  private nameText(): string {
    const a = this.i;
    while (this.i < this.e && isNameChar(this.b[this.i]!)) this.i++;
    if (a === this.i) this.fail('expected a system call name');
    return latin1.decode(this.b.subarray(a, this.i));
  }

  private peek(): number {
    return this.i < this.e ? this.b[this.i]! : -1;
  }
  private at(text: Uint8Array): boolean {
    if (this.i + text.length > this.e) return false;
    for (let k = 0; k < text.length; k++) if (this.b[this.i + k] !== text[k]) return false;
    return true;
  }
  /** stderr output: strace's own "Process N attached" notice can land inside a line. */
  private atGlue(): boolean {
    return this.peek() === 115 && this.at(ATTACHED);
  }
  private spaces(): void {
    while (this.i < this.e && this.b[this.i] === 32) this.i++;
  }
  private digits(): number {
    const a = this.i;
    let n = 0;
    while (this.i < this.e && isDigit(this.b[this.i]!)) n = n * 10 + this.b[this.i++]! - 48;
    if (a === this.i) this.fail('expected a decimal number');
    return n;
  }
  private expect(ch: number, what: string): void {
    if (this.peek() !== ch) this.fail(this.i >= this.e ? `truncated line: expected ${what}` : `expected ${what}`);
    this.i++;
  }
  private expectBytes(text: Uint8Array, what: string): void {
    if (!this.at(text))
      this.fail(this.i >= this.e || this.atGlue() ? `truncated line: expected ${what}` : `expected ${what}`);
    this.i += text.length;
  }
  private fail(message: string, at = this.i): never {
    throw new LineError(at - this.s, message);
  }
}

const RESULT = new Uint32Array(2);
const SIGNAL = enc('--- ');
