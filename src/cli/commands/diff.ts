/**
 * `seccomp-spec diff A B [--dialect D] [--abi A] [--subset] [--json]`: for
 * every call, whether two policies can answer differently; each difference
 * with a witness call both policies' rules confirm and, for a listed
 * number, exactly the arguments where they differ (spec/19-proofs.md, V5).
 */
import { formatAction, sameAction } from '../../action/index.ts';
import { condSize, condText, diff, openSession, type Difference } from '../../proof/index.ts';
import { syscallTable } from '../../x86/table.ts';
import { ociFlags } from '../dialect.ts';
import { EXIT, type Io } from '../io.ts';
import { abiFlag, parseCommand, toJson } from '../inputs.ts';
import { dialectsFlag, killKindFlag, readRules, PROOF_DIALECTS } from '../rules-input.ts';
import { EXIT_PROOF_ERROR, statsLine } from './verify.ts';

/** Help text of `diff`. */
export const DIFF_HELP = `usage: seccomp-spec diff A B [--dialect D|DA,DB] [--abi x86_64|ia32] [--kill K]
                       [--caps LIST] [--kernel X.Y] [--subset] [--json]

For every possible call (arch, number, arguments), whether policies A and B
can answer differently, decided with z3. Each difference names the arch and
the number (or the run of numbers neither policy lists), both answers, a
witness call on which both policies' rules give those answers, and, for a
listed number, exactly the arguments on which they differ.
  --dialect D   both policies' dialect, one of ${PROOF_DIALECTS.join(', ')}; DA,DB: A's
                and B's (default: oci for a JSON object, else 2011)
  --abi A       the ABI the policies are read for (default x86_64)
  --kill K      kill-thread or kill-process: what a kill is, in both policies:
                the 2011 kill is read as K, and minijail's kill, default
                default and other arches are K (without it the 2011 kill is
                an answer of its own and minijail's kill is kill-thread)
  --caps LIST   OCI profiles' capabilities (default: docker run's)
  --kernel X.Y  the kernel OCI profiles' conditions see (default: this one)
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
    {
      name: 'diff',
      valued: ['abi', 'dialect', 'kill', 'caps', 'kernel'],
      booleans: ['json', 'subset'],
      positionals: [2, 2],
      help: DIFF_HELP,
    },
    io,
  );
  if (typeof args === 'number') return args;
  const abi = abiFlag(args, io);
  if (typeof abi === 'number') return abi;
  const dialects = dialectsFlag(args.flags['dialect'], 2, io);
  if (typeof dialects === 'number') return dialects;
  const k = killKindFlag(args.flags['kill'], io);
  if (typeof k === 'number') return k;
  const oci = ociFlags(args, io);
  if (typeof oci === 'number') return oci;
  const shared = { oci, ...(k === undefined ? {} : { kill: k }) };
  const [fa, fb] = args.positionals as [string, string];
  const a = await readRules(fa, { dialect: dialects[0], abi: abi ?? 'x86_64', ...shared }, io);
  if (typeof a === 'number') return a;
  const b = await readRules(fb, { dialect: dialects[1], abi: abi ?? 'x86_64', ...shared }, io);
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
    // A 2011 side's witness answers must be the model's too (V5).
    for (const d of ds)
      for (const [side, rules, want] of [
        ['A', a, d.a],
        ['B', b, d.b],
      ] as const) {
        const second = rules.oracle?.(d.witness);
        /* c8 ignore next 4 */
        if (second !== undefined && !sameAction(second, want)) {
          io.err(
            `BUG: ${side}'s rules answer ${formatAction(want)} for a witness, the model ${formatAction(second)}\n`,
          );
          return EXIT_PROOF_ERROR;
        }
      }
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
