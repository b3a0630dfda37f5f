/**
 * `seccomp-spec conform --impl "CMD [ARG...]"`: check an implementation of
 * the protocol (spec/14) against the corpus and the model, and print the
 * smallest disagreement found with the rule that decides it.
 */
import { loadUapi } from '../../x86/uapi.ts';
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  conform,
  encodeAnswer,
  encodeAnyRequest,
  parseCorpus,
  splitCommand,
  startImplementation,
  type ConformReport,
  type CorpusCase,
} from '../../conform/index.ts';
import { decodeFlag } from '../args.ts';
import { EXIT, type Io } from '../io.ts';
import { parseCommand, toJson } from '../inputs.ts';

/** The corpus shipped with the package. */
export const DEFAULT_CORPUS = fileURLToPath(new URL('../../../conformance/corpus.jsonl', import.meta.url));
/** The version-2 corpus shipped with the package (P9), asked of implementations that speak version 2. */
export const DEFAULT_CORPUS_V2 = fileURLToPath(new URL('../../../conformance/corpus-v2.jsonl', import.meta.url));

/** Help text of `conform`. */
export const CONFORM_HELP = `usage: seccomp-spec conform --impl "CMD [ARG...]" [--runs N] [--seed S] [--corpus FILE] [--timeout MS] [--json]

Start the implementation once (CMD with its arguments; quotes group words),
ask which protocol version it speaks (1, or 2 with actions and dialects),
send it every case of the corpus (default: the shipped
conformance/corpus.jsonl and, to an implementation of version 2,
conformance/corpus-v2.jsonl; --corpus none skips them), then --runs N
(default 300) requests of its version generated from --seed S (default:
random, printed), each judged against the model (src/model). The first disagreement is shrunk to
a small request and printed as a line to paste into the implementation,
with both answers and the rule (S-number) that decides it. An answer
\`unsupported\` is counted and reported, never as agreement.
The protocol: spec/14-conformance.md. Built-in implementations:
  seccomp-spec conform --impl "seccomp-spec adapter engine"
Exit: 0 every answer agreed, 1 a disagreement (or nothing answered),
2 a protocol error (bad JSON, wrong id, crash, no answer within --timeout
MS, default 10000) or a usage error.
`;

const PositiveInt = (max: number) =>
  new t.Type<number, string, unknown>(
    `an integer from 0 to ${max}`,
    (u): u is number => typeof u === 'number',
    (u, c) =>
      typeof u === 'string' && /^[0-9]{1,10}$/.test(u) && Number(u) <= max ? t.success(Number(u)) : t.failure(u, c),
    String,
  );

/** The report as text. */
export function renderReport(r: ConformReport, implText: string, corpusName: string): string {
  const lines: string[] = [];
  const un = (n: number): string => (n > 0 ? `, ${n} unsupported (not agreement)` : '');
  lines.push(`the implementation speaks protocol version ${r.protocol}`);
  lines.push(
    `corpus ${corpusName}: ${r.corpus.cases} cases, ${r.corpus.agreed} agree${un(r.corpus.unsupported)}${r.corpus.skipped > 0 ? `, ${r.corpus.skipped} version-2 cases not asked` : ''}`,
  );
  lines.push(
    `search: ${r.search.requests} requests (seed ${r.search.seed}), ${r.search.agreed} agree${un(r.search.unsupported)}`,
  );
  for (const u of r.unsupportedReasons) lines.push(`  unsupported ${u.count}x: ${u.reason}`);
  for (const d of r.disagreements) {
    lines.push(
      '',
      `DISAGREEMENT (${d.source}${d.source === 'search' ? `, shrunk in ${r.search.shrinks} steps` : ''}): ${d.where}`,
    );
    lines.push(`request:        ${encodeAnyRequest(d.request)}`);
    lines.push(`model:          ${encodeAnswer(d.expected)}`);
    lines.push(`implementation: ${encodeAnswer(d.actual)}`);
    lines.push(`rule:           ${d.rule.rule}: ${d.rule.why}`);
    lines.push(`paste the request line into: ${implText}`);
  }
  if (r.disagreements.some((d) => d.source === 'search')) lines.push(`replay the search: --seed ${r.search.seed}`);
  if (r.protocolError !== null) lines.push('', `PROTOCOL ERROR: ${r.protocolError}`);
  return `${lines.join('\n')}\n`;
}

/** The exit code of a report (P6). */
export function exitCode(r: ConformReport): number {
  if (r.protocolError !== null) return EXIT.USAGE;
  const answered = r.corpus.cases - r.corpus.unsupported + r.search.requests - r.search.unsupported;
  return r.disagreements.length > 0 || answered === 0 ? EXIT.FAIL : EXIT.OK;
}

/** Run `conform`. */
export async function conformCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = parseCommand(
    argv,
    {
      name: 'conform',
      valued: ['impl', 'runs', 'seed', 'corpus', 'timeout'],
      booleans: ['json'],
      positionals: [0, 0],
      help: CONFORM_HELP,
    },
    io,
  );
  if (typeof args === 'number') return args;
  // The reference reads minijail installs (P9) with the UAPI tables.
  await Promise.all([loadUapi('x86_64'), loadUapi('ia32')]);
  const implText = args.flags['impl'];
  if (typeof implText !== 'string') {
    io.err(`conform needs --impl "CMD [ARG...]"\n${CONFORM_HELP}`);
    return EXIT.USAGE;
  }
  const argvImpl = splitCommand(implText);
  const runs = decodeFlag(PositiveInt(10_000_000), 'runs', args.flags['runs'] ?? '300');
  const seed = decodeFlag(
    PositiveInt(2 ** 31 - 1),
    'seed',
    args.flags['seed'] ?? String(Math.floor(Math.random() * 2 ** 31)),
  );
  const timeout = decodeFlag(PositiveInt(3_600_000), 'timeout', args.flags['timeout'] ?? '10000');
  const usage = (message: string): number => {
    io.err(`${message}\n`);
    return EXIT.USAGE;
  };
  if (isLeft(argvImpl)) return usage(argvImpl.left);
  if (isLeft(runs)) return usage(runs.left);
  if (isLeft(seed)) return usage(seed.left);
  if (isLeft(timeout)) return usage(timeout.left);
  const corpusFlag = args.flags['corpus'];
  const corpusPath = typeof corpusFlag === 'string' ? corpusFlag : DEFAULT_CORPUS;
  const corpus: CorpusCase[] = [];
  for (const path of corpusPath === 'none'
    ? []
    : corpusPath === DEFAULT_CORPUS
      ? [DEFAULT_CORPUS, DEFAULT_CORPUS_V2]
      : [corpusPath]) {
    const text = io.readFile(path);
    if (text instanceof Error) return usage(`cannot read the corpus: ${text.message}`);
    const parsed = parseCorpus(text, path);
    if (isLeft(parsed)) return usage(parsed.left);
    corpus.push(...parsed.right);
  }
  const impl = startImplementation(argvImpl.right, timeout.right);
  const report = await conform(impl, { runs: runs.right, seed: seed.right, corpus });
  await impl.close();
  if (args.flags['json'] === true) io.out(`${toJson(report)}\n`);
  else
    io.out(
      renderReport(
        report,
        implText,
        corpusPath === 'none'
          ? '(none)'
          : corpusPath === DEFAULT_CORPUS
            ? `${relative(process.cwd(), DEFAULT_CORPUS)} and corpus-v2.jsonl`
            : corpusPath,
      ),
    );
  return exitCode(report);
}
