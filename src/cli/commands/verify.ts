/**
 * `seccomp-spec verify POLICY PROGRAM [--dialect D] [--abi A] [--kill
 * ACTION] [--json]`: prove that a raw BPF program decides every
 * seccomp_data as the policy does, or print a confirmed counterexample
 * (spec/19-proofs.md, V4). z3 loads only here.
 */
import { isLeft } from 'fp-ts/lib/Either.js';
import { actionRet, formatAction, isActionError, parseAction, type Action } from '../../action/index.ts';
import { decodeRaw, describeAction, validate, type Program } from '../../bpf/index.ts';
import { openSession, verify, type ProofStats, type VerifyResult } from '../../proof/index.ts';
import { decideRules } from '../../ruleset/index.ts';
import { syscallTable, type Abi } from '../../x86/table.ts';
import { ociFlags } from '../dialect.ts';
import { EXIT, type Io } from '../io.ts';
import { abiFlag, parseCommand, toJson } from '../inputs.ts';
import { dialectsFlag, killKindFlag, readRules, PROOF_DIALECTS, type PolicyRules } from '../rules-input.ts';

/** A proof's own failure (z3 could not load, gave up, or a counterexample did not reproduce): not a verdict. */
export const EXIT_PROOF_ERROR = 3;

/** Help text of `verify`. */
export const VERIFY_HELP = `usage: seccomp-spec verify POLICY PROGRAM [--dialect ${PROOF_DIALECTS.join('|')}] [--abi x86_64|ia32]
                           [--kill ACTION] [--caps LIST] [--kernel X.Y] [--json]

Prove that PROGRAM, a raw seccomp BPF program (an array of struct
sock_filter: bpf --format raw, libseccomp's seccomp_export_bpf, minijail's
compiled policy), answers every possible struct seccomp_data (arch, nr,
instruction pointer, six 64-bit arguments) as POLICY's decision form does,
with z3; or print one call on which they differ, both answers confirmed by
the BPF emulator and by the policy's rules (and the model, for 2011).
  --dialect D      the policy's dialect (default: oci for a JSON object, else 2011)
  --abi A          the ABI the policy is read for (default x86_64)
  --kill ACTION    2011: the value the 2011 kill is returned as (default
                   kill-process); minijail: what its kill, its default
                   default and other arches are, kill-thread (the default)
                   or kill-process (minijail's --use-kill-process)
  --caps LIST      an OCI profile's capabilities (default: docker run's)
  --kernel X.Y     the kernel an OCI profile's conditions see (default: this one)
  --json           the verdict, the counterexample and the timings as JSON
Exit: 0 proven, 1 a counterexample (or a bad policy or program), 2 usage,
3 the proof itself failed (z3 unavailable or undecided, or a counterexample
that does not reproduce: a bug).
`;

/** Read a raw program: the bytes of `file` (or stdin), decoded and checked as the kernel would. */
export async function readProgram(file: string, io: Io): Promise<Program | number> {
  const src = io.openStream(file);
  if (src instanceof Error) {
    io.err(`${file}: cannot read: ${src.message}\n`);
    return EXIT.USAGE;
  }
  const parts: Uint8Array[] = [];
  for await (const c of src.chunks) parts.push(c);
  const bytes = new Uint8Array(parts.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of parts) {
    bytes.set(c, at);
    at += c.length;
  }
  const p = decodeRaw(bytes);
  if (isLeft(p)) {
    io.err(`${file}: not a raw BPF program: ${p.left}\n`);
    return EXIT.FAIL;
  }
  const ok = validate(p.right);
  if (isLeft(ok)) {
    io.err(`${file}: the kernel would refuse this program: ${ok.left}\n`);
    return EXIT.FAIL;
  }
  return p.right;
}

/** The --kill flag as an action, or the exit code after a usage error. */
export function killFlag(raw: string | true | undefined, io: Io): Action | number {
  const a = parseAction(String(raw ?? 'kill-process'));
  if (!isActionError(a)) return a;
  io.err(`invalid --kill: ${a.message}\n`);
  return EXIT.USAGE;
}

const hex = (n: bigint | number, w = 0): string => `0x${BigInt.asUintN(64, BigInt(n)).toString(16).padStart(w, '0')}`;

/** Timings and effort, one line. */
export const statsLine = (s: ProofStats): string =>
  `${s.regions} regions, ${s.byConstruction} equal by construction, ${s.queries} solver queries; terms ${s.termMs.toFixed(0)} ms, solver ${s.solveMs.toFixed(0)} ms`;

/** Print a verdict; returns the exit code. */
export function report(
  r: VerifyResult,
  names: { readonly policy: string; readonly program: string },
  rules: PolicyRules,
  ret: (a: Action) => number,
  json: boolean,
  io: Io,
): number {
  if (r.kind === 'proven') {
    if (json) io.out(`${toJson({ verdict: 'proven', stats: r.stats })}\n`);
    else
      io.out(`proven: ${names.program} decides every seccomp_data as ${names.policy} does\n  ${statsLine(r.stats)}\n`);
    return EXIT.OK;
  }
  if (r.kind === 'bug') {
    io.err(`BUG: ${r.message}\n  ${statsLine(r.stats)}\n`);
    return EXIT_PROOF_ERROR;
  }
  /* c8 ignore next 4 */
  if (r.kind === 'unknown') {
    io.err(`z3 could not decide the region ${JSON.stringify(r.region)}\n`);
    return EXIT_PROOF_ERROR;
  }
  const { data, region, got, want, wantRet } = r.cex;
  const abi: Abi | undefined = region.arch === 'other' ? undefined : region.arch;
  const nrName = abi === undefined ? undefined : syscallTable(abi).byNr(data.nr)?.name;
  const rule =
    abi === undefined
      ? undefined
      : decideRules(
          rules.ruleSet,
          abi,
          data.nr,
          abi === 'ia32' ? data.args.map((a) => BigInt.asUintN(32, a)) : data.args,
        ).rule?.origin.text;
  if (json) {
    io.out(
      `${toJson({
        verdict: 'counterexample',
        call: {
          arch: data.arch,
          archName: region.arch,
          nr: data.nr,
          name: nrName ?? null,
          args: data.args,
          ip: data.instructionPointer,
        },
        program: { ret: got, action: describeAction(got) },
        policy: { action: formatAction(want), ret: wantRet, rule: rule ?? null },
        stats: r.stats,
      })}\n`,
    );
    return EXIT.FAIL;
  }
  io.out(
    `counterexample: ${names.program} and ${names.policy} answer differently for\n` +
      `  arch  ${hex(data.arch, 8)} (${region.arch === 'other' ? 'another arch' : region.arch})\n` +
      `  nr    ${data.nr}${nrName === undefined ? '' : ` (${nrName})`}\n` +
      `  args  ${data.args.map((a) => hex(a)).join(', ')}\n` +
      `  ip    ${hex(data.instructionPointer)}\n` +
      `  program: ${describeAction(got)} (${hex(got, 8)}), run by the BPF emulator\n` +
      `  policy:  ${formatAction(want)} (${hex(ret(want), 8)}), by ${rule === undefined ? 'its default' : `the rule '${rule}'`}${rules.oracle === undefined ? '' : ', and the model agrees'}\n` +
      `  ${statsLine(r.stats)}\n`,
  );
  return EXIT.FAIL;
}

/** Run `verify`. */
export async function verifyCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = parseCommand(
    argv,
    {
      name: 'verify',
      valued: ['abi', 'dialect', 'kill', 'caps', 'kernel'],
      booleans: ['json'],
      positionals: [2, 2],
      help: VERIFY_HELP,
    },
    io,
  );
  if (typeof args === 'number') return args;
  const abi = abiFlag(args, io);
  if (typeof abi === 'number') return abi;
  const dialects = dialectsFlag(args.flags['dialect'], 1, io);
  if (typeof dialects === 'number') return dialects;
  const dialect = dialects[0];
  const kill = killFlag(dialect === 'minijail' ? undefined : args.flags['kill'], io);
  if (typeof kill === 'number') return kill;
  const mjKill = dialect === 'minijail' ? killKindFlag(args.flags['kill'], io) : undefined;
  if (typeof mjKill === 'number') return mjKill;
  const oci = ociFlags(args, io);
  if (typeof oci === 'number') return oci;
  const [policy, program] = args.positionals as [string, string];
  const rules = await readRules(
    policy,
    { dialect, abi: abi ?? 'x86_64', oci, ...(mjKill === undefined ? {} : { kill: mjKill }) },
    io,
  );
  if (typeof rules === 'number') return rules;
  const p = await readProgram(program, io);
  if (typeof p === 'number') return p;
  const session = await openSession();
  /* c8 ignore next 4 */
  if (session instanceof Error) {
    io.err(`cannot load z3 (the z3-solver package): ${session.message}\n`);
    return EXIT_PROOF_ERROR;
  }
  const ret = (a: Action): number => actionRet(a, actionRet(kill));
  try {
    const r = await verify(session, p, rules.ruleSet, {
      ret,
      ...(rules.oracle === undefined ? {} : { oracle: rules.oracle }),
    });
    return report(r, { policy, program }, rules, ret, args.flags['json'] === true, io);
  } finally {
    session.close();
  }
}

/**
 * `bpf --verify`: prove the program just compiled from the 2011 policy
 * `file` against the policy, the 2011 kill and allow returned as `values`
 * says; the verdict goes to stderr (stdout may carry the program).
 */
export async function verifyCompiled(
  file: string,
  abi: Abi,
  p: Program,
  values: { readonly kill: number; readonly allow: number },
  io: Io,
): Promise<number> {
  const rules = await readRules(file, { dialect: '2011', abi }, io);
  /* c8 ignore next */
  if (typeof rules === 'number') return rules;
  const session = await openSession();
  /* c8 ignore next 4 */
  if (session instanceof Error) {
    io.err(`cannot load z3 (the z3-solver package): ${session.message}\n`);
    return EXIT_PROOF_ERROR;
  }
  const ret = (a: Action): number =>
    a.kind === 'allow' ? values.allow : a.kind === 'kill' ? values.kill : actionRet(a, values.kill);
  try {
    const r = await verify(session, p, rules.ruleSet, {
      ret,
      ...(rules.oracle === undefined ? {} : { oracle: rules.oracle }),
    });
    const toErr: Io = { ...io, out: io.err };
    return report(r, { policy: file, program: 'the program' }, rules, ret, false, toErr);
  } finally {
    session.close();
  }
}
