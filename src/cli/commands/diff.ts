/**
 * `seccomp-spec diff A B [--dialect D] [--abi A] [--subset] [--json]`: for
 * every call, whether two policies can answer differently; each difference
 * with a witness call both policies' rules confirm and, for a listed
 * number, exactly the arguments where they differ (spec/19-proofs.md, V5).
 */
import { formatAction } from '../../action/index.ts';
import { condSize, condText, diff, openSession, type Difference } from '../../proof/index.ts';
import { syscallTable } from '../../x86/table.ts';
import { EXIT, type Io } from '../io.ts';
import { abiFlag, parseCommand, toJson } from '../inputs.ts';
import { dialectFlag, readRules, PROOF_DIALECTS } from '../rules-input.ts';
import { EXIT_PROOF_ERROR, statsLine } from './verify.ts';

/** Help text of `diff`. */
export const DIFF_HELP = `usage: seccomp-spec diff A B [--dialect ${PROOF_DIALECTS.join('|')}] [--abi x86_64|ia32] [--subset] [--json]

For every possible call (arch, number, arguments), whether policies A and B
can answer differently, decided with z3. Each difference names the arch and
the number (or the run of numbers neither policy lists), both answers, a
witness call on which both policies' rules give those answers, and, for a
listed number, exactly the arguments on which they differ.
  --dialect D   the policies' dialect (default 2011)
  --abi A       the ABI a 2011 policy is installed through (default x86_64)
  --subset      only the calls A lets run (allow, log) that B does not;
                exit 0 exactly when every call A lets run, B lets run too
  --json        every difference as JSON, with the timings
Exit: 0 no difference (with --subset: A's runs are a subset of B's), 1 a
difference (or a bad policy), 2 usage, 3 the proof itself failed.
`;

const hex = (v: bigint | number): string => `0x${BigInt.asUintN(64, BigInt(v)).toString(16)}`;

// Where the region is, in words.
function place(d: Difference): string {
  const r = d.region;
  if (r.arch === 'other') return 'another arch';
  const table = syscallTable(r.arch);
  const arch = r.ruleArch === 'x32' ? 'x32 (arch x86_64, bit 30)' : r.arch;
  if (r.listed !== 'unlisted') {
    const name = table.byNr(r.listed | 0)?.name;
    return `${arch} ${r.listed | 0}${name === undefined ? '' : ` (${name})`}`;
  }
  return `${arch}`;
}

const span = (d: Difference): string => {
  const [lo, hi] = d.region.nrRange;
  return lo === hi ? `${lo}` : `${lo}-${hi}`;
};

function whereText(d: Difference): string {
  if (d.region.listed === 'unlisted') return '';
  if (d.where === undefined) return ' where the arguments meet one of many rule pairs (too many to write out)';
  return d.where.kind === 'true'
    ? ' for every argument'
    : ` where ${condSize(d.where) > 40 ? `${condSize(d.where)} comparisons hold (too many to write out)` : condText(d.where)}`;
}

const witnessText = (d: Difference): string =>
  `  witness: arch ${hex(d.witness.arch >>> 0)}, nr ${d.witness.nr}, args ${d.witness.args.map(hex).join(', ')}`;

/** The differences as text: runs of unlisted numbers with the same answers on one line. */
export function diffText(ds: readonly Difference[]): string {
  const lines: string[] = [];
  const groups = new Map<string, Difference[]>();
  for (const d of ds) {
    if (d.region.listed !== 'unlisted') {
      lines.push(`${place(d)}: A ${formatAction(d.a)}, B ${formatAction(d.b)}${whereText(d)}\n${witnessText(d)}`);
      continue;
    }
    const k = `${place(d)}/${formatAction(d.a)}/${formatAction(d.b)}`;
    groups.set(k, [...(groups.get(k) ?? []), d]);
  }
  for (const g of groups.values()) {
    const d = g[0]!;
    const spans = g.map(span);
    const shown = spans.length > 8 ? `${spans.slice(0, 8).join(', ')}, ... (${spans.length} runs)` : spans.join(', ');
    const what = d.region.arch === 'other' ? 'every call' : `numbers ${shown}, which neither lists,`;
    lines.push(`${place(d)}: ${what}: A ${formatAction(d.a)}, B ${formatAction(d.b)}\n${witnessText(d)}`);
  }
  return lines.map((l) => `${l}\n`).join('');
}

/** Run `diff`. */
export async function diffCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = parseCommand(
    argv,
    { name: 'diff', valued: ['abi', 'dialect'], booleans: ['json', 'subset'], positionals: [2, 2], help: DIFF_HELP },
    io,
  );
  if (typeof args === 'number') return args;
  const abi = abiFlag(args, io);
  if (typeof abi === 'number') return abi;
  const dialect = dialectFlag(args.flags['dialect'], io);
  if (typeof dialect === 'number') return dialect;
  const [fa, fb] = args.positionals as [string, string];
  const a = readRules(fa, dialect, abi ?? 'x86_64', io);
  if (typeof a === 'number') return a;
  const b = readRules(fb, dialect, abi ?? 'x86_64', io);
  if (typeof b === 'number') return b;
  const session = await openSession();
  /* c8 ignore next 4 */
  if (session instanceof Error) {
    io.err(`cannot load z3 (the z3-solver package): ${session.message}\n`);
    return EXIT_PROOF_ERROR;
  }
  const subset = args.flags['subset'] === true;
  try {
    const r = await diff(session, a.ruleSet, b.ruleSet, { subset });
    /* c8 ignore next 4 */
    if (r.kind === 'bug') {
      io.err(`BUG: ${r.message}\n`);
      return EXIT_PROOF_ERROR;
    }
    const ds = r.differences;
    if (args.flags['json'] === true)
      io.out(
        `${toJson({
          subset,
          differences: ds.map((d) => ({
            arch: d.region.arch,
            ruleArch: d.region.ruleArch ?? null,
            nr: d.region.listed === 'unlisted' ? null : d.region.listed | 0,
            numbers: d.region.nrRange,
            a: formatAction(d.a),
            b: formatAction(d.b),
            where: d.where === undefined ? null : condText(d.where),
            witness: { arch: d.witness.arch >>> 0, nr: d.witness.nr, args: d.witness.args },
          })),
          stats: r.stats,
        })}\n`,
      );
    else {
      io.out(diffText(ds));
      const what = subset ? `call ${fa} lets run that ${fb} does not` : 'difference';
      io.out(
        `${ds.length === 0 ? `no ${what}` : `${ds.length} region${ds.length === 1 ? '' : 's'} with a ${what}`}\n  ${statsLine(r.stats)}\n`,
      );
    }
    return ds.length === 0 ? EXIT.OK : EXIT.FAIL;
  } finally {
    session.close();
  }
}
