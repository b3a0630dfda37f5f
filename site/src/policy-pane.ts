/** The policy editor's diagnostics: every error (as `check` finds them) and lint warning, with a caret under its column. */
import { checkPolicy } from '../../src/cli/inputs.ts';
import { caret, lintPolicy, ON_NEXT_SYSCALL, parsePolicy } from '../../src/grammar/index.ts';
import type { Abi } from '../../src/x86/index.ts';
import { h } from './dom.ts';

/** One message about a line of the policy; `column` is 0-based. */
interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly source: string;
}

/** A lint warning is about an entry: its caret goes under the start of the filter. */
const filterColumn = (source: string): number => {
  const colon = source.indexOf(':');
  return colon < 0 ? 0 : colon + 1 + (/^\s*/.exec(source.slice(colon + 1))?.[0].length ?? 0);
};

/** The errors of `text` for `abi` (parse, resolve, what the kernel would refuse), or else its lint warnings. */
export function diagnose(text: string, abi: Abi): readonly Diagnostic[] {
  const checked = checkPolicy(text, abi);
  if (!checked.ok)
    return checked.errors.map((e) => ({
      severity: 'error',
      line: e.line,
      column: e.column,
      message: e.message,
      source: e.source,
    }));
  const parsed = parsePolicy(text, abi);
  const lines = text.split('\n');
  return parsed.ok
    ? lintPolicy(parsed.policy).map((w) => {
        const source = lines[w.line - 1] ?? '';
        return {
          severity: 'warning',
          line: w.line,
          column: filterColumn(source),
          message: `${w.name}: ${w.message}`,
          source,
        };
      })
    : [];
}

/** The diagnostics as shown under the editor: `line:col: message`, the line, a caret. */
export function renderDiagnostics(ds: readonly Diagnostic[]): readonly HTMLElement[] {
  if (ds.length === 0) return [h('p', { class: 'diag ok' }, 'The policy is valid: the kernel would install it.')];
  return ds.map((d) =>
    h(
      'div',
      { class: `diag ${d.severity}`, 'data-line': String(d.line), 'data-column': String(d.column + 1) },
      h('span', { class: 'where' }, `${d.line}:${d.column + 1}: ${d.severity}: `),
      d.message,
      h('pre', { class: 'caret' }, caret(d.source, d.column)),
    ),
  );
}

const PENDING_LINE = new RegExp(`^\\s*${ON_NEXT_SYSCALL}\\s*:\\s*1\\s*$`);

/** Whether the policy text asks for on_next_syscall (S5.2). */
export const hasPending = (text: string): boolean => text.split('\n').some((l) => PENDING_LINE.test(l));

/** The text with the `on_next_syscall: 1` line added or removed. */
export function withPending(text: string, on: boolean): string {
  if (on === hasPending(text)) return text;
  if (on) return `${ON_NEXT_SYSCALL}: 1\n${text}`;
  return text
    .split('\n')
    .filter((l) => !PENDING_LINE.test(l))
    .join('\n');
}
