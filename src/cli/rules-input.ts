/**
 * How the proof commands (`verify`, `diff`, `bpf --verify`) read a policy:
 * through the one function that reads any dialect into the decision form
 * (`readPolicy`, M11), with, for a 2011 policy, the model's own decision as
 * a second oracle every counterexample and witness must agree with.
 */
import { isRight } from 'fp-ts/lib/Either.js';
import type { Action } from '../action/index.ts';
import type { SeccompData } from '../bpf/index.ts';
import { killAs } from '../proof/diff.ts';
import { modelOracle, ruleSetOfPolicy } from '../proof/policy2011.ts';
import type { RuleSet } from '../ruleset/index.ts';
import type { Abi } from '../x86/table.ts';
import { decodeFlag } from './args.ts';
import { detectDialect, DialectCodec, readPolicy, type Dialect, type OciReadOptions } from './dialect.ts';
import { readInput } from './inputs.ts';
import { EXIT, type Io } from './io.ts';

/** The dialects the proof commands name in their help. */
export const PROOF_DIALECTS = ['2011', 'minijail', 'oci'] as const;

/** A policy in the decision form, with a second oracle where its dialect has one (the model, for 2011). */
export interface PolicyRules {
  readonly dialect: Dialect;
  readonly ruleSet: RuleSet;
  readonly oracle?: (d: SeccompData) => Action;
}

/** How a proof command reads its policies. */
export interface RulesOptions {
  /** The dialect; undefined: what the text shows (M11: a JSON object is OCI, anything else 2011). */
  readonly dialect: Dialect | undefined;
  readonly abi: Abi;
  /**
   * What a kill is: the 2011 kill is read as this action, and minijail's
   * `kill`, its default default and a foreign arch get it (M7). Undefined:
   * the 2011 kill stays its own answer, minijail's is kill-thread.
   */
  readonly kill?: 'kill-thread' | 'kill-process';
  /** An OCI profile's Docker conditions (O2): capabilities and kernel. */
  readonly oci?: OciReadOptions;
}

/**
 * The --dialect flag of a command that reads `count` policies: one dialect
 * for all of them, or (for two) `A,B`, one each; undefined entries where
 * the flag is absent. The exit code after a usage error.
 */
export function dialectsFlag(
  raw: string | true | undefined,
  count: 1 | 2,
  io: Io,
): readonly (Dialect | undefined)[] | number {
  if (raw === undefined) return Array.from({ length: count }, () => undefined);
  const parts = raw === true ? [raw] : raw.split(',');
  if (parts.length !== 1 && parts.length !== count) {
    io.err(
      `invalid --dialect: ${String(raw)}: expected ${count === 1 ? 'one dialect' : 'one dialect, or two as A,B'} of 2011, minijail, oci\n`,
    );
    return EXIT.USAGE;
  }
  const out: Dialect[] = [];
  for (const p of parts) {
    const d = decodeFlag(DialectCodec, 'dialect', p);
    if (!isRight(d)) {
      io.err(`${d.left}\n`);
      return EXIT.USAGE;
    }
    out.push(d.right);
  }
  return Array.from({ length: count }, (_, i) => out[parts.length === 1 ? 0 : i]);
}

/** A --kill flag that names what a kill is (M7): kill-thread or kill-process, undefined when absent, or the exit code. */
export function killKindFlag(
  raw: string | true | undefined,
  io: Io,
): 'kill-thread' | 'kill-process' | undefined | number {
  if (raw === undefined || raw === 'kill-thread' || raw === 'kill-process') return raw;
  io.err(`invalid --kill: ${String(raw)}: expected kill-thread or kill-process\n`);
  return EXIT.USAGE;
}

/**
 * Read `file` into the decision form as `opts` says (M11); prints what is
 * wrong with it and returns the exit code (2 unreadable, 1 a bad policy).
 */
export async function readRules(file: string, opts: RulesOptions, io: Io): Promise<PolicyRules | number> {
  const text = readInput(file, io);
  if (text === null) return EXIT.USAGE;
  const dialect = opts.dialect ?? detectDialect(text);
  const read = await readPolicy(
    file,
    text,
    {
      dialect,
      abi: opts.abi,
      ...(opts.kill === undefined ? {} : { minijail: { kill: opts.kill } }),
      ...(opts.oci === undefined ? {} : { oci: opts.oci }),
    },
    io,
  );
  if (typeof read === 'number') return read;
  if (dialect !== '2011') return { dialect, ruleSet: read.ruleSet };
  // The model's install of the same text (S5.2): the second oracle.
  const p = ruleSetOfPolicy(text, opts.abi);
  /* c8 ignore next 4 */
  if ('errno' in p) {
    io.err(`${file}: the model refuses to install it (errno ${p.errno})\n`);
    return EXIT.FAIL;
  }
  const oracle = modelOracle(p);
  if (opts.kill === undefined) return { dialect, ruleSet: read.ruleSet, oracle };
  const kill: Action = { kind: opts.kill };
  return {
    dialect,
    ruleSet: killAs(read.ruleSet, kill),
    oracle: (d) => {
      const a = oracle(d);
      return a.kind === 'kill' ? kill : a;
    },
  };
}
