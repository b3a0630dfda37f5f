/**
 * Policy texts (S2.5): lines `NAME: FILTER`, comments, blank lines and the
 * `on_next_syscall: 1` directive; names resolved against one ABI (S1.3).
 * One bad line rejects the whole text; every error has line and column.
 */
import { suggestNames, syscallTable, type Abi } from '../x86/table.ts';
import type { Filter } from './ast.ts';
import { MSG, type PolicyError } from './errors.ts';
import { lineGrammar, parseFilter, trimBounds, type FilterOptions } from './parse.ts';

/** One `NAME: FILTER` line of a policy, resolved. */
export interface PolicyEntry {
  /** 1-based line number in the text. */
  readonly line: number;
  /** The name as written. */
  readonly name: string;
  /** The system call number it resolved to (S1.3). */
  readonly nr: number;
  readonly filter: Filter;
}

/** A parsed policy text: entries in text order (not yet merged, see S5.4). */
export interface Policy {
  readonly abi: Abi;
  readonly entries: readonly PolicyEntry[];
  /** The `on_next_syscall: 1` directive was present (S5.2). */
  readonly onNextSyscall: boolean;
}

/** Result of parsing a policy: the policy, or every error found (at least one). */
export type PolicyResult =
  { readonly ok: true; readonly policy: Policy } | { readonly ok: false; readonly errors: readonly PolicyError[] };

/** The directive name of S5.2. */
export const ON_NEXT_SYSCALL = 'on_next_syscall';
/** Longest system call name accepted before lookup. */
const MAX_NAME = 64;
/** Errors reported per text, so a huge bad file stays readable. */
const MAX_ERRORS = 50;

type LineResult =
  | { readonly kind: 'skip' }
  | { readonly kind: 'directive' }
  | { readonly kind: 'entry'; readonly entry: PolicyEntry }
  | { readonly kind: 'error'; readonly error: PolicyError };

function parseLine(source: string, line: number, abi: Abi, strict2011: boolean): LineResult {
  const err = (message: string, column: number, suggestions?: readonly string[], detail?: string): LineResult => ({
    kind: 'error',
    error: {
      line,
      column,
      message,
      source,
      ...(suggestions === undefined ? {} : { suggestions }),
      ...(detail === undefined ? {} : { detail }),
    },
  });
  // C33 a text file's NUL would end the text prctl reads: what is after it would be lost, so it is an error even in a comment.
  const nul = source.indexOf('\0');
  if (nul >= 0) return err(MSG.nulByte, nul);
  const [a, b] = trimBounds(source);
  if (a === b || source[a] === '#') return { kind: 'skip' };
  const colon = source.indexOf(':', a);
  const head = colon < 0 ? source.slice(0, b) : source.slice(0, colon + 1);
  if (colon < 0 || colon - a > MAX_NAME + 16) return err(MSG.missingColon, colon < 0 ? b : a);
  const m = lineGrammar.match(head);
  if (m.failed())
    return err(colon === a ? MSG.missingColon : MSG.badName, Math.min(m.getRightmostFailurePosition(), colon));
  const [na, nb] = trimBounds(source.slice(0, colon));
  const name = source.slice(na, nb);
  const filterText = source.slice(colon + 1);
  const filterAt = colon + 1;
  if (name === ON_NEXT_SYSCALL) {
    const [fa, fb] = trimBounds(filterText);
    return filterText.slice(fa, fb) === '1' ? { kind: 'directive' } : err(MSG.badDirective, filterAt + fa);
  }
  const table = syscallTable(abi);
  const nr = name.length <= MAX_NAME ? table.resolve(name) : undefined;
  if (nr === undefined) {
    const near = suggestNames(abi, name);
    const hint = near.length > 0 ? `; did you mean ${near.map((n) => `'${n}'`).join(', ')}?` : '';
    return err(`${MSG.unknownSyscall} '${name.slice(0, MAX_NAME)}' for ${abi}${hint}`, na, near);
  }
  const args = table.byNr(nr)?.args ?? [];
  const opts: FilterOptions = { abi, strict2011 };
  const r = parseFilter(filterText, args, opts);
  if (!r.ok) return err(r.error.message, filterAt + r.error.column, undefined, r.error.detail);
  return { kind: 'entry', entry: { line, name, nr, filter: r.filter } };
}

/** How a policy text is read, beyond its ABI. */
export interface PolicyOptions {
  /** Only the 2011 grammar: symbolic constants and `argN` aliases are errors (spec/15-constants.md). */
  readonly strict2011?: boolean;
}

/**
 * Parse a policy text for `abi` (S2.5). Lines end at `\n` (a trailing `\r`
 * is whitespace). Every line is checked; all errors are returned. Symbolic
 * constants resolve for `abi` [ext] unless `opts.strict2011`.
 */
export function parsePolicy(text: string, abi: Abi, opts: PolicyOptions = {}): PolicyResult {
  const entries: PolicyEntry[] = [];
  const errors: PolicyError[] = [];
  let onNextSyscall = false;
  let start = 0;
  for (let line = 1; start <= text.length && errors.length < MAX_ERRORS; line++) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const r = parseLine(text.slice(start, end), line, abi, opts.strict2011 === true);
    if (r.kind === 'entry') entries.push(r.entry);
    else if (r.kind === 'directive') onNextSyscall = true;
    else if (r.kind === 'error') errors.push(r.error);
    if (nl < 0) break;
    start = nl + 1;
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, policy: { abi, entries, onNextSyscall } };
}
