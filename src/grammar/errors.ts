/** Errors of the filter language as values (S2.4), and their caret rendering. */

/** ftrace's own messages (S2.3, S2.4), plus the project's for names and policy lines. */
export const MSG = {
  invalidOperator: 'Invalid operator',
  unbalancedParens: 'Unbalanced parens',
  tooManyOperands: 'Too many operands',
  fieldNotFound: 'Field not found',
  illegalInteger: 'Illegal integer value',
  tooManyTerms: 'Too many terms in predicate expression',
  meaningless: 'Meaningless filter expression',
  invalidCharacter: 'Invalid character',
  filterTooLong: 'Filter string too long (at most 255 characters)',
  missingColon: "Expected 'NAME: FILTER'",
  badName: 'Invalid system call name',
  unknownSyscall: 'Unknown system call',
  badDirective: 'on_next_syscall takes only the value 1',
  nulByte: 'NUL byte in a policy text: the kernel would read the text only up to here (S5.2)',
} as const;

/** An error in one filter string: the message and the 0-based column in that string. */
export interface FilterError {
  readonly message: string;
  readonly column: number;
  /** What would help: the call's fields and the nearest one, the nearest constant names. */
  readonly detail?: string;
}

/** An error in a policy text: 1-based line, 0-based column within that line (S2.4, S2.5). */
export interface PolicyError {
  readonly line: number;
  readonly column: number;
  readonly message: string;
  /** The offending line, for rendering the caret. */
  readonly source: string;
  /** Nearest known names, for an unknown system call (S1.3). */
  readonly suggestions?: readonly string[];
  /** What would help, for an error in the filter (FilterError.detail). */
  readonly detail?: string;
}

const printable = (s: string): string =>
  // One display cell per input character, so the caret stays under its column.
  s.replace(/[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/g, (c) => (c === '\t' ? ' ' : '?'));

/**
 * Render `source` with a caret under `column` (0-based). Long lines are cut to
 * a window around the column so the caret stays visible.
 */
export function caret(source: string, column: number, width = 100): string {
  const col = Math.max(0, Math.min(column, source.length));
  const start = col > width - 20 ? col - (width - 20) : 0;
  const shown = printable(source.slice(start, start + width));
  const lead = start > 0 ? '...' : '';
  return `${lead}${shown}${source.length > start + width ? '...' : ''}\n${' '.repeat(lead.length + col - start)}^`;
}
