/**
 * Run a command under a raw program on Linux (the helper's launch
 * mode): the helper is the command's ptrace supervisor, the program answers
 * denied calls with SECCOMP_RET_TRACE, and each one is reported (K2).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import { nativeHelper, type BuildOptions, type NativeError } from './build.ts';
import { parseReport, type LaunchReport } from './report.ts';
import { SECCOMP_RET } from '../action/index.ts';
import { BPF, jump, SECCOMP_DATA, stmt, type Program, type SockFilter } from '../bpf/insn.ts';

/** What the supervisor does with a denied call after reporting it. */
export type DenyAction =
  | { readonly kind: 'kill' }
  | { readonly kind: 'audit' }
  | { readonly kind: 'errno'; readonly errno: number }
  /** The program's own answer: trace data 0x1000 | N skips the call with -N (RUN_ERRNO_DATA), other trace data kills. */
  | { readonly kind: 'rules' };

/** Trace data that tells the supervisor in `rules` mode to skip the call with -N: RUN_ERRNO_DATA | N. */
export const RUN_ERRNO_DATA = 0x1000;

/**
 * Trace data of a kill in `rules` mode (native/supervise.h): the supervisor
 * rewrites the call's number to the kill's number in RUN_KILL_NR, and
 * seccomp checks the rewritten call again (the kernel does so after a
 * tracer's stop); `withKillNumbers`'s first instructions answer it with
 * the kill, so the kernel itself kills, by SIGSYS.
 */
export const RUN_KILL_DATA = { 'kill-process': 2, 'kill-thread': 3 } as const;

/** The numbers a kill is rewritten to: no ABI has them (x32's bit is clear, all are far past every table). */
export const RUN_KILL_NR = { 'kill-process': 0x3ecc_0000, 'kill-thread': 0x3ecc_0001 } as const;

/**
 * `program` with five instructions in front that answer the numbers of
 * RUN_KILL_NR with their kills whatever the arch, so a kill the supervisor
 * rewrites (RUN_KILL_DATA) is the kernel's own. A program that makes one of
 * those numbers itself is killed by it (no ABI has them).
 */
export function withKillNumbers(program: Program): Program {
  const ret = (k: number): SockFilter => stmt(BPF.RET | BPF.K, k);
  const skipNext = (nr: number): SockFilter => jump(BPF.JMP | BPF.JEQ | BPF.K, nr, 0, 1);
  return [
    stmt(BPF.LD | BPF.W | BPF.ABS, SECCOMP_DATA.nr),
    skipNext(RUN_KILL_NR['kill-process']),
    ret(SECCOMP_RET.KILL_PROCESS),
    skipNext(RUN_KILL_NR['kill-thread']),
    ret(SECCOMP_RET.KILL_THREAD),
    ...program,
  ];
}

/** How to launch. */
export interface LaunchOptions extends BuildOptions {
  readonly deny: DenyAction;
  /** on_next_syscall (S6.4): let the launcher's own execve through once. */
  readonly passExec: boolean;
  /** The command's stdin, stdout, stderr: the caller's own (default), or pipes collected into the result. */
  readonly stdio?: 'inherit' | 'pipe';
  /** Input for the command's stdin when stdio is 'pipe'. */
  readonly input?: string;
}

/** A launch's report, and the command's output when it was piped. */
export interface Launched extends LaunchReport {
  readonly stdout: string;
  readonly stderr: string;
}

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/** The file execve runs for `command`, searched in PATH when it has no slash (as execvp), or null. */
export function resolveCommand(command: string, path: string = process.env['PATH'] ?? '/usr/bin:/bin'): string | null {
  if (command === '') return null;
  if (command.includes('/')) return command;
  for (const dir of path.split(':')) {
    const candidate = join(dir === '' ? '.' : dir, command);
    if (executable(candidate)) return candidate;
  }
  return null;
}

const helperArgs = (o: LaunchOptions): readonly string[] => [
  o.deny.kind === 'errno' ? `errno:${o.deny.errno}` : o.deny.kind,
  o.passExec ? 'exec-pass' : 'no-exec-pass',
  '3',
  '4',
];

/**
 * Run `argv` (argv[0] resolved as execvp would) under `program`. Resolves to
 * the report, or an error when the helper could not be built, the kernel
 * refused the program, or the helper failed; never leaves the command running.
 */
export async function launch(
  program: Uint8Array,
  argv: readonly string[],
  opts: LaunchOptions,
): Promise<Either<NativeError, Launched>> {
  const exe = nativeHelper(opts);
  if (isLeft(exe)) return exe;
  const file = resolveCommand(argv[0] ?? '');
  if (file === null) return left({ kind: 'failed', message: `${argv[0] ?? '(no command)'}: command not found` });
  const piped = opts.stdio === 'pipe';
  const child = spawn(exe.right, ['launch', ...helperArgs(opts), file, ...argv], {
    stdio: [piped ? 'pipe' : 'inherit', piped ? 'pipe' : 'inherit', piped ? 'pipe' : 'inherit', 'pipe', 'pipe'],
  });
  const collect = (s: NodeJS.ReadableStream | null | undefined): Promise<string> =>
    new Promise((resolve) => {
      let text = '';
      if (s === null || s === undefined) return resolve('');
      s.setEncoding('latin1');
      s.on('data', (c: string) => void (text += c));
      s.on('end', () => resolve(text));
      s.on('error', () => resolve(text));
    });
  const [report, stdout, stderr] = [
    collect(child.stdio[4] as NodeJS.ReadableStream),
    collect(child.stdout),
    collect(child.stderr),
  ];
  // A helper that dies early closes these pipes: its status says why, the write error adds nothing.
  const progIn = child.stdio[3] as NodeJS.WritableStream;
  progIn.on('error', () => undefined);
  child.stdin?.on('error', () => undefined);
  if (piped) child.stdin?.end(opts.input ?? '');
  progIn.end(Buffer.from(program));
  const status = await new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code));
  });
  const parsed = parseReport(await report, status);
  if (isLeft(parsed))
    return left({ kind: status === 1 && /^seccomp\(/.test(parsed.left) ? 'refused' : 'failed', message: parsed.left });
  return right({ ...parsed.right, stdout: await stdout, stderr: await stderr });
}
