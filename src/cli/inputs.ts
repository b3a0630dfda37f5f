/**
 * Inputs shared by the trace commands (replay, eval, generate, proc):
 * argument parsing with --help, the --abi flag, policy and trace files with
 * `file:line:col:` errors and a caret (columns 1-based here, C7).
 */
import { isRight } from 'fp-ts/lib/Either.js';
import { caret, parsePolicy, type PolicyError, type PolicyResult } from '../grammar/index.ts';
import { parseTrace, type Trace, type TraceError } from '../trace/index.ts';
import { Kernel } from '../impl/index.ts';
import type { Abi } from '../x86/table.ts';
import { MAX_USER_TEXT, resultText, utf8Length } from '../x86/types.ts';
import { AbiCodec, decodeFlag, parseArgs, type Parsed } from './args.ts';
import { EXIT, type Io } from './io.ts';

/** What a command accepts. */
export interface CommandShape {
  readonly name: string;
  readonly valued: readonly string[];
  readonly booleans: readonly string[];
  /** Fewest and most positionals (Infinity: no limit). */
  readonly positionals: readonly [number, number];
  readonly help: string;
}

/**
 * Parse argv for `shape`. Returns the parsed arguments, or the exit code
 * after printing the help (`--help`: 0) or a usage error (2).
 */
export function parseCommand(argv: readonly string[], shape: CommandShape, io: Io): Parsed | number {
  const args = parseArgs(argv, shape.valued, [...shape.booleans, 'help']);
  if (typeof args !== 'string' && args.flags['help'] === true) {
    io.out(shape.help);
    return EXIT.OK;
  }
  const [min, max] = shape.positionals;
  const count = typeof args === 'string' ? 0 : args.positionals.length;
  const problem =
    typeof args === 'string'
      ? args
      : count < min || count > max
        ? `${shape.name} takes ${min === max ? `exactly ${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`} arguments, got ${count}`
        : null;
  if (problem !== null) {
    io.err(`${problem}\n${shape.help}`);
    return EXIT.USAGE;
  }
  return args as Parsed;
}

/** The --abi flag: the ABI, undefined when absent, or the exit code after a usage error. */
export function abiFlag(args: Parsed, io: Io): Abi | undefined | number {
  const raw = args.flags['abi'];
  if (raw === undefined) return undefined;
  const abi = decodeFlag(AbiCodec, 'abi', raw);
  if (isRight(abi)) return abi.right;
  io.err(`${abi.left}\n`);
  return EXIT.USAGE;
}

/**
 * A fresh engine task of `abi` code with the policy `text` installed by
 * prctl(PR_SET_SECCOMP, 2) (S5.2); prints what the kernel returned and
 * gives null when it refuses the policy.
 */
export function installedTask(file: string, text: string, abi: Abi, comm: string, io: Io): { readonly kernel: Kernel; readonly pid: number } | null {
  const kernel = new Kernel();
  const pid = kernel.spawn(abi, comm);
  const o = kernel.installPolicy(pid, text);
  if (o.kind === 'return' && o.rax === 0n) return { kernel, pid };
  io.err(`${file}: prctl(PR_SET_SECCOMP, 2) ${o.kind === 'return' ? `returned ${resultText(o.rax)}` : o.kind}\n`);
  return null;
}

/** Read a file; prints the error and returns null when it cannot be read. */
export function readInput(file: string, io: Io): string | null {
  const text = io.readFile(file);
  if (text instanceof Error) {
    io.err(`${file}: cannot read: ${text.message}\n`);
    return null;
  }
  return text;
}

/** `file:line:col: message` and a caret; a whole-trace error (line 0) has neither. */
const located = (file: string, e: PolicyError | TraceError): string =>
  e.line === 0 ? `${file}: ${e.message}\n` : `${file}:${e.line}:${e.column + 1}: ${e.message}\n${caret(e.source, e.column)}\n`;

/** Whether a fresh task of `abi` code gets `text` installed by prctl(PR_SET_SECCOMP, 2): null, or the refusing rax. */
function refusal(text: string, abi: Abi): bigint | null {
  const kernel = new Kernel();
  const o = kernel.installPolicy(kernel.spawn(abi, 'check'), text);
  return o.kind === 'return' && o.rax === 0n ? null : o.kind === 'return' ? o.rax : -1n;
}

/**
 * What parsing alone cannot see, checked as the kernel would: prctl reads at
 * most 64 KiB (S5.2, C16), and repeated names merge into filters that may
 * pass 255 characters or 32 terms (S2.3, S5.4, C24). Returns the first line
 * from which the kernel refuses the text (lines decide in order, C26), or null.
 */
export function kernelRefusal(text: string, abi: Abi): PolicyError | null {
  const lines = text.split('\n');
  if (utf8Length(text) > MAX_USER_TEXT) {
    let used = 0;
    const line = lines.findIndex((l) => (used += utf8Length(`${l}\n`)) > MAX_USER_TEXT);
    const source = lines[line] ?? '';
    return { line: line + 1, column: 0, message: `the text passes 64 KiB here; prctl reads at most ${MAX_USER_TEXT} bytes (S5.2, C16)`, source };
  }
  const whole = refusal(text, abi);
  if (whole === null) return null;
  let lo = 1;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (refusal(lines.slice(0, mid).join('\n'), abi) === null) lo = mid + 1;
    else hi = mid;
  }
  const source = lines[lo - 1] ?? '';
  const why = resultText(whole) === '-E2BIG' ? ': a repeated name merges its filter past 255 characters or 32 terms (S2.3, S5.4, C24)' : '';
  return { line: lo, column: 0, message: `prctl(PR_SET_SECCOMP, 2) returns ${resultText(whole)} from this line on${why}`, source };
}

/** Parse a policy text for `abi` (S2.5, S1.3), then check it as the kernel would (kernelRefusal). */
export function checkPolicy(text: string, abi: Abi): PolicyResult {
  const r = parsePolicy(text, abi);
  if (!r.ok) return r;
  const refused = kernelRefusal(text, abi);
  return refused === null ? r : { ok: false, errors: [refused] };
}

/** Check a policy text for `abi` (checkPolicy); prints every error and returns false if any. */
export function policyOk(file: string, text: string, abi: Abi, io: Io): boolean {
  const r = checkPolicy(text, abi);
  if (r.ok) return true;
  for (const e of r.errors) io.err(located(file, e));
  return false;
}

/** Parse a trace; prints the error (strict) or the skipped-line count (lenient). Null on error or when no call is left. */
export function loadTrace(file: string, text: string, abi: Abi, lenient: boolean, io: Io): Trace | null {
  const r = parseTrace(text, { abi, lenient });
  if (!r.ok) {
    io.err(located(file, r.error));
    if (!lenient) io.err('(--lenient skips bad lines and counts them)\n');
    return null;
  }
  const skipped = r.trace.skipped;
  if (skipped.length > 0) {
    io.err(`${file}: skipped ${skipped.length} bad line${skipped.length === 1 ? '' : 's'} (--lenient); the first:\n${located(file, skipped[0]!)}`);
  }
  // A trace with no call proves nothing about a policy: judging it "ok" would be a silent allow.
  if (!r.trace.events.some((e) => e.kind === 'call')) {
    io.err(`${file}: no system call in the trace (${r.trace.lines} lines${skipped.length > 0 ? `, ${skipped.length} skipped` : ''})\n`);
    return null;
  }
  return r.trace;
}

/** The trace's own name: its file's base name without extension, as the root's comm (C19). */
export function traceComm(file: string): string {
  const base = file.slice(file.lastIndexOf('/') + 1);
  const dot = base.indexOf('.');
  const name = dot > 0 ? base.slice(0, dot) : base;
  return name === '' || name === '-' ? 'traced' : name;
}

/** JSON.stringify with bigints as "0x..." strings (negative ones in decimal), as JSON-lines traces accept them. */
export const toJson = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? (x < 0n ? x.toString() : `0x${x.toString(16)}`) : x));
