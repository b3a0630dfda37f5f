/**
 * `seccomp-spec replay POLICY TRACE [--abi x86_64|ia32] [--json] [--lenient]`:
 * run a traced process tree through the engine under a policy, as a
 * launcher would, and report the first killed call of each task with why.
 */
import { printValue } from '../../grammar/index.ts';
import { replay, traceAbi, type Kill, type NamedArg, type ReplayReport, type TaskReport } from '../../trace/index.ts';
import type { Abi } from '../../x86/table.ts';
import { EXIT, type Io } from '../io.ts';
import { abiFlag, loadTrace, parseCommand, policyOk, readInput, strictFlag, toJson, traceComm } from '../inputs.ts';

/** Help text of `replay`. */
export const REPLAY_HELP = `usage: seccomp-spec replay POLICY TRACE [--abi x86_64|ia32] [--json] [--lenient] [--strict-2011]

Replay a traced process tree through the engine as a launcher would: spawn a
task, install POLICY with 'on_next_syscall: 1' just before the root's first
execve, then make every traced call; forks in the trace fork in the engine,
so children inherit the seccomp state. Reports, per task, the first call
that would be killed, the entry it met and why, and a table per system call.

TRACE is the output of 'strace -f -e raw=all -o FILE PROGRAM' (with or
without -t/-tt/-ttt/-r/-n/-i/-T; stderr output with [pid N] prefixes works too)
or JSON lines {"pid":1,"nr":1 or "name":"write","args":[1,"0x1000",12],"ret":12}.
--abi: the ABI of the policy and of the traced program (default: the ABI of
the root's calls after its execve). --lenient skips bad trace lines and
counts them. TRACE or POLICY '-' reads stdin.
Filters may name constants of the UAPI headers (O_CLOEXEC, AF_UNIX) and
argN for the N-th argument [ext]; --strict-2011 rejects both.
Exit: 0 nothing killed, 1 a call killed (or a bad policy, or a trace that is
malformed or has no system call), 2 usage.
`;

const call = (name: string, args: readonly NamedArg[]): string => `${name}(${args.map((a) => `${a.name}=${printValue(a.value)}`).join(', ')})`;

function killText(t: TaskReport, k: Kill): string {
  const d = k.decision;
  return (
    `task ${t.tracePid} (engine pid ${t.pid}): KILLED at line ${k.line} after ${t.allowed} allowed call${t.allowed === 1 ? '' : 's'}\n` +
    `  call:   ${call(k.name, k.args)}${k.abi === 'ia32' ? ' [ia32]' : ''}\n` +
    `  entry:  ${d.entry === null ? 'none' : `${k.name}: ${d.entry}`}\n` +
    `  reason: ${d.reason}\n` +
    (k.log === null ? '' : `  log:    ${k.log}\n`)
  );
}

function summaryTable(report: ReplayReport): string {
  const rows = report.summary.map((r) => [`${r.name} (${r.abi === 'ia32' ? 'ia32 ' : ''}${r.nr})`, String(r.allowed), String(r.killed)]);
  const w = Math.max(12, ...rows.map((r) => r[0]!.length));
  const line = (a: string, b: string, c: string): string => `${a.padEnd(w)}  ${b.padStart(8)}  ${c.padStart(6)}\n`;
  return line('system call', 'allowed', 'killed') + rows.map((r) => line(r[0]!, r[1]!, r[2]!)).join('');
}

function renderText(report: ReplayReport, head: string): string {
  const killed = report.tasks.filter((t) => t.kill !== null);
  const tasks = report.tasks
    .map((t) => (t.kill === null ? `task ${t.tracePid} (engine pid ${t.pid}): ok, ${t.allowed} calls allowed\n` : killText(t, t.kill)))
    .join('');
  const notes = report.notes.map((n) => `note: ${n}\n`).join('');
  const total = `${killed.length} of ${report.tasks.length} task${report.tasks.length === 1 ? '' : 's'} killed; ${report.unreached} call${report.unreached === 1 ? '' : 's'} not reached\n`;
  return `${head}\n\n${tasks}${notes}\n${summaryTable(report)}\n${total}`;
}

function renderJson(report: ReplayReport, policy: string, trace: string, abi: Abi, skippedLines: number): string {
  const tasks = report.tasks.map((t) => ({
    tracePid: t.tracePid,
    pid: t.pid,
    allowed: t.allowed,
    kill:
      t.kill === null
        ? null
        : {
            line: t.kill.line,
            abi: t.kill.abi,
            nr: t.kill.nr,
            name: t.kill.name,
            args: Object.fromEntries(t.kill.args.map((a) => [a.name, a.value])),
            step: t.kill.decision.step,
            entry: t.kill.decision.entry,
            reason: t.kill.decision.reason,
            fields: t.kill.decision.why === null ? [] : t.kill.decision.why.fields,
            log: t.kill.log,
          },
  }));
  const killed = tasks.filter((t) => t.kill !== null).length;
  return `${toJson({ ok: killed === 0, policy, trace, abi, killed, tasks, summary: report.summary, unreached: report.unreached, skippedLines, notes: report.notes, log: report.log })}\n`;
}

/** Run `replay`. */
export function replayCommand(argv: readonly string[], io: Io): number {
  const args = parseCommand(argv, { name: 'replay', valued: ['abi'], booleans: ['json', 'lenient', 'strict-2011'], positionals: [2, 2], help: REPLAY_HELP }, io);
  if (typeof args === 'number') return args;
  const abiArg = abiFlag(args, io);
  if (typeof abiArg === 'number') return abiArg;
  const [policyFile, traceFile] = args.positionals as [string, string];
  const policy = readInput(policyFile, io);
  const text = policy === null ? null : readInput(traceFile, io);
  if (policy === null || text === null) return EXIT.USAGE;
  const trace = loadTrace(traceFile, text, abiArg ?? 'x86_64', args.flags['lenient'] === true, io);
  if (trace === null) return EXIT.FAIL;
  const abi = abiArg ?? traceAbi(trace, 'x86_64');
  if (!policyOk(policyFile, policy, abi, io, strictFlag(args))) return EXIT.FAIL;
  const progress = io.errIsTty && trace.events.length > 100_000;
  const r = replay(trace, policy, {
    abi,
    comm: traceComm(traceFile),
    ...(progress ? { onProgress: (done: number, total: number) => io.err(`\rreplay: ${done}/${total} events`) } : {}),
  });
  if (progress) io.err(`\r${' '.repeat(40)}\r`);
  if (!r.ok) {
    io.err(`${policyFile}: ${r.message}\n`);
    return EXIT.FAIL;
  }
  const calls = trace.events.filter((e) => e.kind === 'call').length;
  const skipped = trace.skipped.length > 0 ? `, ${trace.skipped.length} lines skipped` : '';
  const head = `replay of ${traceFile} (${trace.lines} lines, ${calls} calls${skipped}) under ${policyFile} (${abi})`;
  io.out(args.flags['json'] === true ? renderJson(r.report, policyFile, traceFile, abi, trace.skipped.length) : renderText(r.report, head));
  return r.report.tasks.some((t) => t.kill !== null) ? EXIT.FAIL : EXIT.OK;
}
