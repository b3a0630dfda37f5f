/**
 * Stage 5 of the trace pipeline, the other way: the smallest policy that
 * lets a traced program run: an entry for every system call the policy
 * would check during a replay, `1` by default, or equality constraints on
 * chosen arguments built from the observed values within the S2.3 limits
 * (255 characters, 32 terms). It keeps per system call a count and at most
 * 33 distinct values per chosen argument, so any trace fits in memory.
 */
import { formatValue, parseFilter, type ArgShape } from '../grammar/index.ts';
import { syscallTable, type Abi } from '../x86/table.ts';
import { MAX_USER_TEXT, utf8Length } from '../x86/prctl.ts';
import { RawCall } from './call.ts';
import { plural } from './print.ts';
import { Launcher, PHASE, type Launch, type LaunchSink } from './launch.ts';
import type { Trace, TraceCall } from './types.ts';

/** Options of the generator. */
export interface GenerateOptions {
  /** The policy's ABI (S1.3); by default the ABI of the root's first checked call. Calls of the other ABI cannot be allowed (S6.4). */
  readonly abi?: Abi;
  /** Argument names to constrain to their observed values. */
  readonly args: readonly string[];
  /** Shown in the header comment. */
  readonly source: string;
  /** Constrain pointer arguments too (their addresses change from run to run); default false. */
  readonly pointers?: boolean;
  /** The policy's language: 2011 (the default) or minijail, whose atoms are `argN == V` in `||` of `&&` (spec/17-minijail.md). */
  readonly dialect?: '2011' | 'minijail';
  /** A minijail policy names this frequency file with `@frequency` (a path relative to the policy's folder). */
  readonly frequencyFile?: string;
}

/** A generated policy text and what the reader should know about it. */
export interface Generated {
  readonly text: string;
  /** The policy's ABI. */
  readonly abi: Abi;
  /** Number of system calls with an entry. */
  readonly entries: number;
  /** Calls no policy of this ABI can allow (other ABI, or nr out of range), S6.4: the first 100. */
  readonly unallowable: readonly TraceCall[];
  /** How many such calls there are. */
  readonly unallowableCount: number;
  readonly notes: readonly string[];
  /** What the user asked that the policy does not do as asked, or that it does at a risk (pointer arguments). */
  readonly warnings: readonly string[];
  /** Even without comments the text is over the 64 KiB prctl reads (S5.2): no launcher could install it. */
  readonly tooBig: boolean;
  /** The command the root's execve ran (its argv, as strace printed it whole), for running the policy; null when unknown. */
  readonly command: readonly string[] | null;
  /** M4 the trace's counts as a minijail frequency file: `name: count` lines, most frequent first. */
  readonly frequencies: string;
}

/** Most clauses a generated minijail filter may have (one per combination of the constrained arguments' values). */
const MAX_CLAUSES = 32;

/** More distinct values than one filter can list (S2.3: 32 terms). */
const MAX_TERMS = 32;

/** One system call's calls: a count, and the distinct values of each wanted argument (null: too many). */
interface Seen {
  count: number;
  readonly values: (Set<number | bigint> | null)[];
}

const big = (v: number | bigint): bigint => (typeof v === 'bigint' ? v : BigInt(v));

/** A C type that holds an address: its value changes from run to run (ASLR). */
const isPointer = (type: string): boolean => type.includes('*') || type === 'compat_uptr_t';

/** `fd == 1 || fd == 2`, values ascending, or null when there are more than 32 of them. */
function disjunction(arg: ArgShape, values: ReadonlySet<number | bigint> | null): string | null {
  if (values === null || values.size > MAX_TERMS) return null;
  const sorted = [...values].map(big).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted.map((v) => `${arg.name} == ${formatValue(v, arg)}`).join(' || ');
}

/** A name a policy can use for `nr` in `abi` (S1.3): the unistd name when it resolves back, else the number. */
function policyName(abi: Abi, nr: number): string {
  const t = syscallTable(abi);
  const name = t.byNr(nr)?.name;
  return name !== undefined && t.resolve(name) === nr ? name : String(nr);
}

/** The generator stage: a LaunchSink that counts what the policy would check. */
export class Generator implements LaunchSink {
  private abi: Abi = 'x86_64';
  private execs = false;
  private readonly byNr = new Map<number, Seen>();
  private readonly unallowable: TraceCall[] = [];
  private unallowableCount = 0;
  private checked = 0;
  private command: readonly string[] | null = null;

  constructor(private readonly opts: GenerateOptions) {}

  launch(l: Launch): null {
    this.abi = l.abi;
    this.execs = l.execs;
    return null;
  }
  event(): void {
    // Ends and signals make no entries.
  }
  rename(): void {
    // Pids do not appear in a policy.
  }
  end(): null {
    return null;
  }

  call(c: RawCall, phase: number): null {
    if (phase === PHASE.INSTALL && this.execs) this.command = c.argv;
    if (phase === PHASE.BEFORE || (phase === PHASE.INSTALL && this.execs)) return null;
    this.checked++;
    const table = syscallTable(this.abi);
    if (c.abi !== this.abi || c.nr < 0 || c.nr >= table.nrSyscalls) {
      this.unallowableCount++;
      if (this.unallowable.length < 100) this.unallowable.push(c.toCall());
      return null;
    }
    let seen = this.byNr.get(c.nr);
    if (seen === undefined) {
      const args = table.byNr(c.nr)?.args ?? [];
      seen = { count: 0, values: this.opts.args.map((n) => (args.some((a) => a.name === n) ? new Set() : null)) };
      this.byNr.set(c.nr, seen);
    }
    seen.count++;
    if (this.opts.args.length > 0) this.values(c, seen);
    return null;
  }

  /** Record the wanted arguments' values, at the call's width (S3.2). */
  private values(c: RawCall, seen: Seen): void {
    const args = syscallTable(this.abi).byNr(c.nr)?.args ?? [];
    for (let w = 0; w < this.opts.args.length; w++) {
      const set = seen.values[w];
      if (set === null || set === undefined || set.size > MAX_TERMS) continue;
      const k = args.findIndex((a) => a.name === this.opts.args[w]);
      const lo = k < c.nargs ? c.halves[2 * k]! : 0;
      const hi = k < c.nargs && this.abi === 'x86_64' ? c.halves[2 * k + 1]! : 0;
      set.add(hi < 0x200000 ? hi * 0x1_0000_0000 + lo : (BigInt(hi) << 32n) | BigInt(lo));
    }
  }

  /** The policy text. */
  result(): Generated {
    const abi = this.abi;
    const table = syscallTable(abi);
    const notes: string[] = [];
    const wanted = this.opts.args;
    for (const name of wanted) {
      if (![...this.byNr.keys()].some((nr) => table.byNr(nr)?.args.some((a) => a.name === name))) {
        notes.push(`no traced system call has an argument named '${name}'`);
      }
    }
    const pointerArgs = new Map<string, string[]>();
    const entries = [...this.byNr.keys()]
      .sort((a, b) => a - b)
      .map((nr) => {
        const entryNotes: string[] = [];
        const filter =
          this.opts.dialect === 'minijail'
            ? this.minijailFilter(nr, entryNotes, pointerArgs)
            : this.entryFilter(nr, entryNotes, pointerArgs);
        notes.push(...entryNotes);
        return { notes: entryNotes.map((n) => `# ${n}\n`).join(''), line: `${policyName(abi, nr)}: ${filter}\n` };
      });
    const minijail = this.opts.dialect === 'minijail';
    const header =
      `# Generated by seccomp-spec generate from ${this.opts.source} (${minijail ? 'minijail, ' : ''}${abi}): ` +
      `${plural(this.byNr.size, 'system call')}, ${plural(this.checked - this.unallowableCount, 'call')}.\n` +
      (minijail
        ? '# Install it after the execve (minijail does), so the first execve is not checked.\n' +
          (this.opts.frequencyFile !== undefined ? `@frequency ./${this.opts.frequencyFile}\n` : '')
        : '# The launcher adds on_next_syscall: 1, so the first execve is not checked (S5.2).\n');
    const commented = header + entries.map((e) => e.notes + e.line).join('');
    // T10 prctl reads at most 64 KiB (S5.2, C16): the comments go first, the notes stay on stderr.
    const text = utf8Length(commented) <= MAX_USER_TEXT ? commented : header + entries.map((e) => e.line).join('');
    const warnings = [...pointerArgs].map(
      ([name, calls]) =>
        `'${name}' is a pointer in ${calls.join(', ')}: addresses change from run to run, so ` +
        (this.opts.pointers === true
          ? 'the policy may kill the next run (--args-pointers)'
          : 'it is not constrained there (--args-pointers to constrain it anyway)'),
    );
    return {
      text,
      abi,
      entries: this.byNr.size,
      unallowable: this.unallowable,
      unallowableCount: this.unallowableCount,
      notes,
      warnings,
      command: this.command,
      tooBig: !minijail && utf8Length(text) > MAX_USER_TEXT,
      frequencies: [...this.byNr]
        .sort(([a, x], [b, y]) => y.count - x.count || a - b)
        .map(([nr, x]) => `${policyName(abi, nr)}: ${x.count}\n`)
        .join(''),
    };
  }

  /** M2 a minijail filter: `argN == V` atoms, `||` over every combination of the constrained arguments' values. */
  private minijailFilter(nr: number, notes: string[], pointerArgs: Map<string, string[]>): string {
    const info = syscallTable(this.abi).byNr(nr);
    const args = info?.args ?? [];
    const seen = this.byNr.get(nr)!;
    let clauses: string[][] = [[]];
    this.opts.args.forEach((name, w) => {
      const values = seen.values[w];
      const k = args.findIndex((a) => a.name === name);
      if (values === null || values === undefined || k < 0) return;
      if (isPointer(args[k]!.type)) {
        pointerArgs.set(name, [...(pointerArgs.get(name) ?? []), info?.name ?? String(nr)]);
        if (this.opts.pointers !== true) return;
      }
      if (values.size <= MAX_TERMS && clauses.length * values.size <= MAX_CLAUSES) {
        const atoms = [...values]
          .map(big)
          .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
          .map((v) => `arg${k} == ${formatValue(v, args[k])}`);
        clauses = clauses.flatMap((c) => atoms.map((a) => [...c, a]));
      } else {
        const count = values.size > MAX_TERMS ? `more than ${MAX_TERMS}` : String(values.size);
        notes.push(
          `${info?.name ?? nr}: ${count} distinct values of ${name} (arg${k}) make more than ${MAX_CLAUSES} clauses with the other arguments; ${name} is not constrained`,
        );
      }
    });
    return clauses[0]!.length === 0 ? '1' : clauses.map((c) => c.join(' && ')).join(' || ');
  }

  /** The filter for one system call: constraints on the chosen arguments that fit, else `1`. */
  private entryFilter(nr: number, notes: string[], pointerArgs: Map<string, string[]>): string {
    const info = syscallTable(this.abi).byNr(nr);
    const args = info?.args ?? [];
    const seen = this.byNr.get(nr)!;
    const parts: string[] = [];
    this.opts.args.forEach((name, w) => {
      const values = seen.values[w];
      const arg = args.find((a) => a.name === name);
      if (values === null || values === undefined || arg === undefined) return;
      if (isPointer(arg.type)) {
        pointerArgs.set(name, [...(pointerArgs.get(name) ?? []), info?.name ?? String(nr)]);
        if (this.opts.pointers !== true) return;
      }
      const d = disjunction(arg, values);
      const candidate = d === null ? null : [...parts, values.size > 1 ? `(${d})` : d];
      const text = candidate?.join(' && ');
      if (candidate !== null && text !== undefined && parseFilter(text, args).ok) {
        parts.splice(0, parts.length, ...candidate);
      } else {
        const count = values.size > MAX_TERMS ? `more than ${MAX_TERMS}` : String(values.size);
        notes.push(
          `${info?.name ?? nr}: ${count} distinct values of ${name} do not fit one filter (S2.3: 255 characters, 32 terms); ${name} is not constrained`,
        );
      }
    });
    if (parts.length === 1 && parts[0]!.startsWith('(')) return parts[0]!.slice(1, -1);
    return parts.length === 0 ? '1' : parts.join(' && ');
  }
}

/** Generate the smallest policy under which replaying a parsed `trace` kills nothing. */
export function generatePolicy(trace: Trace, opts: GenerateOptions): Generated {
  const g = new Generator(opts);
  const launcher = new Launcher(g, opts.abi);
  for (const e of trace.events) {
    if (e.kind === 'call') launcher.call(RawCall.from(e));
    else launcher.event(e);
  }
  launcher.end();
  return g.result();
}
