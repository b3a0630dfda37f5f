/**
 * A hand-written scanner for `strace -f -e raw=all` output (optionally with
 * -t/-tt/-ttt/-r timestamps, -n numbers, -i addresses, -T times, -o FILE's pid column or
 * stderr's `[pid N]` prefix). Linear in the input, no regular expressions
 * on the hot path, so a million lines parse in about a second.
 */
import type { Abi } from '../x86/table.ts';
import { resolveTraceName, type ResolvedName } from './names.ts';
import type { Trace, TraceError, TraceOptions, TraceResult } from './types.ts';
import { Linker, UNPREFIXED, type LineItem, type OpenCall } from './link.ts';

const U64_MAX = (1n << 64n) - 1n;
const UNFINISHED = ' <unfinished ...>';
const ATTACHED = 'strace: Process ';

class LineError {
  constructor(
    readonly column: number,
    readonly message: string,
  ) {}
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isNameChar = (c: number): boolean => (c >= 97 && c <= 122) || isDigit(c) || c === 95;

/** Scanner state for one line. */
class Line {
  i = 0;
  constructor(readonly s: string) {}

  peek(): number {
    return this.s.charCodeAt(this.i);
  }
  at(text: string): boolean {
    return this.s.startsWith(text, this.i);
  }
  spaces(): void {
    while (this.s.charCodeAt(this.i) === 32) this.i++;
  }
  expect(text: string, what: string): void {
    if (!this.at(text)) this.fail(this.i >= this.s.length ? `truncated line: expected ${what}` : `expected ${what}`);
    this.i += text.length;
  }
  fail(message: string, column = this.i): never {
    throw new LineError(column, message);
  }
  digits(): number {
    const a = this.i;
    while (isDigit(this.peek())) this.i++;
    if (a === this.i) this.fail('expected a decimal number');
    return Number(this.s.slice(a, this.i));
  }
  /** A raw value: `0x` hex or decimal, as strace's raw=all prints every argument. */
  value(what: string): bigint {
    const s = this.s;
    const a = this.i;
    const hex = s.charCodeAt(a) === 48 && s.charCodeAt(a + 1) === 120;
    const from = hex ? a + 2 : a;
    const base = hex ? 16 : 10;
    // Exact in a double up to 13 hex or 15 decimal digits; longer values go through BigInt.
    let n = 0;
    let b = from;
    for (;;) {
      const c = s.charCodeAt(b);
      const d = c >= 48 && c <= 57 ? c - 48 : hex && c >= 97 && c <= 102 ? c - 87 : hex && c >= 65 && c <= 70 ? c - 55 : -1;
      if (d < 0) break;
      n = n * base + d;
      b++;
    }
    if (b === from) this.fail(hex ? `expected hex digits in ${what}` : `expected a raw number as ${what} (record with strace -e raw=all)`, b);
    this.i = b;
    if (b - from <= (hex ? 13 : 15)) return BigInt(n);
    const v = BigInt(s.slice(a, b));
    return v > U64_MAX ? this.fail(`${what} does not fit in 64 bits`, a) : v;
  }
  name(): string {
    const a = this.i;
    while (isNameChar(this.peek())) this.i++;
    if (a === this.i) this.fail('expected a system call name');
    return this.s.slice(a, this.i);
  }
}

const NAME_CACHE: Record<Abi, Map<string, ResolvedName | string>> = { x86_64: new Map(), ia32: new Map() };

/** resolveTraceName without a number hint, memoised: traces repeat a few dozen names. */
function cachedName(abi: Abi, name: string): ResolvedName | string {
  const cache = NAME_CACHE[abi];
  let r = cache.get(name);
  if (r === undefined) {
    r = resolveTraceName(abi, name, null);
    if (cache.size < 4096) cache.set(name, r);
  }
  return r;
}

/** Arguments up to `)` or ` <unfinished ...>`; returns whether the call is unfinished. */
function scanArgs(l: Line, args: bigint[], glued: boolean): boolean {
  if (l.peek() === 60 && l.at('<... resuming')) {
    // restart_syscall(<... resuming interrupted NAME ...>) takes no arguments.
    const close = l.s.indexOf('>', l.i);
    if (close < 0) l.fail("truncated line: expected '>'");
    l.i = close + 1;
  }
  for (;;) {
    const c = l.peek();
    if (c === 41) {
      l.i++;
      return false;
    }
    if (c === 32 && l.at(UNFINISHED)) return true;
    if (l.i >= l.s.length) {
      if (glued) return true;
      l.fail("truncated line: expected ')' or ' <unfinished ...>'");
    }
    if (c === 44) {
      l.i++;
      l.spaces();
      continue;
    }
    if (args.length === 6) l.fail('more than 6 arguments');
    args.push(l.value(`argument ${args.length + 1}`));
  }
}

/** ` = RESULT` after the closing parenthesis; the errno name, flags and -T time after it are ignored. */
function scanResult(l: Line): bigint | null {
  l.spaces();
  l.expect('= ', "' = RESULT'");
  if (l.peek() === 63) return null;
  if (l.peek() === 45) {
    l.i++;
    return -l.value('result');
  }
  return l.value('result');
}

/** The 8 to 16 hex digits (or `?`) of strace -i's `[ip]` starting at `i`, or null for anything else. */
function ipText(s: string, i: number): string | null {
  let j = i;
  for (;;) {
    const c = s.charCodeAt(j);
    if (!(isDigit(c) || (c >= 97 && c <= 102) || c === 63)) break;
    j++;
  }
  return j - i >= 8 && j - i <= 16 && s.charCodeAt(j) === 93 ? s.slice(i, j) : null;
}

/** What precedes a line's body: pid, the -n number, the -i address. */
interface Prefix {
  readonly pid: number;
  readonly nrHint: number | null;
  readonly ip: bigint | null;
  readonly abi: Abi;
  readonly line: number;
  readonly glued: boolean;
}

function scanBody(l: Line, p: Prefix): LineItem {
  const { pid, line } = p;
  const c = l.peek();
  if (c === 43) return scanEnd(l, pid, line);
  if (c === 45 && l.at('--- ')) {
    l.i += 4;
    const a = l.i;
    while (l.i < l.s.length && l.peek() !== 32) l.i++;
    return { k: 'event', pid, event: { kind: 'signal', line, pid, signal: l.s.slice(a, l.i) } };
  }
  if (c === 60) {
    const column = l.i;
    l.expect('<... ', "'<... NAME resumed>'");
    const name = l.name();
    l.expect(' resumed>', "' resumed>'");
    const args: bigint[] = [];
    if (l.at(UNFINISHED)) l.i += UNFINISHED.length;
    scanArgs(l, args, false);
    return { k: 'resumed', pid, name, args, ret: scanResult(l), column };
  }
  const at = l.i;
  const r = p.nrHint === null ? cachedName(p.abi, l.name()) : resolveTraceName(p.abi, l.name(), p.nrHint);
  if (typeof r === 'string') l.fail(r, at);
  l.expect('(', "'('");
  const call: OpenCall = { kind: 'call', line, pid, abi: p.abi, nr: r.nr, name: r.name, args: [], ret: null, ip: p.ip };
  const open = scanArgs(l, call.args, p.glued);
  if (!open) call.ret = scanResult(l);
  return { k: 'call', pid, call, open };
}

function scanEnd(l: Line, pid: number, line: number): LineItem {
  l.expect('+++ ', "'+++ '");
  const rest = l.s.slice(l.i);
  const end = (how: 'exited' | 'killed' | 'superseded', detail: string): LineItem => ({
    k: 'event',
    pid,
    event: { kind: 'end', line, pid, how, detail },
  });
  if (rest.startsWith('exited with ')) {
    l.i += 12;
    return end('exited', String(l.digits()));
  }
  if (rest.startsWith('killed by ')) {
    l.i += 10;
    const a = l.i;
    while (l.i < l.s.length && l.peek() !== 32) l.i++;
    return end('killed', l.s.slice(a, l.i));
  }
  if (rest.startsWith('superseded by execve in pid ')) {
    l.i += 28;
    return end('superseded', String(l.digits()));
  }
  return l.fail("expected 'exited with N', 'killed by SIG' or 'superseded by execve'");
}

/** Parse one non-blank line into what it says. */
function scanLine(text: string, line: number, abiOf: (pid: number) => Abi): LineItem {
  const gluedAt = text.indexOf(ATTACHED);
  if (gluedAt === 0) return { k: 'skip' };
  // stderr output: strace's own "Process N attached" notice can land inside an unfinished line.
  const glued = gluedAt > 0;
  const l = new Line(glued ? text.slice(0, gluedAt) : text);
  l.spaces();
  let pid = UNPREFIXED;
  if (l.at('[pid ')) {
    l.i += 5;
    l.spaces();
    pid = l.digits();
    l.expect(']', "']'");
    l.spaces();
  } else if (isDigit(l.peek())) {
    const a = l.i;
    const n = l.digits();
    if (l.peek() === 32) {
      pid = n;
      l.spaces();
    } else l.i = a;
  }
  if (isDigit(l.peek())) {
    // -t, -tt, -ttt or -r timestamp.
    while (isDigit(l.peek()) || l.peek() === 58 || l.peek() === 46) l.i++;
    l.expect(' ', "' ' after the timestamp");
    l.spaces();
  }
  let nrHint: number | null = null;
  if (l.at('[ Process PID=')) {
    l.i += 14;
    const target = l.digits();
    l.expect(' runs in ', "' runs in '");
    const bits = l.digits();
    if (bits !== 32 && bits !== 64) l.fail('expected 32 or 64 bit mode');
    return { k: 'abi', pid: target, abi: bits === 32 ? 'ia32' : 'x86_64' };
  }
  let ip: bigint | null = null;
  for (let k = 0; k < 2 && l.peek() === 91; k++) {
    const inner = ipText(l.s, l.i + 1);
    if (inner !== null) {
      // strace -i: `[00007f032ae45ad7] read(...)`, `[????????????????]` when unknown.
      ip = inner.includes('?') ? null : BigInt(`0x${inner}`);
      l.i += inner.length + 2;
    } else {
      // strace -n: `[ 257] openat(...)`.
      l.i++;
      l.spaces();
      nrHint = l.digits();
      l.expect(']', "']'");
    }
    l.spaces();
  }
  if (l.i >= l.s.length) l.fail('truncated line: expected a system call, signal or exit');
  return scanBody(l, { pid, nrHint, ip, abi: abiOf(pid), line, glued });
}

/** Only spaces, tabs or nothing: a line to ignore. */
function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}


/** Parse strace output. Strict: the first bad line is the error; lenient: bad lines are listed and skipped. */
export function parseStrace(text: string, opts: TraceOptions): TraceResult {
  const linker = new Linker(opts.abi);
  const skipped: TraceError[] = [];
  let line = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    line++;
    const source = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    start = end + 1;
    if (isBlank(source)) continue;
    let error: TraceError | null = null;
    try {
      const item = scanLine(source, line, linker.abiOf);
      const msg = linker.add(item);
      if (msg !== null) error = { line, column: item.k === 'resumed' ? item.column : 0, message: msg, source };
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      error = { line, column: e.column, message: e.message, source };
    }
    if (error !== null) {
      if (!opts.lenient) return { ok: false, error };
      skipped.push(error);
    }
  }
  const msg = linker.finish();
  if (msg !== null) return { ok: false, error: { line: 0, column: 0, message: msg, source: '' } };
  const trace: Trace = { format: 'strace', events: linker.events, lines: line, skipped };
  return { ok: true, trace };
}
