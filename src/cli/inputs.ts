/**
 * Inputs shared by the trace commands (replay, eval, generate, proc):
 * argument parsing with --help, the --abi flag, policy and trace files with
 * `file:line:col:` errors and a caret (columns 1-based here, C7).
 */
import { isRight } from 'fp-ts/lib/Either.js';
import { caret, parsePolicy, type PolicyError, type PolicyOptions, type PolicyResult } from '../grammar/index.ts';
import { Kernel } from '../kernel/index.ts';
import type { Abi } from '../x86/table.ts';
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
export function installedTask(
  file: string,
  text: string,
  abi: Abi,
  comm: string,
  io: Io,
): { readonly kernel: Kernel; readonly pid: number } | null {
  const kernel = new Kernel();
  const pid = kernel.spawn(abi, comm);
  const o = kernel.installPolicy(pid, text);
  if (o.ok) return { kernel, pid };
  io.err(
    `${file}: prctl(PR_SET_SECCOMP, 2) ${o.kind === 'return' ? `returned -${o.errno.name}` : o.kind}: ${o.message}\n`,
  );
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
const located = (file: string, e: PolicyError): string =>
  e.line === 0
    ? `${file}: ${e.message}\n`
    : `${file}:${e.line}:${e.column + 1}: ${errorText(e)}\n${caret(e.source, e.column)}\n`;

/** An error's message and, for a filter, what would help (the call's fields, the nearest names). */
export const errorText = (e: PolicyError): string =>
  'detail' in e && e.detail !== undefined ? `${e.message}; ${e.detail}` : e.message;

/** The --strict-2011 flag: only the 2011 grammar, no symbolic constants or argN aliases (spec/15-constants.md). */
export const strictFlag = (args: Parsed): PolicyOptions => ({ strict2011: args.flags['strict-2011'] === true });

/**
 * What parsing alone cannot see, checked as the kernel would: prctl reads at
 * most 64 KiB (S5.2, C16), and repeated names merge into filters that may
 * pass 255 characters or 32 terms (S2.3, S5.4, C24). Returns the line from
 * which the kernel refuses the text (lines decide in order, C26), or null.
 */
export function kernelRefusal(text: string, abi: Abi): PolicyError | null {
  const kernel = new Kernel();
  const r = kernel.installPolicy(kernel.spawn(abi, 'check'), text);
  if (r.ok) return null;
  const first = r.errors[0] ?? { line: 1, column: 0, message: r.message, source: text.split('\n')[0] ?? '' };
  return {
    ...first,
    message: `prctl(PR_SET_SECCOMP, 2) returns ${r.kind === 'return' ? `-${r.errno.name}` : r.kind}: ${first.message}`,
  };
}

/** Parse a policy text for `abi` (S2.5, S1.3), then check it as the kernel would (kernelRefusal). */
export function checkPolicy(text: string, abi: Abi, opts: PolicyOptions = {}): PolicyResult {
  const r = parsePolicy(text, abi, opts);
  if (!r.ok) return r;
  const refused = kernelRefusal(text, abi);
  return refused === null ? r : { ok: false, errors: [refused] };
}

/** Check a policy text for `abi` (checkPolicy); prints every error and returns false if any. */
export function policyOk(file: string, text: string, abi: Abi, io: Io, opts: PolicyOptions = {}): boolean {
  const r = checkPolicy(text, abi, opts);
  if (r.ok) return true;
  for (const e of r.errors) io.err(located(file, e));
  return false;
}

/** The trace file's base name without extension: the root's name when the trace does not show the program its execve ran (T14). */
export function traceComm(file: string): string {
  const base = file.slice(file.lastIndexOf('/') + 1);
  const dot = base.indexOf('.');
  const name = dot > 0 ? base.slice(0, dot) : base;
  return name === '' || name === '-' ? 'traced' : name;
}

/** JSON.stringify with bigints as "0x..." strings (negative ones in decimal), as JSON-lines traces accept them. */
export const toJson = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? (x < 0n ? x.toString() : `0x${x.toString(16)}`) : x));
