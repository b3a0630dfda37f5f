/**
 * `seccomp-spec check POLICY_FILE [--abi x86_64|ia32] [--json]`: parse and
 * resolve a policy text (S2.5, S1.3); print the entries or every error.
 */
import { formatAction } from '../../action/index.ts';
import { caret, lintPolicy, printFilter, type PolicyError, type PolicyOptions } from '../../grammar/index.ts';
import { printDnf, simplify, toDnf } from '../../minijail/index.ts';
import type { RuleSet } from '../../ruleset/index.ts';
import { syscallTable, type Abi } from '../../x86/table.ts';
import { uapiIfLoaded } from '../../x86/uapi.ts';
import { parseArgs } from '../args.ts';
import { detectDialect, dialectFlag, minijailHint, ociFlags, readPolicy, type ReadPolicy } from '../dialect.ts';
import { abiFlag, checkPolicy, errorText, strictFlag } from '../inputs.ts';
import { EXIT, type Io } from '../io.ts';

/** Help text of `check`. */
export const CHECK_HELP = `usage: seccomp-spec check POLICY_FILE [--abi x86_64|ia32] [--dialect 2011|minijail|oci] [--caps LIST] [--kernel X.Y] [--json] [--strict-2011]

Parse a policy text (lines 'NAME: FILTER', '#' comments, 'on_next_syscall: 1')
and resolve its names for the ABI (default x86_64). Prints 'nr name: filter'
for each entry, or 'file:line:col: message' with a caret for each error
(columns 1-based here, 0-based in --json). Linter warnings (S10a: values
wider than an argument, '& 0', predicates and filters that are always true
or false, repeated names that merge with &&, a policy that allows nothing,
prctl or execve allowed without checks) go to stderr and do not change the
exit code. POLICY_FILE '-' reads stdin.
Filters may name constants of the UAPI headers (O_CLOEXEC, AF_UNIX) and
argN for the N-th argument [ext]; --strict-2011 rejects both.
--dialect oci (chosen when the file is a JSON object) reads an OCI or Docker
seccomp profile as runc and libseccomp apply it (spec/18-oci.md); --caps
(default: docker run's) and --kernel (default: the running kernel) resolve
Docker's includes/excludes.
--dialect minijail reads a minijail policy (@include, @frequency, @default,
return ERRNO, first match for repeated names; spec/17-minijail.md) and
prints its rules in order, 'nr name: EXPR -> ACTION', then its default.
Exit: 0 valid, 1 errors in the policy, 2 usage.
`;

const renderError = (file: string, e: PolicyError): string =>
  `${file}:${e.line}:${e.column + 1}: ${errorText(e)}\n${caret(e.source, e.column)}\n`;

/** Run `check`. */
export async function check(argv: readonly string[], io: Io): Promise<number> {
  const args = parseArgs(argv, ['abi', 'dialect', 'caps', 'kernel'], ['json', 'help', 'strict-2011']);
  if (typeof args === 'string' || args.flags['help'] === true || args.positionals.length !== 1) {
    if (typeof args !== 'string' && args.flags['help'] === true) {
      io.out(CHECK_HELP);
      return EXIT.OK;
    }
    io.err(`${typeof args === 'string' ? args : 'check takes exactly one POLICY_FILE'}\n${CHECK_HELP}`);
    return EXIT.USAGE;
  }
  const abi = abiFlag(args, io);
  if (typeof abi === 'number') return abi;
  const file = args.positionals[0]!;
  const text = io.readFile(file);
  if (text instanceof Error) {
    io.err(`${file}: cannot read: ${text.message}\n`);
    return EXIT.USAGE;
  }
  const flag = dialectFlag(args, io);
  if (typeof flag === 'number') return flag;
  const dialect = flag ?? detectDialect(text);
  const oci = ociFlags(args, io);
  if (typeof oci === 'number') return oci;
  if (dialect !== '2011') {
    const r = await readPolicy(file, text, { dialect, abi: abi ?? 'x86_64', oci }, io);
    if (typeof r === 'number') return r;
    return reportRules(r, args.flags['json'] === true, io);
  }
  return report(file, text, abi ?? 'x86_64', args.flags['json'] === true, io, strictFlag(args));
}

/** M10 one rule of a rule set as `nr name: EXPR -> ACTION`, the condition in minijail's atoms. */
export function ruleLines(rs: RuleSet, abi: Abi): string[] {
  const arch = rs.arches[abi];
  if (arch === undefined) return [];
  const table = syscallTable(abi);
  const word = abi === 'x86_64' ? (1n << 64n) - 1n : (1n << 32n) - 1n;
  const out: string[] = [];
  for (const [nr, rules] of arch.calls)
    for (const r of rules) {
      const c = simplify(r.when);
      const dnf = c.kind === 'true' ? '1' : c.kind === 'false' ? '0' : (toDnf(c, word) ?? [[]]);
      const expr = typeof dnf === 'string' ? dnf : printDnf(dnf, word);
      out.push(
        `${nr} ${table.byNr(nr)?.name ?? uapiIfLoaded(abi)?.syscallName(nr) ?? 'ni_syscall'}: ${expr} -> ${formatAction(r.action)}`,
      );
    }
  out.push(`default: ${formatAction(arch.otherwise)}`);
  return out;
}

function reportRules(r: ReadPolicy, json: boolean, io: Io): number {
  const lines = ruleLines(r.ruleSet, r.abi);
  if (json) {
    const freq = r.minijail === undefined ? {} : { frequencies: Object.fromEntries(r.minijail.frequencies) };
    io.out(`${JSON.stringify({ ok: true, abi: r.abi, dialect: r.dialect, rules: lines, ...freq })}\n`);
  } else for (const l of lines) io.out(`${l}\n`);
  return EXIT.OK;
}

function report(file: string, text: string, abi: Abi, json: boolean, io: Io, opts: PolicyOptions): number {
  const r = checkPolicy(text, abi, opts);
  const table = syscallTable(abi);
  const entries = r.ok
    ? r.policy.entries.map((e) => ({
        nr: e.nr,
        name: table.byNr(e.nr)?.sysName ?? 'sys_ni_syscall',
        filter: printFilter(e.filter, table.byNr(e.nr)?.args),
      }))
    : [];
  const errors = r.ok ? [] : r.errors;
  const warnings = r.ok ? lintPolicy(r.policy) : [];
  if (json) {
    const out = {
      ok: r.ok,
      abi,
      entries,
      onNextSyscall: r.ok && r.policy.onNextSyscall,
      errors: errors.map((e) => ({
        line: e.line,
        column: e.column,
        message: e.message,
        ...(e.suggestions ? { suggestions: e.suggestions } : {}),
        ...(e.detail ? { detail: e.detail } : {}),
      })),
      warnings: warnings.map((w) => ({ line: w.line, message: w.message })),
    };
    io.out(`${JSON.stringify(out)}\n`);
  } else if (r.ok) {
    if (r.policy.onNextSyscall) io.out('on_next_syscall: 1\n');
    for (const e of entries) io.out(`${e.nr} ${e.name}: ${e.filter}\n`);
    for (const w of warnings) io.err(`${file}${w.line > 0 ? `:${w.line}` : ''}: warning: ${w.message}\n`);
  } else {
    for (const e of errors) io.err(renderError(file, e));
    const hint = minijailHint(text);
    if (hint !== undefined) io.err(`${file}: ${hint}\n`);
  }
  return r.ok ? EXIT.OK : EXIT.FAIL;
}
