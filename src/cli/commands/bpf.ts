/**
 * `seccomp-spec bpf POLICY [--abi] [--format raw|c|json|disasm] [--kill
 * ACTION] [--allow ACTION] [-o FILE]`: compile a policy to a seccomp BPF
 * program for today's Linux (src/bpf) and print or write it.
 */
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { isLeft } from 'fp-ts/lib/Either.js';
import { ACTION_SPELLINGS, actionRet, isActionError, type Action } from '../../action/index.ts';
import { parseActionFlag } from '../action-flag.ts';
import {
  AUDIT_ARCH_X86_64,
  compilePolicy,
  compileRules,
  describeAction,
  expectedInstructions,
  describeInstructions,
  disassemble,
  emulate,
  encodeRaw,
  retAllows,
  type Compiled,
  type CompiledRules,
  type CompileError,
  type Frequencies,
  type Program,
} from '../../bpf/index.ts';
import { detectDialect, dialectFlag, ociFlags, readFrequencies, readPolicy, type ReadPolicy } from '../dialect.ts';
import { parsePolicy } from '../../grammar/index.ts';
import { syscallTable, type Abi } from '../../x86/table.ts';
import { decodeFlag } from '../args.ts';
import { EXIT, type Io } from '../io.ts';
import { abiFlag, parseCommand, policyOk, readInput, toJson } from '../inputs.ts';

/** Help text of `bpf`. */
export const BPF_HELP = `usage: seccomp-spec bpf POLICY [--abi x86_64|ia32] [--dialect 2011|minijail|oci] [--format raw|c|json|disasm]
                        [--kill ACTION] [--allow ACTION] [--allow-execve] [--frequency FILE] [--plain] [--verify] [-o FILE]

Compile POLICY, as PR_SET_SECCOMP 2 through --abi (default x86_64) would
install it, to a seccomp BPF program for today's Linux: check the arch, kill
numbers outside the table (x32 ones included), a balanced search over the
numbers, each entry's filter as jumps over 32-bit words.
  --format disasm  seccomp-tools style text (default)
  --format raw     little-endian struct sock_filter array, as seccomp(2) and
                   bwrap --seccomp FD load it; to -o FILE or a pipe, never a terminal
  --format c       a C array with its length
  --format json    the instructions and the layout's facts
  --kill ACTION    what S6.4 kills gets (default kill-process)
  --allow ACTION   what an allowed call gets (default allow)
  --allow-execve   allow every native execve, for a loader that installs the
                   program just before its own execve (bwrap --seccomp, runc,
                   systemd): BPF cannot count calls, so later execve calls pass too
  --dialect D      the policy's language (default 2011; a JSON object is oci):
                   each rule returns its own action (minijail's return, kill...)
  --frequency FILE how often each call is made, in minijail's 'name: count'
                   format (generate --frequency writes one): the search is laid
                   out for the fewest expected instructions per call on these
                   counts (a minijail policy's own @frequency counts otherwise);
                   both layouts' figures on stderr
  --plain          the unoptimised linear layout (the twin the optimised one is checked against)
  --verify         prove with z3 that the program decides every call as the policy
                   does before writing it (as the verify command; the verdict on stderr)
ACTION is one of ${ACTION_SPELLINGS.replace(', kill', '')}, or errno:NAME (errno:EPERM).
A pending 'on_next_syscall: 1' is not in the program: the 2011 launcher
installs the policy just before execve, the call the grant is for, and
'seccomp-spec run' does so. A loader that installs the program before its
own execve needs that execve allowed: without --allow-execve, a warning on
stderr says when the program would deny it.
Exit: 0 compiled, 1 the policy is bad or too long for BPF (or --verify found a
counterexample), 2 usage, 3 the proof itself failed.
`;

const FormatCodec = t.keyof({ raw: null, c: null, json: null, disasm: null }, 'raw | c | json | disasm');
type Format = t.TypeOf<typeof FormatCodec>;

const hex = (n: number, w: number): string => `0x${(n >>> 0).toString(16).padStart(w, '0')}`;

/** The program as a C array with its length and a sock_fprog, each instruction commented. */
function cText(file: string, c: Compiled): string {
  const texts = describeInstructions(c.program, c.abi);
  const body = c.program
    .map(
      (i, n) =>
        `\t{ ${hex(i.code, 2)}, ${i.jt}, ${i.jf}, ${hex(i.k, 8)} }, /* ${String(n).padStart(4, '0')}: ${texts[n]!.replace(/\*\//g, '* /')} */`,
    )
    .join('\n');
  return (
    `/* ${file.replace(/\*\//g, '* /')} compiled by seccomp-spec bpf for ${c.abi}: ${c.program.length} instructions */\n` +
    '#include <linux/filter.h>\n\n' +
    `static struct sock_filter seccomp_filter[${c.program.length}] = {\n${body}\n};\n\n` +
    `static const unsigned short seccomp_filter_len = ${c.program.length};\n\n` +
    'static struct sock_fprog seccomp_fprog = { .len = seccomp_filter_len, .filter = seccomp_filter };\n'
  );
}

/** The instructions and the layout's facts. */
function jsonText(text: string | ReadPolicy, c: Compiled, kill: Action, allow: Action): string {
  const parsed = typeof text === 'string' ? parsePolicy(text, c.abi) : undefined;
  const entries =
    parsed === undefined
      ? [...((text as ReadPolicy).ruleSet.arches[c.abi]?.calls.keys() ?? [])].sort((a, b) => a - b)
      : parsed.ok
        ? [...new Set(parsed.policy.entries.map((e) => e.nr))].sort((a, b) => a - b)
        : [];
  const table = syscallTable(c.abi);
  return `${toJson({
    abi: c.abi,
    length: c.program.length,
    kill: describeAction(actionRet(kill)),
    allow: describeAction(actionRet(allow)),
    entries: entries.map((nr) => ({ nr, name: table.byNr(nr)?.name ?? null })),
    cacheable: c.cacheable,
    program: c.program.map((i) => ({ code: i.code, jt: i.jt, jf: i.jf, k: i.k })),
  })}\n`;
}

/**
 * An action flag's value: one of ACTION_SPELLINGS but `kill`, the 2011
 * kill, which has no BPF value of its own (--kill is what gives it one).
 */
export function actionFlag(name: string, raw: string | true | undefined, fallback: Action, io: Io): Action | null {
  if (raw === undefined) return fallback;
  const a = parseActionFlag(String(raw));
  if (isActionError(a)) {
    io.err(`invalid --${name}: ${a.message}\n`);
    return null;
  }
  if (a.kind === 'kill') {
    io.err(`invalid --${name}: 'kill' (the 2011 kill) has no BPF value of its own: give kill-process or kill-thread\n`);
    return null;
  }
  return a;
}

/** Argument values an execve's registers may hold: null, all ones, a user-space pointer. */
const EXECVE_SAMPLES: readonly bigint[] = [0n, 0xffff_ffff_ffff_ffffn, 0x7ffc_0000_1000n];

/** B14: what the program answers a loader's native execve made right after installing it. */
function loaderExecve(program: Program): 'allowed' | 'denied' | 'depends' {
  const answers = EXECVE_SAMPLES.map((v) =>
    retAllows(
      emulate(program, { nr: 59, arch: AUDIT_ARCH_X86_64, instructionPointer: 0n, args: [v, v, v, 0n, 0n, 0n] }).ret,
    ),
  );
  return answers.every((a) => a) ? 'allowed' : answers.every((a) => !a) ? 'denied' : 'depends';
}

/** Write `data` to -o FILE or stdout; raw bytes never go to a terminal. */
function emit(data: string | Uint8Array, output: string | undefined, io: Io): number {
  if (output !== undefined) {
    const e = io.writeFile(output, data);
    if (e === null) return EXIT.OK;
    io.err(`${output}: cannot write: ${e.message}\n`);
    return EXIT.FAIL;
  }
  if (typeof data === 'string') io.out(data);
  else if (io.outIsTty) {
    io.err(
      'refusing to write a binary BPF program to a terminal: give -o FILE or pipe the output (e.g. | bwrap --seccomp 3 3<&0 ...)\n',
    );
    return EXIT.USAGE;
  } else io.outBytes(data);
  return EXIT.OK;
}

/** Run `bpf`. */
export function bpfCommand(argv: readonly string[], io: Io): number | Promise<number> {
  return bpfAsync(argv, io);
}

async function bpfAsync(argv: readonly string[], io: Io): Promise<number> {
  const args = parseCommand(
    argv.map((a) => (a === '-o' ? '--output' : a)),
    {
      name: 'bpf',
      valued: ['abi', 'format', 'kill', 'allow', 'output', 'dialect', 'frequency', 'caps', 'kernel'],
      booleans: ['plain', 'allow-execve', 'verify'],
      positionals: [1, 1],
      help: BPF_HELP,
    },
    io,
  );
  if (typeof args === 'number') return args;
  const abiArg = abiFlag(args, io);
  if (typeof abiArg === 'number') return abiArg;
  const abi: Abi = abiArg ?? 'x86_64';
  const format = decodeFlag(FormatCodec, 'format', args.flags['format'] ?? 'disasm');
  if (isLeft(format)) {
    io.err(`${format.left}\n`);
    return EXIT.USAGE;
  }
  const kill = actionFlag('kill', args.flags['kill'], { kind: 'kill-process' }, io);
  const allow = actionFlag('allow', args.flags['allow'], { kind: 'allow' }, io);
  if (kill === null || allow === null) return EXIT.USAGE;
  const file = args.positionals[0]!;
  const text = readInput(file, io);
  if (text === null) return EXIT.USAGE;
  const dialectArg = dialectFlag(args, io);
  if (typeof dialectArg === 'number') return dialectArg;
  const dialect = dialectArg ?? detectDialect(text);
  const allowExecve = args.flags['allow-execve'] === true;
  if (allowExecve && args.flags['verify'] === true) {
    io.err('--verify proves the program decides as the policy does; --allow-execve makes it differ on execve (B14)\n');
    return EXIT.USAGE;
  }
  if (dialect !== '2011' && (args.flags['verify'] === true || args.flags['allow'] !== undefined)) {
    io.err(
      `--${args.flags['verify'] === true ? 'verify' : 'allow'} takes a 2011 policy; a ${dialect} policy's rules say their own actions\n`,
    );
    return EXIT.USAGE;
  }
  let read: ReadPolicy | undefined;
  if (dialect === '2011') {
    if (!policyOk(file, text, abi, io)) return EXIT.FAIL;
  } else {
    const oci = ociFlags(args, io);
    if (typeof oci === 'number') return oci;
    const r = await readPolicy(file, text, { dialect, abi, oci }, io);
    if (typeof r === 'number') return r;
    read = r;
  }
  const freqFile = args.flags['frequency'];
  let counts = read?.minijail?.frequencies;
  if (typeof freqFile === 'string') {
    const f = await readFrequencies(freqFile, abi, io);
    if (typeof f === 'number') return f;
    counts = f;
  }
  const frequencies: Frequencies | undefined = counts !== undefined && counts.size > 0 ? { [abi]: counts } : undefined;
  const opts = {
    kill,
    allowExecve,
    ...(args.flags['plain'] === true ? { layout: 'plain' as const, fold: false } : {}),
  };
  const compile = (f: Frequencies | undefined): E.Either<CompileError, Compiled> => {
    const o = { ...opts, ...(f === undefined ? {} : { frequencies: f }) };
    if (read === undefined) return compilePolicy(text, { ...o, abi, allow });
    return E.map((r: CompiledRules): Compiled => ({ program: r.program, abi, cacheable: r.cacheable[abi] }))(
      compileRules(read.ruleSet, o),
    );
  };
  const compiled = compile(frequencies);
  if (isLeft(compiled)) {
    io.err(`${file}: ${compiled.left.message}\n`);
    return EXIT.FAIL;
  }
  const c = compiled.right;
  if (frequencies !== undefined) {
    const balanced = compile(undefined);
    const per = (p: Program): string => expectedInstructions(p, frequencies).toFixed(2);
    if (!isLeft(balanced))
      io.err(
        `${file}: expected instructions per call on the given counts: ${per(c.program)} laid out by frequency, ` +
          `${per(balanced.right.program)} balanced (B15)\n`,
      );
  }
  const execve = allowExecve ? 'allowed' : loaderExecve(c.program);
  if (execve !== 'allowed')
    io.err(
      `warning: ${file}: the program ${execve === 'denied' ? 'denies' : 'may deny, depending on its arguments,'} the native execve ` +
        'a loader makes right after installing it (bwrap --seccomp, runc, systemd), so the command would not start: ' +
        'BPF cannot count calls to let that one execve through (B14); --allow-execve allows every native execve, ' +
        'and seccomp-spec run installs the program after it\n',
    );
  const out = args.flags['output'];
  const f: Format = format.right;
  const data =
    f === 'raw'
      ? encodeRaw(c.program)
      : f === 'c'
        ? cText(file, c)
        : f === 'json'
          ? jsonText(read ?? text, c, kill, allow)
          : disassemble(c.program, abi);
  const write = (): number => emit(data, typeof out === 'string' ? out : undefined, io);
  if (args.flags['verify'] !== true) return write();
  // The proof loads z3: only when asked.
  const { verifyCompiled } = await import('./verify.ts');
  const code = await verifyCompiled(file, abi, c.program, { kill: actionRet(kill), allow: actionRet(allow) }, io);
  return code === EXIT.OK ? write() : code;
}
