/**
 * The one place the proof commands read a policy into the decision form
 * (`verify`, `diff`, `bpf --verify`): today the 2011 dialect through the
 * model's install (S5.2, R5); the other dialects join here.
 */
import type { Action } from '../action/index.ts';
import type { SeccompData } from '../bpf/index.ts';
import type { RuleSet } from '../ruleset/index.ts';
import type { Abi } from '../x86/table.ts';
import { modelOracle, ruleSetOfPolicy } from '../proof/policy2011.ts';
import { EXIT, type Io } from './io.ts';
import { policyOk, readInput } from './inputs.ts';

/** The dialects the proof commands read. */
export const PROOF_DIALECTS = ['2011'] as const;
/** One of PROOF_DIALECTS. */
export type ProofDialect = (typeof PROOF_DIALECTS)[number];

/** A policy in the decision form, with a second oracle where its dialect has one (the model, for 2011). */
export interface PolicyRules {
  readonly ruleSet: RuleSet;
  readonly oracle?: (d: SeccompData) => Action;
}

/** The --dialect flag: the dialect, or the exit code after a usage error. */
export function dialectFlag(raw: string | true | undefined, io: Io): ProofDialect | number {
  const v = raw ?? '2011';
  if ((PROOF_DIALECTS as readonly unknown[]).includes(v)) return v as ProofDialect;
  io.err(`invalid --dialect: ${String(v)}: expected one of ${PROOF_DIALECTS.join(', ')}\n`);
  return EXIT.USAGE;
}

/**
 * Read `file` in `dialect` for `abi` into the decision form; prints what is
 * wrong with it and returns the exit code (2 unreadable, 1 a bad policy).
 */
export function readRules(file: string, dialect: ProofDialect, abi: Abi, io: Io): PolicyRules | number {
  const text = readInput(file, io);
  if (text === null) return EXIT.USAGE;
  switch (dialect) {
    case '2011': {
      if (!policyOk(file, text, abi, io)) return EXIT.FAIL;
      const p = ruleSetOfPolicy(text, abi);
      /* c8 ignore next 4 */
      if ('errno' in p) {
        io.err(`${file}: the model refuses to install it (errno ${p.errno})\n`);
        return EXIT.FAIL;
      }
      return { ruleSet: p.ruleSet, oracle: modelOracle(p) };
    }
  }
}
