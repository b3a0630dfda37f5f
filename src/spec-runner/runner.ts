/**
 * Runs a parsed spec example (spec-examples.ts) against any backend that has
 * the model's host API: the model itself, or the engine. A backend threads a
 * machine value through; a mutable engine may return the same object.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as O from 'fp-ts/lib/Option.js';
import { formatAction } from '../action/index.ts';
import type { RuleSet } from '../ruleset/index.ts';
import { syscallTable, type Abi } from '../x86/table.ts';
import type { KernelConfig } from '../x86/config.ts';
import type { Outcome } from '../x86/outcome.ts';
import { REG_NAMES, type RegName, type RegsInput } from '../x86/registers.ts';
import { callAbi, type Vector } from '../x86/vectors.ts';
import type { MachineView, TaskView } from '../x86/views.ts';
import type { CallArg, Command, Example, Expect } from './examples.ts';

/** The host API an implementation offers (the names of src/model/index.ts). */
export interface Backend<M> {
  readonly name: string;
  readonly initialMachine: (config?: Partial<KernelConfig>) => M;
  readonly spawn: (m: M, abi: Abi, comm: string) => readonly [M, number];
  readonly writeMemory: (m: M, pid: number, addr: bigint, bytes: readonly number[]) => E.Either<string, M>;
  readonly readMemory: (m: M, pid: number, addr: bigint, len: number) => O.Option<readonly number[]>;
  readonly syscall: (
    m: M,
    pid: number,
    vector: Vector,
    regs: RegsInput,
  ) => { readonly machine: M; readonly outcome: Outcome };
  readonly procSeccompFilter: (m: M, pid: number) => O.Option<string>;
  readonly view: (m: M) => MachineView;
  /** A5 install a rule set on a task: the new machine, or the positive errno. */
  readonly installRules?: (m: M, pid: number, rs: RuleSet) => E.Either<number, M>;
}

/** The result of one example: pass, or the first failing line and why. */
export type ExampleResult =
  { readonly ok: true } | { readonly ok: false; readonly line: number; readonly message: string };

const ARG_REGS: Readonly<Record<Abi, readonly RegName[]>> = {
  x86_64: ['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'],
  ia32: ['rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp'],
};

/** Where example strings are written: fresh addresses, far from the ones examples name. */
const SCRATCH = 0x7000_0000n;

interface Run<M> {
  readonly m: M;
  readonly pid: number;
  readonly scratch: bigint;
}

class ExampleFailure extends Error {}
const fail = (message: string): never => {
  throw new ExampleFailure(message);
};

const show = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `0x${x.toString(16)}` : x));

function checkOutcome(got: Outcome, want: Expect): void {
  const ok =
    want.kind === 'return'
      ? got.kind === 'return' && got.rax === want.rax
      : want.kind === 'killed'
        ? got.kind === 'killed' && (want.log === 'any' || got.log === want.log)
        : want.kind === 'sigsys'
          ? got.kind === 'killed' &&
            got.sigsys !== undefined &&
            got.sigsys.action === want.action.kind &&
            got.sigsys.status === 159 &&
            (want.action.kind !== 'trap' || `trap:${got.sigsys.siginfo?.data}` === formatAction(want.action)) &&
            got.log === want.log
          : want.kind === 'exited'
            ? got.kind === 'exited' && got.code === want.code
            : got.kind === 'no_task';
  if (!ok) fail(`expected ${show(want)}, got ${show(got)}`);
}

// A string argument goes to fresh scratch memory with its NUL; the pointer is the value.
function argValue<M>(b: Backend<M>, run: Run<M>, value: bigint | string): readonly [Run<M>, bigint] {
  if (typeof value === 'bigint') return [run, BigInt.asUintN(64, value)];
  const bytes = [...value].map((c) => c.charCodeAt(0) & 0xff).concat([0]);
  const m = E.getOrElse((e: string): M => fail(e))(b.writeMemory(run.m, run.pid, run.scratch, bytes));
  return [{ ...run, m, scratch: run.scratch + BigInt(bytes.length) + 0x100n }, run.scratch];
}

function registerOf(arg: CallArg, position: number, abi: Abi, argNames: readonly string[]): RegName {
  const key = arg.key ?? `a${position}`;
  if ((REG_NAMES as readonly string[]).includes(key)) return key as RegName;
  const index = /^a[0-5]$/.test(key) ? Number(key.slice(1)) : argNames.indexOf(key);
  return ARG_REGS[abi][index] ?? fail(`unknown argument '${key}'`);
}

function callRegs<M>(b: Backend<M>, run: Run<M>, c: Extract<Command, { kind: 'call' }>): readonly [Run<M>, RegsInput] {
  // A call for a dead pid still goes to the backend (it must say no_task); its ABI is then moot.
  const taskAbi = b.view(run.m).tasks.find((t) => t.pid === run.pid)?.abi ?? 'x86_64';
  const abi = callAbi(taskAbi, c.vector);
  const table = syscallTable(abi);
  const nr = /^-?(?:0x[0-9a-fA-F]+|[0-9]+)$/.test(c.name)
    ? BigInt(c.name)
    : BigInt(table.resolve(c.name) ?? fail(`no system call '${c.name}' in ${abi}`));
  const argNames = table.byNr(Number(nr))?.args.map((a) => a.name) ?? [];
  let r = run;
  const regs: Partial<Record<RegName, bigint>> = { rax: BigInt.asUintN(64, nr) };
  c.args.forEach((arg, i) => {
    const [next, v] = argValue(b, r, arg.value);
    r = next;
    regs[registerOf(arg, i, abi, argNames)] = v;
  });
  return [r, regs];
}

function currentTask<M>(b: Backend<M>, run: Run<M>): TaskView {
  return b.view(run.m).tasks.find((t) => t.pid === run.pid) ?? fail(`no live task ${run.pid}`);
}

const FIELDS: Readonly<Record<string, (t: TaskView) => string>> = {
  comm: (t) => t.comm,
  pid: (t) => String(t.pid),
  tgid: (t) => String(t.tgid),
  mode: (t) => String(t.seccomp.mode),
  abi: (t) => String(t.seccomp.abi),
  pending: (t) => String(t.seccomp.pending),
  rax: (t) => String(t.regs.rax),
  orig_rax: (t) => String(t.regs.orig_rax),
  filters: (t) => String(t.seccomp.filters.length),
  stack: (t) => String(t.seccomp.stack ?? 0),
};

function step<M>(b: Backend<M>, run: Run<M>, c: Command): Run<M> {
  switch (c.kind) {
    case 'spawn': {
      const [m, pid] = b.spawn(run.m, c.abi, c.comm);
      return { ...run, m, pid };
    }
    case 'use':
      return { ...run, pid: c.pid };
    case 'config':
      return run;
    case 'policy':
      return step(b, run, {
        line: c.line,
        kind: 'call',
        vector: c.vector,
        name: 'prctl',
        args: [
          { key: null, value: 22n },
          { key: null, value: 2n },
          { key: null, value: c.text },
        ],
        expect: c.expect,
      });
    case 'call': {
      const [r, regs] = callRegs(b, run, c);
      const { machine, outcome } = b.syscall(r.m, r.pid, c.vector, regs);
      checkOutcome(outcome, c.expect);
      return { ...r, m: machine };
    }
    case 'write':
      return { ...run, m: E.getOrElse((e: string): M => fail(e))(b.writeMemory(run.m, run.pid, c.addr, c.bytes)) };
    case 'read': {
      const got = O.toUndefined(b.readMemory(run.m, run.pid, c.addr, c.bytes.length));
      if (show(got) !== show(c.bytes))
        fail(`memory at 0x${c.addr.toString(16)}: expected ${show(c.bytes)}, got ${show(got)}`);
      return run;
    }
    case 'show': {
      const field = FIELDS[c.field] ?? fail(`unknown field '${c.field}'; known: ${Object.keys(FIELDS).join(', ')}`);
      const got = field(currentTask(b, run));
      if (got !== c.value) fail(`${c.field}: expected ${c.value}, got ${got}`);
      return run;
    }
    case 'proc': {
      // An empty block means the file does not exist (no such task).
      const got = O.getOrElse(() => '')(b.procSeccompFilter(run.m, c.pid ?? run.pid));
      if (got !== c.text) fail(`/proc text:\n--- expected\n${c.text}--- got\n${String(got)}`);
      return run;
    }
    case 'rules': {
      if (b.installRules === undefined) return fail(`the ${b.name} backend cannot install rule sets`);
      const r = b.installRules(run.m, run.pid, c.rules);
      const errno = E.isLeft(r) ? r.left : 0;
      if (errno !== c.errno)
        fail(`rules: expected ${c.errno === 0 ? '0' : `-${c.errno}`}, got ${errno === 0 ? '0' : `-${errno}`}`);
      return E.isRight(r) ? { ...run, m: r.right } : run;
    }
    case 'log': {
      const got = b.view(run.m).log;
      if (show(got) !== show(c.lines)) fail(`log: expected ${show(c.lines)}, got ${show(got)}`);
      return run;
    }
  }
}

/** One command line of an example and how it went: held, failed (with why), or not run after a failure. */
export interface LineResult {
  readonly line: number;
  readonly status: 'held' | 'failed' | 'not-run';
  readonly message?: string;
}

/** The result of an example and of each of its command lines, in order. */
export interface ExampleRun {
  readonly result: ExampleResult;
  readonly lines: readonly LineResult[];
}

/**
 * Run one example on `backend`, line by line: a fresh machine, an implicit
 * first task unless the example spawns one; the first line that does not
 * hold stops the run.
 */
export function runExampleLines<M>(example: Example, backend: Backend<M>): ExampleRun {
  if (!example.parsed.ok) {
    const message = `does not parse: ${example.parsed.error}`;
    return {
      result: { ok: false, line: example.line, message },
      lines: [{ line: example.line, status: 'failed', message }],
    };
  }
  const commands = example.parsed.commands;
  const config = commands.flatMap((c) => (c.kind === 'config' ? [{ defaultResult: c.defaultResult }] : []));
  const initial = backend.initialMachine(config[0] ?? {});
  const implicit =
    commands.find((c) => c.kind !== 'config')?.kind === 'spawn'
      ? []
      : [{ line: example.line, kind: 'spawn', abi: 'x86_64', comm: 'test' } as const];
  let run: Run<M> = { m: initial, pid: 0, scratch: SCRATCH };
  const lines: LineResult[] = [];
  for (const c of [...implicit, ...commands]) {
    if (lines.some((l) => l.status === 'failed')) {
      lines.push({ line: c.line, status: 'not-run' });
      continue;
    }
    try {
      run = step(backend, run, c);
      if (c !== implicit[0]) lines.push({ line: c.line, status: 'held' });
    } catch (e) {
      if (!(e instanceof ExampleFailure)) throw e;
      lines.push({ line: c.line, status: 'failed', message: e.message });
    }
  }
  const failed = lines.find((l) => l.status === 'failed');
  return {
    result: failed === undefined ? { ok: true } : { ok: false, line: failed.line, message: failed.message ?? '' },
    lines,
  };
}

/** Run one example on `backend`: pass, or the first failing line and why. */
export function runExample<M>(example: Example, backend: Backend<M>): ExampleResult {
  return runExampleLines(example, backend).result;
}
