/**
 * `seccomp-spec convert --from D1 --to D2 POLICY [--abi] [-o FILE]`: write
 * a policy's decisions in another dialect (spec/17-minijail.md, M10), or
 * name each rule that cannot be written and why.
 */
import { isRight } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { to2011, toMinijail, parseMinijail, type ConvertResult } from '../../minijail/index.ts';
import { toOci } from '../../oci/index.ts';
import { loadUapi } from '../../x86/uapi.ts';
import { decodeFlag } from '../args.ts';
import { readPolicy, renderMinijailError, type Dialect } from '../dialect.ts';
import { abiFlag, checkPolicy, errorText, parseCommand, readInput } from '../inputs.ts';
import { EXIT, type Io } from '../io.ts';

/** Help text of `convert`. */
export const CONVERT_HELP = `usage: seccomp-spec convert --from 2011|minijail|oci --to 2011|minijail|oci POLICY [--abi x86_64|ia32] [-o|--output FILE]

Write POLICY's decisions in the other dialect (spec/17-minijail.md, M10):
to minijail, each rule a line in order with negations pushed to the atoms
(minijail has no '!'), the 2011 kill as kill-process, the default as
@default; to 2011, each call allowed exactly where its first holding rule
allows (kill-process and kill-thread become the 2011 kill). What cannot be
written (an errno in 2011, a permissive default in minijail, a filter past
2011's limits) is named with its file and line, and nothing is written.
To oci (spec/18-oci.md, O11): a profile runc and libseccomp compile to the
same decisions, each || split into rules, or what cannot be written (a
negated mask test, one argument compared twice in a rule, an order or
rewriting of libseccomp's that changes a call's answer, named with it).
The result is read back in its dialect before it is printed.
Exit: 0 written, 1 cannot be converted (or a bad policy), 2 usage.
`;

const ConvertDialect = t.keyof({ '2011': null, minijail: null, oci: null }, '2011 | minijail | oci');

/** Run `convert`. */
export async function convertCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = parseCommand(
    argv.map((a) => (a === '-o' ? '--output' : a)),
    { name: 'convert', valued: ['from', 'to', 'abi', 'output'], booleans: [], positionals: [1, 1], help: CONVERT_HELP },
    io,
  );
  if (typeof args === 'number') return args;
  const dialects: Dialect[] = [];
  for (const flag of ['from', 'to'] as const) {
    const raw = args.flags[flag];
    if (raw === undefined) {
      io.err(`convert needs --${flag}\n${CONVERT_HELP}`);
      return EXIT.USAGE;
    }
    const d = decodeFlag(ConvertDialect, flag, raw);
    if (!isRight(d)) {
      io.err(`${d.left}\n`);
      return EXIT.USAGE;
    }
    dialects.push(d.right);
  }
  const [from, to] = dialects as [Dialect, Dialect];
  const abi = abiFlag(args, io);
  if (typeof abi === 'number') return abi;
  const file = args.positionals[0]!;
  const text = readInput(file, io);
  if (text === null) return EXIT.USAGE;
  const read = await readPolicy(file, text, { dialect: from, abi: abi ?? 'x86_64' }, io);
  if (typeof read === 'number') return read;
  if (to === 'oci') {
    const r = toOci(read.ruleSet);
    if (r._tag === 'Left') {
      for (const p of r.left) io.err(`${file}: cannot be written in oci: ${p.message}\n`);
      return EXIT.FAIL;
    }
    for (const n of r.right.notes) io.err(`${file}: note: ${n}\n`);
    return write(args.flags['output'], r.right.text, io);
  }
  const header = [
    `${to === 'minijail' ? 'minijail policy' : '2011 policy'} converted from ${file} (${from}, ${read.abi}) by seccomp-spec convert`,
  ];
  const r: ConvertResult = to === 'minijail' ? toMinijail(read.ruleSet, header) : to2011(read.ruleSet, header);
  if (!r.ok) {
    for (const p of r.problems)
      io.err(
        `${p.file ?? file}${p.line !== undefined ? `:${p.line}` : ''}: cannot be written in ${to}: ${p.message}\n`,
      );
    return EXIT.FAIL;
  }
  // The result must read back in its dialect (2011: within the kernel's limits, S2.3, S5.2).
  if (to === '2011') {
    const back = checkPolicy(r.text, read.abi);
    if (!back.ok) {
      for (const e of back.errors)
        io.err(`${file}: cannot be written in 2011: line ${e.line} of the result: ${errorText(e)}\n`);
      return EXIT.FAIL;
    }
  } else {
    const back = parseMinijail(r.text, await loadUapi(read.abi), { abi: read.abi, file: '<converted>' });
    if (!back.ok) {
      for (const e of back.errors) io.err(renderMinijailError(e));
      return EXIT.FAIL;
    }
  }
  return write(args.flags['output'], r.text, io);
}

/** Write `text` to `out`, or to stdout when no file is given. */
function write(out: string | boolean | undefined, text: string, io: Io): number {
  if (typeof out === 'string') {
    const e = io.writeFile(out, text);
    if (e !== null) {
      io.err(`${out}: cannot write: ${e.message}\n`);
      return EXIT.USAGE;
    }
  } else io.out(text);
  return EXIT.OK;
}
