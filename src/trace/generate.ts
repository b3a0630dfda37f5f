/**
 * The smallest policy that lets a traced program run: an entry for every
 * system call the policy would check during a replay, `1` by default, or
 * equality constraints on chosen arguments built from the observed values
 * within the S2.3 limits (255 characters, 32 terms).
 */
import { parseFilter, printValue } from '../grammar/index.ts';
import { syscallTable, type Abi } from '../x86/table.ts';
import { MAX_USER_TEXT } from '../x86/types.ts';
import { callRecord } from './explain.ts';
import { checkedCalls } from './launch.ts';
import type { Trace, TraceCall } from './types.ts';

/** Options of the generator. */
export interface GenerateOptions {
  /** The policy's ABI (S1.3): names resolve against it; calls of the other ABI cannot be allowed (S6.4). */
  readonly abi: Abi;
  /** Argument names to constrain to their observed values. */
  readonly args: readonly string[];
  /** Shown in the header comment. */
  readonly source: string;
  /** Constrain pointer arguments too (their addresses change from run to run); default false. */
  readonly pointers?: boolean;
}

/** A generated policy text and what the reader should know about it. */
export interface Generated {
  readonly text: string;
  /** Number of system calls with an entry. */
  readonly entries: number;
  /** Calls no policy of this ABI can allow (other ABI, or nr out of range): S6.4. */
  readonly unallowable: readonly TraceCall[];
  readonly notes: readonly string[];
  /** What the user asked that the policy does not do as asked, or that it does at a risk (pointer arguments). */
  readonly warnings: readonly string[];
  /** Even without comments the text is over the 64 KiB prctl reads (S5.2): no launcher could install it. */
  readonly tooBig: boolean;
}

/** `fd == 1 || fd == 2`, values ascending, or null when there are more than 32 of them. */
function disjunction(name: string, values: ReadonlySet<bigint>): string | null {
  if (values.size > 32) return null;
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted.map((v) => `${name} == ${printValue(v)}`).join(' || ');
}

/** The filter for one system call: constraints on the chosen arguments that fit, else `1`. */
/** A C type that holds an address: its value changes from run to run (ASLR). */
const isPointer = (type: string): boolean => type.includes('*') || type === 'compat_uptr_t';

function entryFilter(abi: Abi, nr: number, calls: readonly TraceCall[], opts: GenerateOptions, notes: string[], pointerArgs: Map<string, string[]>): string {
  const info = syscallTable(abi).byNr(nr);
  const args = info?.args ?? [];
  const parts: string[] = [];
  for (const name of opts.args) {
    const index = args.findIndex((a) => a.name === name);
    if (index < 0) continue;
    if (isPointer(args[index]!.type)) {
      pointerArgs.set(name, [...(pointerArgs.get(name) ?? []), info?.name ?? String(nr)]);
      if (opts.pointers !== true) continue;
    }
    const values = new Set(calls.map((c) => callRecord(abi, c.nr, c.args).args[index]!));
    const d = disjunction(name, values);
    const candidate = d === null ? null : [...parts, values.size > 1 ? `(${d})` : d];
    const text = candidate?.join(' && ');
    if (candidate !== null && text !== undefined && parseFilter(text, args).ok) {
      parts.splice(0, parts.length, ...candidate);
    } else {
      notes.push(`${info?.name ?? nr}: ${values.size} distinct values of ${name} do not fit one filter (S2.3: 255 characters, 32 terms); ${name} is not constrained`);
    }
  }
  if (parts.length === 1 && parts[0]!.startsWith('(')) return parts[0]!.slice(1, -1);
  return parts.length === 0 ? '1' : parts.join(' && ');
}

/** A name a policy can use for `nr` in `abi` (S1.3): the unistd name when it resolves back, else the number. */
function policyName(abi: Abi, nr: number): string {
  const t = syscallTable(abi);
  const name = t.byNr(nr)?.name;
  return name !== undefined && t.resolve(name) === nr ? name : String(nr);
}

/** Generate the smallest policy under which replaying `trace` kills nothing. */
export function generatePolicy(trace: Trace, opts: GenerateOptions): Generated {
  const table = syscallTable(opts.abi);
  const byNr = new Map<number, TraceCall[]>();
  const unallowable: TraceCall[] = [];
  const checked = checkedCalls(trace);
  for (const c of checked) {
    if (c.abi !== opts.abi || c.nr < 0 || c.nr >= table.nrSyscalls) {
      unallowable.push(c);
      continue;
    }
    const list = byNr.get(c.nr);
    if (list === undefined) byNr.set(c.nr, [c]);
    else list.push(c);
  }
  const notes: string[] = [];
  for (const name of opts.args) {
    if (![...byNr.keys()].some((nr) => table.byNr(nr)?.args.some((a) => a.name === name))) {
      notes.push(`no traced system call has an argument named '${name}'`);
    }
  }
  const pointerArgs = new Map<string, string[]>();
  const entries = [...byNr.keys()]
    .sort((a, b) => a - b)
    .map((nr) => {
      const entryNotes: string[] = [];
      const filter = entryFilter(opts.abi, nr, byNr.get(nr)!, opts, entryNotes, pointerArgs);
      notes.push(...entryNotes);
      return { notes: entryNotes.map((n) => `# ${n}\n`).join(''), line: `${policyName(opts.abi, nr)}: ${filter}\n` };
    });
  const header =
    `# Generated by seccomp-spec generate from ${opts.source} (${opts.abi}): ` +
    `${byNr.size} system calls, ${checked.length - unallowable.length} calls.\n` +
    '# The launcher adds on_next_syscall: 1, so the first execve is not checked (S5.2).\n';
  const commented = header + entries.map((e) => e.notes + e.line).join('');
  // T10 prctl reads at most 64 KiB (S5.2, C16): the comments go first, the notes stay on stderr.
  const text = Buffer.byteLength(commented, 'utf8') <= MAX_USER_TEXT ? commented : header + entries.map((e) => e.line).join('');
  const warnings = [...pointerArgs].map(([name, calls]) =>
    `'${name}' is a pointer in ${calls.join(', ')}: addresses change from run to run, so ` +
      (opts.pointers === true ? 'the policy may kill the next run (--args-pointers)' : 'it is not constrained there (--args-pointers to constrain it anyway)'),
  );
  return { text, entries: byNr.size, unallowable, notes, warnings, tooBig: Buffer.byteLength(text, 'utf8') > MAX_USER_TEXT };
}
