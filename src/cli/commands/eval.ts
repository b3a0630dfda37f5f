/**
 * `seccomp-spec eval POLICY CALL... [--abi] [--vector] [--json]`: install a
 * policy in a fresh engine task, make one call, print the decision and why.
 * CALL is `write fd=1 buf=0x1000 count=12` or `write 1 0x1000 12`.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { auditArch, compilePolicy, describeAction, emulate, retAllows } from '../../bpf/index.ts';
import { parsePolicy, printValue } from '../../grammar/index.ts';
import {
  recordOfCall,
  explainDecision,
  namedArgs,
  traceName,
  type CallExplanation,
  type NamedArg,
} from '../../trace/index.ts';
import { suggestNames, syscallTable, type Abi } from '../../x86/table.ts';
import type { Outcome } from '../../x86/outcome.ts';
import type { RegsInput } from '../../x86/registers.ts';
import { callAbi, type Vector } from '../../x86/vectors.ts';
import { actionRuns, ALLOW, formatAction, KILL_2011, retAction, type Action } from '../../action/index.ts';
import { archOfCall, decideRules } from '../../ruleset/index.ts';
import { VectorCodec, decodeFlag } from '../args.ts';
import { detectDialect, dialectFlag, ociFlags, readPolicy, type Dialect, type OciReadOptions } from '../dialect.ts';
import { callText } from '../format.ts';
import { EXIT, type Io } from '../io.ts';
import { abiFlag, installedTask, parseCommand, policyOk, readInput, strictFlag, toJson } from '../inputs.ts';

/** Help text of `eval`. */
export const EVAL_HELP = `usage: seccomp-spec eval POLICY NAME [ARG...] [--abi x86_64|ia32] [--vector syscall|int80|sysenter] [--dialect 2011|minijail|oci] [--caps LIST] [--kernel X.Y] [--bpf] [--json] [--strict-2011]

Install POLICY in a fresh engine task whose code is --abi (default x86_64),
then make one system call through --vector (default syscall) and print the
decision (S6.4), the entry it met and why, the action (allow, or the 2011
kill: kill) and the rule that chose it (FILE:LINE of the entry), e.g.
  seccomp-spec eval policy.txt write fd=1 buf=0x1000 count=12
  seccomp-spec eval policy.txt write 1 0x1000 12
NAME is a unistd name, sys_<entry> name or number (any 32-bit number: one
the table does not list is judged too, S6.4); each
ARG is VALUE or ARGNAME=VALUE (decimal, 0x-hex, or negative: two's
complement); missing arguments are 0. A pending 'on_next_syscall: 1' is
first used up by a getpid, so the call is judged as any later one.
--bpf also compiles POLICY to seccomp BPF (seccomp-spec bpf) and runs the
program in the emulator on the call as the kernel would fill seccomp_data
(full 64-bit registers), reporting its return, action and instructions executed.
Filters may name constants of the UAPI headers (O_CLOEXEC, AF_UNIX) and
argN for the N-th argument [ext]; --strict-2011 rejects both.
--dialect minijail reads a minijail policy (spec/17-minijail.md) and
decides the call by its rules, first match: the action and the rule (file
and line) or the default that gave it; exit 0 when the action lets the
call run (allow, log).
Exit: 0 allowed, 1 killed (or a bad policy), 2 usage.
`;

/** A call argument: decimal or 0x-hex, negative values as two's complement, within 64 bits. */
const ArgValue = new t.Type<bigint, string, unknown>(
  'an integer (decimal or 0x-hex, optionally negative) within 64 bits',
  (u): u is bigint => typeof u === 'bigint',
  (u, c) => {
    const m = typeof u === 'string' ? /^(-?)(0x[0-9a-fA-F]{1,16}|[0-9]{1,20})$/.exec(u) : null;
    if (m === null) return t.failure(u, c);
    const v = BigInt(m[2]!);
    if (m[1] === '-' ? v > 1n << 63n : v >= 1n << 64n) return t.failure(u, c);
    return t.success(BigInt.asUintN(64, m[1] === '-' ? -v : v));
  },
  (v) => v.toString(),
);

/** The call NAME ARG... as a number and six arguments, or a usage message. */
function parseCall(
  tokens: readonly string[],
  abi: Abi,
): { readonly nr: number; readonly args: readonly bigint[] } | string {
  const [name, ...rest] = tokens as [string, ...string[]];
  const table = syscallTable(abi);
  // A number the table does not list (x32's bit 30, a negative eax) is still a call to judge (S6.4, C8).
  const raw = /^(?:0x[0-9a-fA-F]{1,8}|-?[0-9]{1,10})$/.test(name) ? Number(BigInt.asIntN(32, BigInt(name))) : undefined;
  const nr = table.resolve(name) ?? raw;
  if (nr === undefined) {
    const near = suggestNames(abi, name);
    return `unknown system call '${name.slice(0, 64)}' for ${abi}${near.length > 0 ? `; did you mean ${near.map((n) => `'${n}'`).join(', ')}?` : ''}`;
  }
  const params = table.byNr(nr)?.args ?? [];
  const args: bigint[] = [0n, 0n, 0n, 0n, 0n, 0n];
  let next = 0;
  for (const tok of rest) {
    const eq = tok.indexOf('=');
    const index = eq < 0 ? next++ : params.findIndex((p) => p.name === tok.slice(0, eq));
    if (index < 0)
      return `${name} has no argument '${tok.slice(0, eq)}' (its arguments: ${params.map((p) => p.name).join(', ') || 'none'})`;
    if (index >= 6) return `${name} takes at most 6 arguments`;
    const v = ArgValue.decode(eq < 0 ? tok : tok.slice(eq + 1));
    if (isLeft(v)) return `argument '${tok}': expected ${ArgValue.name}`;
    args[index] = v.right;
  }
  return { nr, args };
}

/** S6.1 the registers of the call in its ABI. */
function regsOf(abi: Abi, nr: number, a: readonly bigint[]): RegsInput {
  return abi === 'x86_64'
    ? { rax: BigInt(nr), rdi: a[0]!, rsi: a[1]!, rdx: a[2]!, r10: a[3]!, r8: a[4]!, r9: a[5]! }
    : { rax: BigInt(nr), rbx: a[0]!, rcx: a[1]!, rdx: a[2]!, rsi: a[3]!, rdi: a[4]!, rbp: a[5]! };
}

const outcomeText = (o: Outcome): string =>
  o.kind === 'return'
    ? `returned ${printValue(BigInt.asIntN(64, o.rax))}`
    : o.kind === 'killed'
      ? `killed${o.log === null ? '' : `: ${o.log}`}`
      : o.kind;

/** The rule that chose a call's action: the policy lines of the call's entry (several when a name repeats, S5.4). */
interface ChosenBy {
  readonly file: string;
  readonly lines: readonly number[];
  readonly text: string;
}

// The lines of `text` whose entries make up the entry of `nr` that decided, when one did.
function chosenBy(file: string, text: string, taskAbi: Abi, abi: Abi, nr: number, d: CallExplanation): ChosenBy | null {
  if (d.entry === null || abi !== taskAbi) return null;
  const p = parsePolicy(text, taskAbi);
  const lines = p.ok ? p.policy.entries.filter((e) => e.nr === nr).map((e) => e.line) : [];
  return lines.length === 0 ? null : { file, lines, text: d.entry };
}

const chosenText = (name: string, c: ChosenBy | null): string =>
  c === null ? 'none: no entry answered, the default did (S6.4)' : `${c.file}:${c.lines.join(',')}: ${name}: ${c.text}`;

/** What the compiled program did with the call. */
interface BpfRun {
  /** The action of the program's return (formatAction), and its SECCOMP_RET_* value. */
  readonly action: string;
  readonly ret: string;
  readonly executed: number;
  readonly length: number;
}

// The policy as BPF, run on the call's seccomp_data; a note when it and the engine disagree.
function bpfRun(
  text: string,
  taskAbi: Abi,
  abi: Abi,
  c: { readonly nr: number; readonly args: readonly bigint[] },
  allowed: boolean,
  notes: string[],
): BpfRun | string {
  const compiled = compilePolicy(text, { abi: taskAbi });
  if (compiled._tag === 'Left') return compiled.left.message;
  const run = emulate(compiled.right.program, { nr: c.nr, arch: auditArch(abi), instructionPointer: 0n, args: c.args });
  if (retAllows(run.ret) !== allowed) notes.push('the BPF program and the engine disagree: please report this bug');
  return {
    action: formatAction(retAction(run.ret)),
    ret: describeAction(run.ret),
    executed: run.executed,
    length: compiled.right.program.length,
  };
}

function render(
  name: string,
  shown: readonly NamedArg[],
  abi: Abi,
  vector: Vector,
  d: CallExplanation,
  o: Outcome,
  action: Action,
  chosen: ChosenBy | null,
  notes: readonly string[],
  bpf?: BpfRun,
): string {
  const call = callText(name, shown);
  return (
    `${call} via ${vector} (${abi}): ${d.allowed ? 'ALLOWED' : 'KILLED'}\n` +
    `  entry:   ${d.entry === null ? 'none' : `${name}: ${d.entry}`}\n` +
    `  reason:  ${d.reason}\n` +
    `  engine:  ${outcomeText(o)}\n` +
    `  action:  ${formatAction(action)}\n` +
    `  rule:    ${chosenText(name, chosen)}\n` +
    (bpf === undefined
      ? ''
      : `  bpf:     ${bpf.ret} (${bpf.action}) after ${bpf.executed} of ${bpf.length} instructions\n`) +
    notes.map((n) => `note: ${n}\n`).join('')
  );
}

/**
 * M11 one call decided by a policy of another dialect, read into the
 * decision form: the first rule that holds, or the default (R4).
 */
async function evalRules(
  file: string,
  text: string,
  dialect: Dialect,
  taskAbi: Abi,
  abi: Abi,
  c: { readonly nr: number; readonly args: readonly bigint[] },
  json: boolean,
  io: Io,
  oci: OciReadOptions = {},
): Promise<number> {
  const read = await readPolicy(file, text, { dialect, abi: taskAbi, oci }, io);
  if (typeof read === 'number') return read;
  // The filter sees the low 32 bits of each register of an ia32 call.
  const args = abi === 'ia32' ? c.args.map((a) => BigInt.asUintN(32, a)) : c.args;
  const d = decideRules(read.ruleSet, abi, c.nr, args);
  const name = traceName(abi, c.nr);
  const where =
    d.rule !== undefined
      ? `${d.rule.origin.file ?? file}${d.rule.origin.line !== undefined ? `:${d.rule.origin.line}` : ''}: ${d.rule.origin.text}`
      : d.by === 'other-arch'
        ? `no rules for this architecture (${abi} call ${c.nr})`
        : `no rule holds: the default (${read.ruleSet.arches[archOfCall(abi, c.nr)]?.otherwiseOrigin?.text ?? 'default'})`;
  const runs = actionRuns(d.action);
  // O7 the profile rules for this call that Docker's conditions removed, and why.
  const removed = (read.oci?.removed ?? [])
    .filter((r) => r.names.includes(name))
    .map(
      (r) =>
        `syscalls[${r.index}] (${r.names.length > 3 ? `${r.names.slice(0, 3).join(', ')}...` : r.names.join(', ')}) removed by Docker: ${r.reason}`,
    );
  if (json)
    io.out(
      `${toJson({ allowed: runs, action: formatAction(d.action), abi, nr: c.nr, name, by: d.by, rule: where, ...(removed.length > 0 ? { removed } : {}) })}\n`,
    );
  else
    io.out(
      `${callText(name, namedArgs(abi, c.nr, c.args).slice(0, Math.max(syscallTable(abi).byNr(c.nr)?.args.length ?? 0, 1)))} (${abi}): ${formatAction(d.action)}\n  ${d.by === 'rule' ? 'rule' : 'by'}: ${where}\n${removed.map((r) => `  note: ${r}\n`).join('')}`,
    );
  return runs ? EXIT.OK : EXIT.FAIL;
}

/** Run `eval`. */
export async function evalCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = parseCommand(
    argv,
    {
      name: 'eval',
      valued: ['abi', 'vector', 'dialect', 'caps', 'kernel'],
      booleans: ['json', 'bpf', 'strict-2011'],
      positionals: [2, Infinity],
      help: EVAL_HELP,
    },
    io,
  );
  if (typeof args === 'number') return args;
  const abiArg = abiFlag(args, io);
  if (typeof abiArg === 'number') return abiArg;
  const taskAbi = abiArg ?? 'x86_64';
  const decoded = decodeFlag(VectorCodec, 'vector', args.flags['vector'] ?? 'syscall');
  if (isLeft(decoded)) {
    io.err(`${decoded.left}\n`);
    return EXIT.USAGE;
  }
  const vector = decoded.right;
  const abi = callAbi(taskAbi, vector);
  const [file, ...tokens] = args.positionals as [string, ...string[]];
  const c = parseCall(tokens, abi);
  if (typeof c === 'string') {
    io.err(`${c}\n`);
    return EXIT.USAGE;
  }
  const text = readInput(file, io);
  if (text === null) return EXIT.USAGE;
  const flag = dialectFlag(args, io);
  if (typeof flag === 'number') return flag;
  const dialect = flag ?? detectDialect(text);
  const oci = ociFlags(args, io);
  if (typeof oci === 'number') return oci;
  if (dialect !== '2011') return evalRules(file, text, dialect, taskAbi, abi, c, args.flags['json'] === true, io, oci);
  if (!policyOk(file, text, taskAbi, io, strictFlag(args))) return EXIT.FAIL;
  const task = installedTask(file, text, taskAbi, 'eval', io);
  if (task === null) return EXIT.FAIL;
  const { kernel, pid } = task;
  const notes: string[] = [];
  if (kernel.view().tasks[0]!.seccomp.pending) {
    kernel.syscall(pid, 'syscall', { rax: taskAbi === 'x86_64' ? 39n : 20n });
    notes.push('on_next_syscall: 1 was used up by a getpid first (S6.4)');
  }
  const state = kernel.view().tasks[0]!.seccomp;
  const d = explainDecision(state, abi, recordOfCall(abi, c.nr, c.args), kernel.filterFor(pid, c.nr));
  const o = kernel.syscall(pid, vector, regsOf(abi, c.nr, c.args));
  let bpf: BpfRun | undefined;
  if (args.flags['bpf'] === true) {
    const r = bpfRun(text, taskAbi, abi, c, o.kind !== 'killed', notes);
    if (typeof r === 'string') {
      io.err(`${file}: ${r}\n`);
      return EXIT.FAIL;
    }
    bpf = r;
  }
  const name = traceName(abi, c.nr);
  // A 2011 policy answers allow, or the 2011 kill (R5).
  const action = o.kind === 'killed' ? KILL_2011 : ALLOW;
  const chosen = chosenBy(file, text, taskAbi, abi, c.nr, d);
  const shown = namedArgs(abi, c.nr, c.args).slice(
    0,
    Math.max(syscallTable(abi).byNr(c.nr)?.args.length ?? 0, tokens.length - 1),
  );
  if (args.flags['json'] === true) {
    const out = {
      allowed: o.kind !== 'killed',
      abi,
      vector,
      nr: c.nr,
      name,
      args: Object.fromEntries(shown.map((a) => [a.name, a.value])),
      step: d.step,
      entry: d.entry,
      reason: d.reason,
      fields: d.why?.fields ?? [],
      outcome: o,
      action: formatAction(action),
      rule: chosen,
      ...(bpf === undefined ? {} : { bpf }),
      notes,
    };
    io.out(`${toJson(out)}\n`);
  } else io.out(render(name, shown, abi, vector, d, o, action, chosen, notes, bpf));
  return o.kind === 'killed' ? EXIT.FAIL : EXIT.OK;
}
