/**
 * Command-line arguments, validated with io-ts (every external input is):
 * flags with values, boolean flags, positionals; errors say what and where.
 */
import * as t from 'io-ts';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import { PathReporter } from 'io-ts/lib/PathReporter.js';

/** Parsed arguments: positionals in order, flags by name. */
export interface Parsed {
  readonly positionals: readonly string[];
  readonly flags: Readonly<Record<string, string | true>>;
}

/**
 * Split argv by a declaration of which flags take a value. Unknown flags and
 * missing values are errors (usage, exit 2). `-h` is `--help` where `help` is
 * declared, and `-q` is `--quiet` where `quiet` is.
 */
export function parseArgs(
  argv: readonly string[],
  valued: readonly string[],
  booleans: readonly string[],
): Parsed | string {
  const positionals: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-h' && booleans.includes('help')) {
      flags['help'] = true;
      continue;
    }
    if (a === '-q' && booleans.includes('quiet')) {
      flags['quiet'] = true;
      continue;
    }
    if (!a.startsWith('--') || a === '-') {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if (valued.includes(name)) {
      const v = eq < 0 ? argv[++i] : a.slice(eq + 1);
      if (v === undefined) return `option --${name} needs a value`;
      flags[name] = v;
    } else if (booleans.includes(name) && eq < 0) {
      flags[name] = true;
    } else {
      return `unknown option --${name} (valid: ${[...valued, ...booleans].map((f) => `--${f}`).join(', ')})`;
    }
  }
  return { positionals, flags };
}

/** Decode a flag value with an io-ts codec; the error names the flag and the valid values. */
export function decodeFlag<A>(codec: t.Decoder<unknown, A>, name: string, value: unknown): Either<string, A> {
  const r = codec.decode(value);
  return isLeft(r) ? left(`invalid --${name}: ${PathReporter.report(r).join('; ')}`) : right(r.right);
}

/** The two ABIs as an io-ts codec. */
export const AbiCodec = t.keyof({ x86_64: null, ia32: null }, 'x86_64 | ia32');
/** The three entry vectors as an io-ts codec. */
export const VectorCodec = t.keyof({ syscall: null, int80: null, sysenter: null }, 'syscall | int80 | sysenter');
