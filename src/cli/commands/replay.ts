/**
 * `seccomp-spec replay POLICY TRACE [--abi x86_64|ia32] [--json] [--lenient] [--all] [-q|--quiet]`:
 * run a traced process tree through the engine under a policy, as a
 * launcher would, and report the first killed call of each task with why
 * (with --all, every denied call, as an audit would). The trace streams.
 */
import { Launcher, Replayer, type Denial, type Kill, type ReplayReport, type TaskReport } from '../../trace/index.ts';
import { callText, plural } from '../format.ts';
import type { Abi } from '../../x86/table.ts';
import { EXIT, type Io } from '../io.ts';
import { abiFlag, parseCommand, policyOk, readInput, strictFlag, toJson, traceComm } from '../inputs.ts';
import { readTrace } from '../trace-input.ts';
import type { RuleSet } from '../../ruleset/index.ts';
import { detectDialect, dialectFlag, readPolicy } from '../dialect.ts';

/** Help text of `replay`. */
export const REPLAY_HELP = `usage: seccomp-spec replay POLICY TRACE [--abi x86_64|ia32] [--dialect D] [--json] [--lenient] [--all] [-q|--quiet]

Replay a traced process tree through the engine as a launcher would: spawn a
task, install POLICY with 'on_next_syscall: 1' just before the root's first
execve, then make every traced call; forks in the trace fork in the engine,
so children inherit the seccomp state. Reports, per task, the first call
that would be killed, the entry it met and why, and a table per system call.

TRACE is the output of 'seccomp-spec record' or 'strace -f -e raw=all -o FILE
PROGRAM' (with or without -t/-tt/-ttt/-r/-n/-i/-T; stderr output with [pid N]
prefixes works too) or JSON lines {"pid":1,"nr":1 or "name":"write",
"args":[1,"0x1000",12],"ret":12}. It is read as a stream, so a trace of any
size works; a terminal shows progress (not with --quiet).
--abi: the ABI of the policy and of the traced program (default: the ABI of
the root's calls after its execve). --lenient skips bad trace lines and
counts them, and fails when they are more than 1% of the lines. --all goes
on past a denied call, as an audit would, and lists every system call the
policy denies, per task. TRACE or POLICY '-' reads stdin.
Filters may name constants of the UAPI headers (O_CLOEXEC, AF_UNIX) and
argN for the N-th argument [ext]; --strict-2011 rejects both.
--dialect minijail|oci reads a policy of that language (T18): it goes in
right after the root's first execve, as minijail0 installs it; a call it answers
with neither allow nor log is denied, and the first ends that task's
replay (the traced program would have gone another way), unless --all.
Exit: 0 nothing killed (denied, with --all), 1 a call killed (or a bad
policy, or a trace that is malformed or has no system call), 2 usage.
`;

function why(k: Kill, indent: string): string {
  const d = k.decision;
  return (
    `${indent}call:   ${callText(k.name, k.args)}${k.abi === 'ia32' ? ' [ia32]' : ''}\n` +
    `${indent}entry:  ${d.entry === null ? 'none' : `${k.name}: ${d.entry}`}\n` +
    `${indent}reason: ${d.reason}\n` +
    (k.log === null ? '' : `${indent}log:    ${k.log}\n`)
  );
}

const killText = (t: TaskReport, k: Kill): string =>
  `task ${t.tracePid} (engine pid ${t.pid}): ${k.action === undefined ? 'KILLED' : `DENIED (${k.action}), its replay stopped,`} at line ${k.line} after ${plural(t.allowed, 'allowed call')}\n${why(k, '  ')}`;

function denialsText(t: TaskReport): string {
  const calls = t.denials.reduce((n, d) => n + d.count, 0);
  const head = `task ${t.tracePid} (engine pid ${t.pid}): ${plural(t.denials.length, 'system call')} denied (${plural(calls, 'call')}), ${plural(t.allowed, 'call')} allowed\n`;
  const each = (d: Denial): string =>
    `  ${d.first.name} (${d.first.abi === 'ia32' ? 'ia32 ' : ''}${d.first.nr}): ${plural(d.count, 'call')}, first at line ${d.first.line}\n${why(d.first, '    ')}`;
  return head + t.denials.map(each).join('');
}

function taskText(t: TaskReport): string {
  if (t.kill !== null) return killText(t, t.kill);
  if (t.denials.length > 0) return denialsText(t);
  return `task ${t.tracePid} (engine pid ${t.pid}): ok, ${plural(t.allowed, 'call')} allowed\n`;
}

function summaryTable(report: ReplayReport, all: boolean): string {
  const rows = report.summary.map((r) => [
    `${r.name} (${r.abi === 'ia32' ? 'ia32 ' : ''}${r.nr})`,
    String(r.allowed),
    String(r.killed),
  ]);
  const w = Math.max(12, ...rows.map((r) => r[0]!.length));
  const line = (a: string, b: string, c: string): string => `${a.padEnd(w)}  ${b.padStart(8)}  ${c.padStart(6)}\n`;
  return (
    line('system call', 'allowed', all ? 'denied' : 'killed') + rows.map((r) => line(r[0]!, r[1]!, r[2]!)).join('')
  );
}

function renderText(report: ReplayReport, head: string, all: boolean): string {
  const tasks = report.tasks.map(taskText).join('');
  const notes = report.notes.map((n) => `note: ${n}\n`).join('');
  const n = report.tasks.length;
  const total = all
    ? `${report.tasks.filter((t) => t.denials.length > 0).length} of ${plural(n, 'task')} denied a call; ${plural(report.unreached, 'call')} not reached\n`
    : `${report.tasks.filter((t) => t.kill !== null).length} of ${plural(n, 'task')} killed; ${plural(report.unreached, 'call')} not reached\n`;
  return `${head}\n\n${tasks}${notes}\n${summaryTable(report, all)}\n${total}`;
}

const killJson = (k: Kill): object => ({
  line: k.line,
  abi: k.abi,
  nr: k.nr,
  name: k.name,
  args: Object.fromEntries(k.args.map((a) => [a.name, a.value])),
  step: k.decision.step,
  entry: k.decision.entry,
  reason: k.decision.reason,
  fields: k.decision.why === null ? [] : k.decision.why.fields,
  log: k.log,
  action: k.action ?? null,
});

function renderJson(report: ReplayReport, policy: string, trace: string, abi: Abi, skippedLines: number): string {
  const tasks = report.tasks.map((t) => ({
    tracePid: t.tracePid,
    pid: t.pid,
    allowed: t.allowed,
    kill: t.kill === null ? null : killJson(t.kill),
    denials: t.denials.map((d) => ({ count: d.count, first: killJson(d.first) })),
  }));
  const killed = tasks.filter((t) => t.kill !== null).length;
  const denied = tasks.filter((t) => t.denials.length > 0).length;
  return `${toJson({ ok: killed === 0 && denied === 0, policy, trace, abi, killed, denied, tasks, summary: report.summary, unreached: report.unreached, skippedLines, notes: report.notes, log: report.log })}\n`;
}

/** Run `replay`. */
export async function replayCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = parseCommand(
    argv,
    {
      name: 'replay',
      valued: ['abi', 'dialect'],
      booleans: ['json', 'lenient', 'all', 'quiet', 'strict-2011'],
      positionals: [2, 2],
      help: REPLAY_HELP,
    },
    io,
  );
  if (typeof args === 'number') return args;
  const abiArg = abiFlag(args, io);
  if (typeof abiArg === 'number') return abiArg;
  const [policyFile, traceFile] = args.positionals as [string, string];
  if (policyFile === '-' && traceFile === '-') {
    io.err(
      `replay: POLICY and TRACE cannot both be '-' (stdin can be read once); give one of them as a file\n${REPLAY_HELP}`,
    );
    return EXIT.USAGE;
  }
  const policy = readInput(policyFile, io);
  if (policy === null) return EXIT.USAGE;
  const dialectArg = dialectFlag(args, io);
  if (typeof dialectArg === 'number') return dialectArg;
  const dialect = dialectArg ?? detectDialect(policy);
  let rules: RuleSet | undefined;
  if (dialect !== '2011') {
    const read = await readPolicy(policyFile, policy, { dialect, abi: abiArg ?? 'x86_64' }, io);
    if (typeof read === 'number') return read;
    rules = read.ruleSet;
  }
  if (rules === undefined && abiArg !== undefined && !policyOk(policyFile, policy, abiArg, io, strictFlag(args)))
    return EXIT.FAIL;
  const all = args.flags['all'] === true;
  let abi: Abi = abiArg ?? 'x86_64';
  const replayer = new Replayer(policy, {
    comm: traceComm(traceFile),
    all,
    ...(rules === undefined ? {} : { rules }),
    onLaunch: (l) => {
      abi = l.abi;
      return rules !== undefined || abiArg !== undefined || policyOk(policyFile, policy, l.abi, io, strictFlag(args));
    },
  });
  const input = {
    file: traceFile,
    abi: abiArg ?? 'x86_64',
    lenient: args.flags['lenient'] === true,
    quiet: args.flags['quiet'] === true,
    label: 'replay',
  } as const;
  const read = await readTrace(input, new Launcher(replayer, abiArg), io);
  if (typeof read === 'number') return read;
  const report = replayer.report();
  const skipped = read.skipped > 0 ? `, ${plural(read.skipped, 'line')} skipped` : '';
  const head = `replay of ${traceFile} (${plural(read.lines, 'line')}, ${plural(read.calls, 'call')}${skipped}) under ${policyFile} (${abi})${all ? ', auditing every call' : ''}`;
  io.out(
    args.flags['json'] === true
      ? renderJson(report, policyFile, traceFile, abi, read.skipped)
      : renderText(report, head, all),
  );
  return report.tasks.some((t) => t.kill !== null || t.denials.length > 0) ? EXIT.FAIL : EXIT.OK;
}
