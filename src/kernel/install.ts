/**
 * What `Kernel.installPolicy` answers (S5.2): success, or why the kernel
 * refused the text, in terms a program can act on: the errno as a name and
 * a number, one sentence, and each error with its line and column. The
 * kernel itself only returns -errno; the reasons are found by applying the
 * text again to a draft of the state the task had before the call (S5.5:
 * a refused text changed nothing, so the draft sees what prctl saw).
 */
import { parsePolicy, type PolicyError } from '../grammar/index.ts';
import { syscallTable, type Abi } from '../x86/table.ts';
import { ERRNO, errnoOf, type ErrnoInfo } from '../x86/errno.ts';
import type { Outcome, SigsysDeath } from '../x86/outcome.ts';
import { MAX_USER_TEXT } from '../x86/prctl.ts';
import { formatAction, type Action } from '../action/index.ts';
import { ABI_CODE, type Draft } from '../seccomp/index.ts';

/** Why a text was refused: one sentence, and the errors that have a place in the text (possibly none). */
interface Refusal {
  readonly ok: false;
  /** One sentence in the project's words, e.g. "line 2: ... (S5.4)". */
  readonly message: string;
  /** Errors at a line and column of the text (1-based line, 0-based column); empty when the refusal has no place in it. */
  readonly errors: readonly PolicyError[];
}

/**
 * The result of `Kernel.installPolicy`. `ok: true` is prctl returning 0.
 * Otherwise `kind` and its fields are the raw outcome of the prctl call
 * (`rax` the unsigned 64-bit register, as `syscall` gives it), with
 * `message` and `errors` saying why, and `errno` when prctl returned one.
 * `action` is what the task's filters answered the prctl call itself (A6):
 * `allow` when it ran (always, for a task not yet filtering); an errno,
 * trap or kill when a filter stopped it. Absent only without a task.
 */
export type InstallResult = { readonly action?: Action } & (
  | { readonly ok: true; readonly kind: 'return'; readonly rax: bigint; readonly action: Action }
  | (Refusal & { readonly kind: 'return'; readonly rax: bigint; readonly errno: ErrnoInfo; readonly action: Action })
  | (Refusal & {
      readonly kind: 'killed';
      readonly log: string | null;
      readonly sigsys?: SigsysDeath;
      readonly action: Action;
    })
  | (Refusal & { readonly kind: 'exited'; readonly code: number; readonly action: Action })
  | (Refusal & { readonly kind: 'no_task' })
);

/** What installPolicy knows of the call it made. */
export interface InstallContext {
  readonly pid: number;
  /** The text as the caller gave it. */
  readonly text: string;
  /** The ABI of the prctl call (S6.1). */
  readonly abi: Abi;
  /** A draft of the task's state before the call, with the kernel's rules. */
  readonly draft: () => Draft;
  /** What the task's filters answered the prctl call (A6). */
  readonly action: Action;
}

/** The bytes prctl reads, one character per byte (C16): the UTF-8 of `text`. */
function kernelText(text: string): string {
  let s = '';
  for (const b of new TextEncoder().encode(text)) s += String.fromCharCode(b);
  return s;
}

const lineError = (lines: readonly string[], line: number, message: string): PolicyError => ({
  line,
  column: 0,
  message,
  source: lines[line - 1] ?? '',
});

/** C16 the line where the text passes the 64 KiB prctl reads. */
function tooLong(text: string, lines: readonly string[]): PolicyError {
  let used = 0;
  const encoder = new TextEncoder();
  const line = lines.findIndex((l) => (used += encoder.encode(`${l}\n`).length) >= MAX_USER_TEXT) + 1;
  return lineError(
    lines,
    line,
    `the text passes 64 KiB here: prctl reads at most ${MAX_USER_TEXT - 1} bytes before its NUL (S5.2, C16)`,
  );
}

/** Why applying the text failed with `errno` at `d.failedLine` (C15, C25). */
function lineRefusal(
  text: string,
  abi: Abi,
  errno: number,
  d: Draft,
): { readonly message: string; readonly errors: readonly PolicyError[] } {
  const lines = text.split('\n');
  const line = d.failedLine;
  if (line === 0) {
    const bound = d.abi === ABI_CODE.x86_64 ? 'x86_64' : 'ia32';
    return {
      message: `the task's filters are bound to ${bound}, and this prctl came through ${abi} (S5.6, C12)`,
      errors: [],
    };
  }
  const parsed = parsePolicy(text, abi);
  if (errno === ERRNO.EINVAL && !parsed.ok) {
    const first = parsed.errors[0]!;
    const more = parsed.errors.length > 1 ? ` (and ${parsed.errors.length - 1} more)` : '';
    return {
      message: `line ${first.line}, column ${first.column + 1}: ${first.message}${more}`,
      errors: parsed.errors,
    };
  }
  const entry = parsePolicy(lines[line - 1] ?? '', abi);
  const name = entry.ok ? entry.policy.entries[0]?.name : undefined;
  const sysName =
    entry.ok && entry.policy.entries[0] !== undefined
      ? syscallTable(abi).byNr(entry.policy.entries[0].nr)?.sysName
      : undefined;
  const call =
    name === undefined ? 'this entry' : `'${name}'${sysName !== undefined && sysName !== name ? ` (${sysName})` : ''}`;
  const why =
    errno === ERRNO.E2BIG
      ? `merged with its earlier entry, the filter of ${call} passes 255 characters or 32 terms (S2.3, S5.4, C24)`
      : errno === ERRNO.EACCES && entry.ok && entry.policy.onNextSyscall
        ? 'on_next_syscall is refused once the task is filtering (C14)'
        : errno === ERRNO.EACCES
          ? `${call} has no entry in the installed policy, and a filtering task may only narrow its policy (S5.4)`
          : `merged with its earlier entry, the filter of ${call} is not a valid filter (S5.4)`;
  return { message: `line ${line}: ${why}`, errors: [lineError(lines, line, why)] };
}

/** Why prctl returned -`errno` for `ctx.text` (C25 order: mode, reading the text, ABI binding, lines). */
function refusalOf(
  ctx: InstallContext,
  errno: number,
): { readonly message: string; readonly errors: readonly PolicyError[] } {
  const { text, abi } = ctx;
  if (text.includes('\0')) {
    const parsed = parsePolicy(text, abi);
    const errors = parsed.ok ? [] : parsed.errors.filter((e) => e.source.includes('\0'));
    return { message: 'the text contains a NUL byte: prctl would read it only up to there (C33)', errors };
  }
  const d = ctx.draft();
  if (errno === ERRNO.EPERM && d.mode === 1)
    return { message: 'the task is in strict mode (mode 1), where PR_SET_SECCOMP 2 is refused (S5.2)', errors: [] };
  const seen = kernelText(text);
  if (errno === ERRNO.E2BIG && seen.length >= MAX_USER_TEXT) {
    return {
      message: `the text is ${seen.length} bytes, and prctl reads at most ${MAX_USER_TEXT - 1} before its NUL (S5.2, C16)`,
      errors: [tooLong(text, text.split('\n'))],
    };
  }
  const again = d.applyPolicy(seen, ABI_CODE[abi]);
  if (again !== errno)
    return { message: `prctl(PR_SET_SECCOMP, 2) returned -${errnoOf(BigInt(-errno))!.name}`, errors: [] };
  return lineRefusal(text, abi, errno, d);
}

/** The InstallResult of installPolicy's prctl outcome `o`. */
export function installResult(o: Outcome, ctx: InstallContext): InstallResult {
  const { action } = ctx;
  const stopped = action.kind !== 'allow' && action.kind !== 'log';
  switch (o.kind) {
    case 'return': {
      const errno = errnoOf(o.rax);
      if (o.rax === 0n && !stopped) return { ok: true, kind: 'return', rax: o.rax, action };
      if (stopped) {
        const message = `the task's filters answered prctl with ${formatAction(action)}, so it did not run (A8, A9)`;
        return { ok: false, ...o, errno: errno ?? { name: 'none', number: 0 }, action, message, errors: [] };
      }
      if (errno === null)
        return {
          ok: false,
          ...o,
          errno: { name: 'none', number: 0 },
          action,
          message: `prctl(PR_SET_SECCOMP, 2) returned ${BigInt.asIntN(64, o.rax)}`,
          errors: [],
        };
      return { ok: false, ...o, errno, action, ...refusalOf(ctx, errno.number) };
    }
    case 'killed': {
      const mode = ctx.draft().mode;
      const why =
        mode === 1
          ? 'strict mode (mode 1) allows only read, write, exit and sigreturn (S6.3)'
          : action.kind === 'kill'
            ? 'its filters do not allow this prctl call (S6.4)'
            : `its filters answered this prctl call with ${formatAction(action)} (A6, A10, A11)`;
      return { ok: false, ...o, action, message: `the task was killed when it called prctl: ${why}`, errors: [] };
    }
    case 'exited':
      return {
        ok: false,
        ...o,
        action,
        message: `the task exited with status ${o.code} instead of installing the policy`,
        errors: [],
      };
    case 'no_task':
      return noTask(ctx.pid);
  }
}

/** The InstallResult for a pid with no live task. */
export const noTask = (pid: number): InstallResult => ({
  ok: false,
  kind: 'no_task',
  message: `no live task has pid ${pid}`,
  errors: [],
});
