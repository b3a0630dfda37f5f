/**
 * `seccomp-spec run POLICY [--abi] [--kill ACTION] [--audit] -- CMD [ARG...]`:
 * run a real command under a 2011 policy on today's Linux (spec/13-linux.md). The
 * policy is compiled to BPF (src/bpf) with `trace` as its kill action; the
 * C helper (src/native) is the command's ptrace supervisor and reports each
 * denied call, which is explained here as replay explains a kill.
 */
import { isLeft } from 'fp-ts/lib/Either.js';
import { formatAction, isActionError, KILL_2011, parseAction, type Action } from '../../action/index.ts';
import { compilePolicy, compileRules, encodeRaw } from '../../bpf/index.ts';
import { decideRules, type RuleSet } from '../../ruleset/index.ts';
import { syscallTable, type Abi } from '../../x86/table.ts';
import { detectDialect, dialectFlag, readPolicy } from '../dialect.ts';
import { parsePolicy } from '../../grammar/index.ts';
import {
  launch,
  platformProblem,
  resolveCommand,
  type DenyAction,
  type Launched,
  type NativeError,
} from '../../native/index.ts';
import { parseArgs } from '../args.ts';
import { EXIT, type Io } from '../io.ts';
import { abiFlag, installedTask, policyOk, readInput } from '../inputs.ts';
import { explainDenial } from './run-report.ts';

/** Help text of `run`. */
export const RUN_HELP = `usage: seccomp-spec run POLICY [--abi x86_64|ia32] [--dialect D] [--kill ACTION] [--audit] -- CMD [ARG...]

Run CMD on Linux under POLICY, as a 2011 launcher would (and as replay
does, T4): the policy, with 'on_next_syscall: 1' appended, is compiled to
a seccomp BPF program and installed just before CMD's execve, so that
execve passes and every later call is checked: generate's output runs as
it is. CMD's stdin, stdout and stderr are its own. A denied call
kills the task that made it (SIGKILL, as S6.6), and run prints the call
with argument names, the entry it met, the predicate that failed with the
values, and the 2011 kernel log line, on stderr.
  --abi      the ABI the policy is for (default x86_64)
  --dialect  the policy's language (2011, minijail, oci; default 2011): a
             rule's own action is the kernel's (return EPERM fails the
             call with EPERM); its kills are reported, then done as --kill says
  --kill     kill-process (default) or kill-thread: report, then SIGKILL;
             errno:N: report, and the call fails with -N
  --audit    deny nothing: run CMD to its end and list every call the
             policy would have killed, in order (to grow a policy)
The appended directive lets the launcher's own execve through, nothing
else; the policy's execve entry decides every later execve (K3).
Needs Linux on x86_64 and a C compiler (cc, or $CC): the helper is built
from native/ on first use.
Exit: CMD's status (128+N when killed by signal N, so 137 for a kill;
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
      if ((a === '--abi' || a === '--kill' || a === '--dialect') && !a.includes('=')) i++;
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

/** The exit code of a launch that failed, after saying why. */
function launchFailed(e: NativeError, io: Io): number {
  io.err(`seccomp-spec run: ${e.message}\n`);
  return e.kind === 'refused' ? EXIT.FAIL : e.kind === 'compiler' || e.kind === 'platform' ? EXIT.USAGE : FAILED;
}

/** `rs` with every action (rules, defaults, other arches) passed through `f`. */
function mapActions(rs: RuleSet, f: (a: Action) => Action): RuleSet {
  const arches: RuleSet['arches'] = Object.fromEntries(
    Object.entries(rs.arches).map(([arch, rules]) => [
      arch,
      {
        ...rules,
        otherwise: f(rules.otherwise),
        calls: new Map([...rules.calls].map(([nr, list]) => [nr, list.map((r) => ({ ...r, action: f(r.action) }))])),
      },
    ]),
  );
  return { arches, otherArch: f(rs.otherArch) };
}

const isKill = (a: Action): boolean => a.kind === 'kill' || a.kind === 'kill-process' || a.kind === 'kill-thread';

/**
 * A rule set (minijail, OCI) under the real kernel: every rule's action is
 * the kernel's own (an errno fails the call, a log logs it), but its kills
 * become reports first: they return SECCOMP_RET_TRACE to the supervisor,
 * which names the call and the rule that denied it, then kills as
 * `deny` says (or, with --audit, lets it through).
 */
async function runRules(
  rs: RuleSet,
  file: string,
  abi: Abi,
  command: readonly string[],
  deny: DenyAction,
  streams: RunStreams,
  io: Io,
): Promise<number> {
  const reported = mapActions(rs, (a) => (isKill(a) ? KILL_2011 : a));
  const compiled = compileRules(reported, { kill: { kind: 'trace', data: 1 } });
  /* c8 ignore next 4 */
  if (isLeft(compiled)) {
    io.err(`${file}: ${compiled.left.message}\n`);
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
  if (isLeft(r)) return launchFailed(r.left, io);
  io.out(r.right.stdout);
  io.err(r.right.stderr);
  const verb = deny.kind === 'audit' ? 'would kill' : deny.kind === 'errno' ? `DENIED with -${deny.errno}` : 'KILLED';
  for (const d of r.right.denials) {
    const callAbi = d.abi ?? abi;
    const args = callAbi === 'ia32' ? d.args.map((v) => BigInt.asUintN(32, v)) : d.args;
    const answer = decideRules(rs, callAbi, d.nr, args);
    const name = syscallTable(callAbi).byNr(d.nr)?.name ?? String(d.nr);
    const rule = answer.rule?.origin;
    const where =
      rule === undefined ? `the default (${answer.by})` : `${rule.file ?? file}:${rule.line ?? '?'}: ${rule.text}`;
    io.err(
      `seccomp-spec run: ${verb}: ${name}(${args.map((v) => `0x${v.toString(16)}`).join(', ')})${callAbi === 'ia32' ? ' [ia32]' : ''} [pid ${d.pid}, ${d.comm}]\n` +
        `  rule:   ${where} -> ${formatAction(answer.action)}\n`,
    );
  }
  io.err(summary(r.right, deny.kind === 'audit'));
  return r.right.status;
}

/** Run `run`: the command gets the process's own stdin, stdout and stderr. */
export const runCommand = (argv: readonly string[], io: Io): Promise<number> => runWithStreams(argv, io, {});

/** Run `run` with the command's streams as `streams` says (tests capture them). */
export async function runWithStreams(argv: readonly string[], io: Io, streams: RunStreams): Promise<number> {
  const { own, command } = splitCommand(argv);
  const args = parseArgs(own, ['abi', 'kill', 'dialect'], ['audit', 'help']);
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
  const dialect = dialectFlag(args, io) ?? detectDialect(text);
  if (typeof dialect === 'number') return dialect;
  if (dialect !== '2011') {
    const read = await readPolicy(file, text, { dialect, abi }, io);
    if (typeof read === 'number') return read;
    return runRules(read.ruleSet, file, abi, command, deny, streams, io);
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
  if (isLeft(r)) return launchFailed(r.left, io);
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
