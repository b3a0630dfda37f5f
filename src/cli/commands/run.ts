/**
 * `seccomp-spec run POLICY [--abi] [--kill ACTION] [--audit] -- CMD [ARG...]`:
 * run a real command under a 2011 policy on today's Linux (spec/13-linux.md). The
 * policy is compiled to BPF (src/bpf) with `trace` as its kill action; the
 * C helper (src/native) is the command's ptrace supervisor and reports each
 * denied call, which is explained here as replay explains a kill.
 */
import { isLeft } from 'fp-ts/lib/Either.js';
import { formatAction, isActionError, parseAction, trace, type Action } from '../../action/index.ts';
import { BPF_MAXINSNS, compilePolicy, compileRules, encodeRaw } from '../../bpf/index.ts';
import type { RuleSet } from '../../ruleset/index.ts';
import { answerText } from '../../trace/index.ts';
import { detectDialect, dialectFlag, ociFlags, readPolicy } from '../dialect.ts';
import {
  launch,
  platformProblem,
  resolveCommand,
  RUN_ERRNO_DATA,
  RUN_KILL_DATA,
  withKillNumbers,
  type DenyAction,
  type Launched,
} from '../../native/index.ts';
import { parseArgs } from '../args.ts';
import { EXIT, type Io } from '../io.ts';
import { abiFlag, installedTask, policyOk, readInput } from '../inputs.ts';
import { answerOf, explainDenial, type Answered } from './run-report.ts';

/** Help text of `run`. */
export const RUN_HELP = `usage: seccomp-spec run POLICY [--abi x86_64|ia32] [--dialect 2011|minijail|oci] [--caps LIST] [--kernel X.Y] [--kill ACTION] [--audit] -- CMD [ARG...]

Run CMD on Linux under POLICY, as a 2011 launcher would (and as replay
does, T4): the policy, with 'on_next_syscall: 1' appended, is compiled to
a seccomp BPF program and installed just before CMD's execve, so that
execve passes and every later call is checked: generate's output runs as
it is. CMD's stdin, stdout and stderr are its own. A denied call
kills the task that made it (SIGKILL, as S6.6), and run prints the call
with argument names, the entry it met, the predicate that failed with the
values, and the 2011 kernel log line, on stderr.
  --abi      the ABI the policy is for (default x86_64)
  --kill     kill-process (default) or kill-thread: report, then SIGKILL;
             errno:N: report, and the call fails with -N
  --audit    deny nothing: run CMD to its end and list every call the
             policy would have killed, in order (to grow a policy)
  --dialect  minijail or oci (an OCI profile is detected by its '{'):
             the policy's own actions, compiled with its rules: a call
             answered with an errno fails with it and CMD goes on (run
             lists each distinct call that got one, with the rule); a
             trap raises SIGSYS; a kill (kill-process, kill-thread) is
             reported, then carried out by the kernel (SIGSYS); trace and
             user-notif return ENOSYS (no tracer, no listener); log runs.
             Each trap and kill is reported with its call and rule;
             --audit lets every call run and lists what each would have
             got. --caps and --kernel as for eval; --kill is 2011's only.
The appended directive lets the launcher's own execve through, nothing
else; the policy's execve entry decides every later execve (K3).
Needs Linux on x86_64 and a C compiler (cc, or $CC): the helper is built
from native/ on first use.
Exit: CMD's status (128+N when killed by signal N: 137 for a 2011 kill,
159 for a trap or a kill of a --dialect policy;
127 CMD not found, 126 not executable); 1 a bad policy or one the kernel
refuses; 2 usage, another platform, or no C compiler; 125 the helper failed.
`;

const FAILED = 125;
const NOT_FOUND = 127;

/** Split argv into run's own part and the command: at `--`, else at the second positional. */
function splitCommand(argv: readonly string[]): {
  readonly own: readonly string[];
  readonly command: readonly string[];
} {
  const dash = argv.indexOf('--');
  if (dash >= 0) return { own: argv.slice(0, dash), command: argv.slice(dash + 1) };
  let positionals = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      if (['--abi', '--kill', '--dialect', '--caps', '--kernel'].includes(a)) i++;
      continue;
    }
    if (++positionals === 2) return { own: argv.slice(0, i), command: argv.slice(i) };
  }
  return { own: argv, command: [] };
}

/** The --kill flag as the supervisor's action, or a usage message. */
function denyAction(raw: string | undefined): DenyAction | string {
  if (raw === undefined) return { kind: 'kill' };
  const a = parseAction(raw);
  if (isActionError(a)) return `invalid --kill: ${a.message}`;
  if (a.kind === 'kill-process' || a.kind === 'kill-thread') return { kind: 'kill' };
  if (a.kind === 'errno') return { kind: 'errno', errno: a.errno };
  return `invalid --kill: run supports kill-process, kill-thread and errno:N (to deny nothing, use --audit), not '${raw}'`;
}

/** T4, K3: the launcher's text, the policy with the directive that lets its own execve through. */
export const launcherText = (text: string): string =>
  `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}on_next_syscall: 1\n`;

function summary(r: Launched, audit: boolean): string {
  const n = r.denials.length;
  if (audit)
    return `seccomp-spec run: ${n} call${n === 1 ? '' : 's'} the policy would have killed; the command ended with status ${r.status}\n`;
  if (r.end.kind === 'exec-failed') return `seccomp-spec run: cannot execute the command: ${r.end.errno}\n`;
  return n === 0
    ? ''
    : `seccomp-spec run: ${n} call${n === 1 ? '' : 's'} denied; the command ended with status ${r.status}\n`;
}

/** How `run` treats the command's standard streams. */
export interface RunStreams {
  /** Collect the command's stdout and stderr into io.out and io.err (with `input` on its stdin) instead of handing it the process's own. */
  readonly capture?: boolean;
  readonly input?: string;
}

/** Run `run`: the command gets the process's own stdin, stdout and stderr. */
export const runCommand = (argv: readonly string[], io: Io): Promise<number> => runWithStreams(argv, io, {});

/** Run `run` with the command's streams as `streams` says (tests capture them). */
export async function runWithStreams(argv: readonly string[], io: Io, streams: RunStreams): Promise<number> {
  const { own, command } = splitCommand(argv);
  const args = parseArgs(own, ['abi', 'kill', 'dialect', 'caps', 'kernel'], ['audit', 'help']);
  if (typeof args !== 'string' && args.flags['help'] === true) {
    io.out(RUN_HELP);
    return EXIT.OK;
  }
  const problem =
    typeof args === 'string'
      ? args
      : args.positionals.length !== 1 || command.length === 0
        ? 'run takes a POLICY, then -- and the command to run'
        : null;
  if (problem !== null || typeof args === 'string') {
    io.err(`${problem}\n${RUN_HELP}`);
    return EXIT.USAGE;
  }
  const abiArg = abiFlag(args, io);
  if (typeof abiArg === 'number') return abiArg;
  const abi = abiArg ?? 'x86_64';
  const audit = args.flags['audit'] === true;
  const deny = audit ? ({ kind: 'audit' } as const) : denyAction(args.flags['kill'] as string | undefined);
  if (typeof deny === 'string') {
    io.err(`${deny}\n`);
    return EXIT.USAGE;
  }
  const platform = platformProblem();
  if (platform !== null) {
    io.err(`seccomp-spec run: ${platform.message}\n`);
    return EXIT.USAGE;
  }
  const file = args.positionals[0]!;
  const text = readInput(file, io);
  if (text === null) return EXIT.USAGE;
  const flag = dialectFlag(args, io);
  if (typeof flag === 'number') return flag;
  const dialect = flag ?? detectDialect(text);
  if (dialect !== '2011') {
    if (args.flags['kill'] !== undefined) {
      io.err(`--kill is for 2011 policies: a ${dialect} policy carries its own actions\n`);
      return EXIT.USAGE;
    }
    const oci = ociFlags(args, io);
    if (typeof oci === 'number') return oci;
    const read = await readPolicy(file, text, { dialect, abi, oci }, io);
    if (typeof read === 'number') return read;
    return runRules(file, read.ruleSet, command, audit, io, streams);
  }
  if (!policyOk(file, text, abi, io)) return EXIT.FAIL;
  const task = installedTask(file, launcherText(text), abi, 'run', io);
  const compiled = compilePolicy(text, { abi, kill: { kind: 'trace', data: 1 } });
  if (task === null || isLeft(compiled)) {
    if (isLeft(compiled)) io.err(`${file}: ${compiled.left.message}\n`);
    return EXIT.FAIL;
  }
  if (resolveCommand(command[0]!) === null) {
    io.err(`seccomp-spec run: ${command[0]!}: command not found\n`);
    return NOT_FOUND;
  }
  const r = await launch(encodeRaw(compiled.right.program), command, {
    deny,
    passExec: true,
    ...(streams.capture === true ? { stdio: 'pipe' as const, input: streams.input ?? '' } : {}),
  });
  if (isLeft(r)) {
    io.err(`seccomp-spec run: ${r.left.message}\n`);
    return r.left.kind === 'refused'
      ? EXIT.FAIL
      : r.left.kind === 'compiler' || r.left.kind === 'platform'
        ? EXIT.USAGE
        : FAILED;
  }
  io.out(r.right.stdout);
  io.err(r.right.stderr);
  const verb = audit ? 'would kill' : deny.kind === 'errno' ? `DENIED with -${deny.errno}` : 'KILLED';
  const { kernel, pid } = task;
  const state = { ...kernel.view().tasks.find((t) => t.pid === pid)!.seccomp, pending: false };
  const installed = { state, filterFor: (nr: number) => kernel.filterFor(pid, nr) };
  for (const d of r.right.denials) io.err(`seccomp-spec run: ${explainDenial(d, installed, verb).text}`);
  io.err(summary(r.right, audit));
  return r.right.status;
}

/**
 * A1 what the supervisor makes of an action in `rules` mode: allow and log
 * run; an errno (and trace, user-notif: -ENOSYS with no tracer or
 * listener) is trace data RUN_ERRNO_DATA | N, skipped with -N; a trap
 * stays a trap (under --audit it is reported and let run); kill-process
 * and kill-thread are RUN_KILL_DATA, which the kernel itself carries out
 * (SIGSYS, withKillNumbers); the 2011 kill is trace data 1, SIGKILL (S6.6).
 */
function runAction(a: Action, audit: boolean): Action {
  switch (a.kind) {
    case 'allow':
    case 'log':
      return a;
    case 'errno':
      return trace(RUN_ERRNO_DATA | a.errno);
    case 'trace':
    case 'user-notif':
      return trace(RUN_ERRNO_DATA | 38);
    case 'trap':
      return audit ? trace(1) : a;
    case 'kill-process':
    case 'kill-thread':
      return trace(RUN_KILL_DATA[a.kind]);
    case 'kill':
      return trace(1);
  }
}

/** `rs` with every action as the supervisor carries it out. */
function forRun(rs: RuleSet, audit: boolean): RuleSet {
  const arches: RuleSet['arches'] = Object.fromEntries(
    Object.entries(rs.arches).map(([arch, a]) => [
      arch,
      {
        ...a,
        calls: new Map(
          [...a.calls].map(([nr, rules]) => [nr, rules.map((r) => ({ ...r, action: runAction(r.action, audit) }))]),
        ),
        otherwise: runAction(a.otherwise, audit),
      },
    ]),
  );
  return { arches, otherArch: runAction(rs.otherArch, audit) };
}

const answerLine = (a: Answered): string =>
  `${a.call}${a.denial.abi === 'ia32' ? ' [ia32]' : ''} [pid ${a.denial.pid}, ${a.denial.comm}]\n  rule:   ${a.rule}\n`;

/** M11 run a command under a rule set of another dialect, with the policy's own actions. */
async function runRules(
  file: string,
  rs: RuleSet,
  command: readonly string[],
  audit: boolean,
  io: Io,
  streams: RunStreams,
): Promise<number> {
  const compiled = compileRules(forRun(rs, audit));
  if (isLeft(compiled)) {
    io.err(`${file}: ${compiled.left.message}\n`);
    return EXIT.FAIL;
  }
  if (resolveCommand(command[0]!) === null) {
    io.err(`seccomp-spec run: ${command[0]!}: command not found\n`);
    return NOT_FOUND;
  }
  const program = withKillNumbers(compiled.right.program);
  if (program.length > BPF_MAXINSNS) {
    io.err(
      `${file}: the program is ${program.length} instructions with run's 5 in front (the kernel loads ${BPF_MAXINSNS} at most)\n`,
    );
    return EXIT.FAIL;
  }
  const r = await launch(encodeRaw(program), command, {
    deny: audit ? { kind: 'audit' } : { kind: 'rules' },
    passExec: true,
    ...(streams.capture === true ? { stdio: 'pipe' as const, input: streams.input ?? '' } : {}),
  });
  if (isLeft(r)) {
    io.err(`seccomp-spec run: ${r.left.message}\n`);
    return r.left.kind === 'refused' ? EXIT.FAIL : r.left.kind === 'compiler' ? EXIT.USAGE : FAILED;
  }
  io.out(r.right.stdout);
  io.err(r.right.stderr);
  const answers = r.right.denials.map((d) => answerOf(d, rs, file));
  if (audit) {
    for (const a of answers) io.err(`seccomp-spec run: would get ${formatAction(a.action)}: ${answerLine(a)}`);
    io.err(
      `seccomp-spec run: ${answers.length} call${answers.length === 1 ? '' : 's'} the policy would not have let run; the command ended with status ${r.right.status}\n`,
    );
    return r.right.status;
  }
  // Each distinct call (ABI, number, action) that got an errno, once, with how many times.
  const errnos = new Map<string, { first: Answered; count: number }>();
  for (const a of answers) {
    const runs = runAction(a.action, false);
    if (runs.kind === 'trace' && (runs.data & 0xf000) === RUN_ERRNO_DATA) {
      const key = `${a.denial.abi ?? a.denial.arch} ${a.denial.nr} ${formatAction(a.action)}`;
      const e = errnos.get(key);
      if (e === undefined) errnos.set(key, { first: a, count: 1 });
      else e.count++;
      continue;
    }
    const what = a.action.kind === 'trap' ? `TRAPPED (${answerText(a.action)})` : `KILLED (${formatAction(a.action)})`;
    io.err(`seccomp-spec run: ${what}: ${answerLine(a)}`);
  }
  for (const { first, count } of errnos.values())
    io.err(
      `seccomp-spec run: ${formatAction(first.action)}, ${count} call${count === 1 ? '' : 's'}, the first: ${answerLine(first)}`,
    );
  if (answers.length > 0)
    io.err(
      `seccomp-spec run: ${answers.length} call${answers.length === 1 ? '' : 's'} answered by the policy; the command ended with status ${r.right.status}\n`,
    );
  return r.right.status;
}
